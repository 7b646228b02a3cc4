// retry_async: the retry loop for coroutines. Same rules as core/retry.h (it shares RetryRun),
// but the waits are timers on the coroutine's loop, so an asyncio worker keeps serving its other
// calls while one of them waits to retry.
#ifndef CONCURRY_RUNTIME_ASYNC_RETRY_H_
#define CONCURRY_RUNTIME_ASYNC_RETRY_H_

#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "concurry/core/retry.h"
#include "concurry/core/async.h"

namespace concurry::internal {

// Runs `make()` (which returns an Async<R> for one attempt) under `policy`.
template <class R, class MakeAttempt>
Async<R> retry_async(std::shared_ptr<const RetryPolicy> policy, std::string method,
                     MakeAttempt make) {
  RetryRun<R> run(*policy, method);
  while (true) {
    std::exception_ptr error;
    if constexpr (std::is_void_v<R>) {
      try {
        co_await make();
        co_return;
      } catch (...) {
        error = std::current_exception();
      }
    } else {
      std::optional<R> value;
      try {
        value.emplace(co_await make());
      } catch (...) {
        error = std::current_exception();
      }
      if (value && run.accept(*value)) co_return std::move(*value);
    }
    if (error && !run.retry_after(error)) std::rethrow_exception(error);
    co_await sleep(run.next_wait());
  }
}

// An Async<R> that runs the plain function `fn` when awaited.
template <class R, class F>
Async<R> run_plain(F fn) {
  if constexpr (std::is_void_v<R>) {
    fn();
    co_return;
  } else {
    co_return fn();
  }
}

}  // namespace concurry::internal

#endif  // CONCURRY_RUNTIME_ASYNC_RETRY_H_
