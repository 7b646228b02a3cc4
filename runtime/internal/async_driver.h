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
#include "concurry/core/async.h"

namespace concurry::internal {

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
