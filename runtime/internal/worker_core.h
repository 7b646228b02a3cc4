// WorkerCore: the mode-independent front of one worker or pool: it turns a typed call into a
// CallTask, unwraps Future arguments without blocking the caller, refuses calls after stop(), and
// hands tasks to its Dispatcher (single worker, pool or on-demand). Handle<T> and TaskWorker both
// sit on it. Thread-safe. Internal.
#ifndef CONCURRY_RUNTIME_INTERNAL_WORKER_CORE_H_
#define CONCURRY_RUNTIME_INTERNAL_WORKER_CORE_H_

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "concurry/core/errors.h"
#include "concurry/core/future.h"
#include "concurry/core/options.h"
#include "concurry/runtime/internal/call_task.h"
#include "concurry/runtime/internal/dispatcher.h"
#include "concurry/runtime/internal/remote_call_task.h"

namespace concurry::internal {

class WorkerCore : public std::enable_shared_from_this<WorkerCore> {
 public:
  // Starts the workers `options` ask for, each with an instance from `factory`.
  WorkerCore(std::string name, ResolvedOptions options, const InstanceFactory& factory);
  ~WorkerCore();

  // Submits `invoker(instance, params...)` with `args` converted to `Params` (a std::tuple of
  // decayed parameter types). Future arguments are awaited first (unwrap_futures); a failed
  // input fails the call with its error. With blocking, waits before returning.
  template <class R, class Params, class Invoker, class... A>
  Future<R> submit(const char* method, Invoker invoker, A&&... args) {
    using Slots = typename SlotsOf<Params, A...>::type;
    using Task = CallTaskImpl<R, Params, Slots, Invoker>;
    if (stopped_.load(std::memory_order_acquire)) return stopped_future<R>();
    return enqueue<R>(std::make_unique<Task>(method, std::move(invoker), std::forward<A>(args)...));
  }

  // The same for remote modes: the call travels as `target` + `method` + encoded arguments.
  template <class R, class Params, class... A>
  Future<R> submit_remote(const char* method, std::string target, A&&... args) {
    using Slots = typename SlotsOf<Params, A...>::type;
    using Task = RemoteCallTaskImpl<R, Params, Slots>;
    if (stopped_.load(std::memory_order_acquire)) return stopped_future<R>();
    return enqueue<R>(std::make_unique<Task>(method, std::move(target), std::forward<A>(args)...));
  }

  // Idempotent: refuses new calls, cancels queued ones, waits up to stop_timeout for the
  // running one.
  void stop();
  bool stopped() const { return stopped_.load(std::memory_order_acquire); }
  const ResolvedOptions& options() const { return options_; }
  const std::string& name() const { return name_; }
  // True when calls cross a process boundary (process and cluster modes).
  bool remote() const { return options_.mode == Mode::kProcess || options_.mode == Mode::kCluster; }
  PoolStats stats() const { return dispatcher_->stats(); }
  std::string stopped_message() const {
    return options_.is_pool() ? "Worker pool is stopped" : "Worker is stopped";
  }

 private:
  template <class R>
  Future<R> stopped_future() const {
    return make_failed_future<R>(std::make_exception_ptr(WorkerStoppedError(stopped_message())));
  }

  // Attaches the retry policy, unwraps Future inputs without blocking, dispatches, and waits
  // first when the options say blocking.
  template <class R, class Task>
  Future<R> enqueue(std::unique_ptr<Task> task) {
    Future<R> future = task->future();
    if (retrying_) task->set_policy(policy_for(task->method()));
    if constexpr (HasFutureSlot<std::decay_t<decltype(task->slots())>>::value) {
      if (Task::kUnwraps && !options_.unwrap_futures) {
        task->fail(std::make_exception_ptr(InvalidOptionError(
            std::string("a Future was passed to '") + task->method() +
            "', whose parameter is not a Future, while unwrap_futures is off")));
        return future;
      }
      std::vector<std::shared_ptr<StateBase>> inputs;
      std::apply(
          [&](auto&... slot) {
            (
                [&](auto& s) {
                  if constexpr (is_future_v<decltype(s)>) inputs.push_back(state_of(s));
                }(slot),
                ...);
          },
          task->slots());
      execute_when_ready(std::move(task), std::move(inputs));
    } else {
      dispatcher_->dispatch(std::move(task));
    }
    if (options_.blocking) future.wait();
    return future;
  }

  // The retry policy of `method` (cached per method name).
  std::shared_ptr<const RetryPolicy> policy_for(const char* method);
  void execute_when_ready(std::unique_ptr<CallTask> task,
                          std::vector<std::shared_ptr<StateBase>> inputs);

  std::string name_;
  ResolvedOptions options_;
  std::unique_ptr<Dispatcher> dispatcher_;
  std::atomic<bool> stopped_{false};
  bool retrying_ = false;  // some method has retries or validators: calls carry a policy
  std::mutex policies_mu_;
  std::map<std::string, std::shared_ptr<const RetryPolicy>> policies_;  // guarded by the mutex
};

}  // namespace concurry::internal

#endif  // CONCURRY_RUNTIME_INTERNAL_WORKER_CORE_H_
