// Async forms of gather and wait, for use inside coroutines:
//   std::vector<int> values = co_await concurry::async_gather(futures);
//   auto [done, not_done] = co_await concurry::async_wait(futures, {.return_when = "first"});
// They suspend the coroutine (its loop keeps serving) instead of blocking the thread.
#ifndef CONCURRY_RUNTIME_ASYNC_GATHER_H_
#define CONCURRY_RUNTIME_ASYNC_GATHER_H_

#include <atomic>
#include <memory>
#include <vector>

#include "concurry/core/future.h"
#include "concurry/core/async.h"
#include "concurry/runtime/gather.h"
#include "concurry/runtime/internal/timer.h"

namespace concurry {

// Values in input order; the first error in input order is thrown.
template <class T>
Async<std::vector<T>> async_gather(std::vector<Future<T>> futures) {
  std::vector<T> values;
  values.reserve(futures.size());
  for (auto& f : futures) values.push_back(co_await f);
  co_return values;
}

namespace internal {
// A future that completes once `when` holds for `states`, or when `timeout` passes.
Future<void> when_condition(const States& states, ReturnWhen when,
                            const std::optional<Duration>& timeout);
}  // namespace internal

// Like wait(): {done, not_done}; with all_completed a timeout throws TimeoutError.
template <class T>
Async<WaitResult<T>> async_wait(std::vector<Future<T>> futures, WaitOptions options = {}) {
  ReturnWhen when = parse_option<ReturnWhen>("return_when", options.return_when.str());
  co_await internal::when_condition(internal::states_of(futures), when, options.timeout);
  WaitResult<T> out;
  for (const auto& f : futures) (f.done() ? out.done : out.not_done).push_back(f);
  if (when == ReturnWhen::kAllCompleted && !out.not_done.empty()) {
    throw TimeoutError("async_wait: " + std::to_string(out.not_done.size()) + " of " +
                       std::to_string(futures.size()) +
                       " futures were not done before the timeout");
  }
  co_return out;
}

}  // namespace concurry

#endif  // CONCURRY_RUNTIME_ASYNC_GATHER_H_
