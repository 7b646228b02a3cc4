// Driving Async<T> coroutines: on a worker's own loop (asyncio mode: started, finished later)
// or to completion on a loop of the calling thread's own (every other mode). Internal.
#ifndef CONCURRY_RUNTIME_INTERNAL_ASYNC_DRIVER_H_
#define CONCURRY_RUNTIME_INTERNAL_ASYNC_DRIVER_H_

#include <coroutine>
#include <cstdint>
#include <exception>
#include <functional>
#include <optional>
#include <utility>

#include "concurry/core/scheduler.h"
#include "concurry/runtime/async.h"

namespace concurry::internal {

// A fire-and-forget root coroutine: starts when resumed, frees itself when it finishes.
struct Detached {
  struct promise_type {
    Detached get_return_object() {
      return Detached{std::coroutine_handle<promise_type>::from_promise(*this)};
    }
    std::suspend_always initial_suspend() const noexcept { return {}; }
    std::suspend_never final_suspend() const noexcept { return {}; }
    void return_void() const noexcept {}
    void unhandled_exception() const noexcept { std::terminate(); }  // drive() catches all
  };
  std::coroutine_handle<promise_type> handle;
};

// Awaits `task` and hands its outcome to `done(value, error)` (`done(error)` for void).
template <class T, class Done>
Detached drive(Async<T> task, Done done) {
  std::exception_ptr error;
  if constexpr (std::is_void_v<T>) {
    try {
      co_await std::move(task);
    } catch (...) {
      error = std::current_exception();
    }
    done(error);
  } else {
    std::optional<T> value;
    try {
      value.emplace(co_await std::move(task));
    } catch (...) {
      error = std::current_exception();
    }
    done(std::move(value), error);
  }
}

// A worker's own event loop (asyncio mode). Root coroutines started on it are adopted, so that
// stopping the loop can cancel their calls and free their frames.
class WorkerLoop : public Scheduler {
 public:
  bool is_worker_loop() const override { return true; }
  // `abandon` runs (on the loop) if the loop stops before release(token).
  virtual uint64_t adopt(std::coroutine_handle<> root, std::function<void()> abandon) = 0;
  virtual void release(uint64_t token) = 0;
};

// Runs `start` on this thread inside a loop of its own (asio), until `finished` is true.
void run_blocking(const std::function<void()>& start, const bool& finished);

template <class T>
T run_to_completion(Async<T> task) {
  std::exception_ptr error;
  bool finished = false;
  if constexpr (std::is_void_v<T>) {
    run_blocking(
        [&] {
          drive(std::move(task), [&](std::exception_ptr e) {
            error = e;
            finished = true;
          }).handle.resume();
        },
        finished);
    if (error) std::rethrow_exception(error);
  } else {
    std::optional<T> value;
    run_blocking(
        [&] {
          drive(std::move(task), [&](std::optional<T> v, std::exception_ptr e) {
            value = std::move(v);
            error = e;
            finished = true;
          }).handle.resume();
        },
        finished);
    if (error) std::rethrow_exception(error);
    return std::move(*value);
  }
}

}  // namespace concurry::internal

#endif  // CONCURRY_RUNTIME_INTERNAL_ASYNC_DRIVER_H_
