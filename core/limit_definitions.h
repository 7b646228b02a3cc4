// The limits a worker can be given (Options::limits): what each limit is, not how it is
// enforced (core/limits, Step 3). Passing a list gives each worker a private set.
#ifndef CONCURRY_CORE_LIMIT_DEFINITIONS_H_
#define CONCURRY_CORE_LIMIT_DEFINITIONS_H_

#include <initializer_list>
#include <string>
#include <variant>
#include <vector>

#include "concurry/core/duration.h"
#include "concurry/core/options_text.h"

namespace concurry {

// Counts calls: each acquisition uses 1; `capacity` calls per `window`.
struct CallLimit {
  Duration window{1.0};
  double capacity = 1;
};

// Tokens per window (API tokens, bytes). Usage must be reported with update() before release.
struct RateLimit {
  std::string key;
  Duration window{1.0};
  double capacity = 1;
  Text algorithm = "sliding_window";
};

// A semaphore of `capacity` units (connections, GPU slots); no window.
struct ResourceLimit {
  std::string key;
  double capacity = 1;
};

using Limit = std::variant<CallLimit, RateLimit, ResourceLimit>;

// The value of Options::limits. Empty means "no limits" (an always-succeeding set).
class Limits {
 public:
  Limits() = default;
  Limits(std::initializer_list<Limit> limits) : definitions_(limits) {}
  explicit Limits(std::vector<Limit> limits) : definitions_(std::move(limits)) {}

  bool empty() const { return definitions_.empty(); }
  const std::vector<Limit>& definitions() const { return definitions_; }

 private:
  std::vector<Limit> definitions_;
};

}  // namespace concurry

#endif  // CONCURRY_CORE_LIMIT_DEFINITIONS_H_
