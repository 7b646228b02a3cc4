// The limits a worker can be given: what each limit is, not how it is enforced (LimitSet).
//   CallLimit{.window = 1s, .capacity = 100}                     100 calls per second
//   RateLimit{.key = "tokens", .window = 60s, .capacity = 1000,  1000 tokens per minute,
//             .algorithm = "token_bucket"}                        usage reported with update()
//   ResourceLimit{.key = "connections", .capacity = 10}          a semaphore of 10
#ifndef CONCURRY_CORE_LIMIT_DEFINITIONS_H_
#define CONCURRY_CORE_LIMIT_DEFINITIONS_H_

#include <string>
#include <variant>

#include "concurry/core/duration.h"
#include "concurry/core/options_text.h"

namespace concurry {

// Counts calls under the key "call_count": each acquisition uses 1, no update needed.
struct CallLimit {
  Duration window{1.0};
  double capacity = 1;
  Text algorithm = "sliding_window";
};

// Tokens per window. Usage must be reported with update() before release.
struct RateLimit {
  std::string key;
  Duration window{1.0};
  double capacity = 1;
  Text algorithm = "sliding_window";
};

// A semaphore of `capacity` units (>= 1); no window, no update.
struct ResourceLimit {
  std::string key;
  double capacity = 1;
};

using Limit = std::variant<CallLimit, RateLimit, ResourceLimit>;

inline constexpr const char* kCallCountKey = "call_count";

}  // namespace concurry

#endif  // CONCURRY_CORE_LIMIT_DEFINITIONS_H_
