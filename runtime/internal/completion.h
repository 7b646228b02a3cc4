// Waiting on many futures at once, for gather / wait / as_completed / map. Internal.
#ifndef CONCURRY_RUNTIME_INTERNAL_COMPLETION_H_
#define CONCURRY_RUNTIME_INTERNAL_COMPLETION_H_

#include <memory>
#include <optional>
#include <vector>

#include "concurry/core/duration.h"
#include "concurry/core/internal/future_state.h"
#include "concurry/core/option_values.h"
#include "concurry/runtime/progress_bar.h"

namespace concurry::internal {

using States = std::vector<std::shared_ptr<StateBase>>;

// Blocks until `when` holds for `states` or the timeout passes; ticks `progress` per completion.
// Returns true when the condition held. With kAllCompleted a timeout throws TimeoutError.
bool await_states(const States& states, ReturnWhen when, const std::optional<Duration>& timeout,
                  const Progress& progress);

// Completion order, one index at a time: next() blocks until another state completes, throws
// TimeoutError when the deadline passes first, and returns nullopt when all were delivered.
class CompletionQueue {
 public:
  CompletionQueue(const States& states, const std::optional<Duration>& timeout,
                  const Progress& progress);
  std::optional<size_t> next();

 private:
  struct Shared;
  std::shared_ptr<Shared> shared_;
  size_t total_;
  size_t delivered_ = 0;
  std::optional<Clock::time_point> deadline_;
};

}  // namespace concurry::internal

#endif  // CONCURRY_RUNTIME_INTERNAL_COMPLETION_H_
