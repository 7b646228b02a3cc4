// OnDemandDispatcher: a fresh worker per call, stopped once its call completes. At most `cap`
// alive at once (a SubmissionQueue is the slot limit); a call waiting longer than the configured
// slot wait fails with TimeoutError.
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "concurry/core/errors.h"
#include "concurry/core/global_config.h"
#include "concurry/core/submission_queue.h"
#include "concurry/runtime/internal/dispatcher.h"

#include "concurry/runtime/internal/executor_factory.h"
#include "concurry/runtime/internal/timer.h"

namespace concurry::internal {
namespace {

using TaskPtr = std::unique_ptr<CallTask>;

// max_workers 0: unlimited; above 1: that many; otherwise max(1, cores - 1) in thread and
// process modes, unlimited in cluster mode.
std::optional<size_t> on_demand_cap(const ResolvedOptions& o) {
  if (o.max_workers == 0) return std::nullopt;
  if (o.max_workers > 1) return static_cast<size_t>(o.max_workers);
  if (o.mode == Mode::kCluster) return std::nullopt;
  unsigned cores = std::thread::hardware_concurrency();
  return static_cast<size_t>(cores > 2 ? cores - 1 : 1);
}

class OnDemandDispatcher final : public Dispatcher {
 public:
  OnDemandDispatcher(const ResolvedOptions& options, InstanceFactory factory)
      : state_(std::make_shared<State>(options, std::move(factory))) {}

  ~OnDemandDispatcher() override { stop(Duration(state_->options.stop_timeout)); }

  void dispatch(TaskPtr task) override { admit(state_, std::move(task)); }

  void stop(Duration timeout) override {
    State& s = *state_;
    std::vector<TaskPtr> held;
    {
      std::lock_guard<std::mutex> lock(s.mu);
      if (s.stopped) return;
      s.stopped = true;
      held = s.slots.drain();
    }
    for (auto& task : held) task->cancel();
    // Wait (up to the timeout) for the workers still running their one call.
    auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(timeout);
    std::unique_lock<std::mutex> lock(s.mu);
    s.idle.wait_until(lock, deadline, [&] { return s.slots.in_flight() == 0; });
  }

  bool is_inline() const override { return false; }

  PoolStats stats() const override {
    State& s = *state_;
    std::lock_guard<std::mutex> lock(s.mu);
    PoolStats out;
    out.total_workers = 0;
    out.max_workers = s.options.max_workers;
    out.on_demand = true;
    out.on_demand_active = s.slots.in_flight();
    out.algorithm = std::string(stats_name(s.options.load_balancing));
    out.total_dispatched = s.dispatched;
    out.stopped = s.stopped;
    out.max_queued_tasks = std::nullopt;  // bypassed for on-demand workers
    out.in_flight = s.slots.in_flight();
    out.queued = s.slots.waiting();
    return out;
  }

 private:
  struct State {
    State(const ResolvedOptions& o, InstanceFactory f)
        : options(o), factory(std::move(f)), slots(on_demand_cap(o)) {}

    ResolvedOptions options;
    InstanceFactory factory;
    mutable std::mutex mu;
    std::condition_variable idle;      // signalled when the last worker finishes
    bool stopped = false;              // guarded by mu
    uint64_t dispatched = 0;           // guarded by mu
    SubmissionQueue<TaskPtr> slots;    // guarded by mu; in_flight = workers alive
  };

  // Starts a worker for `task`; when the call completes, the worker stops and the next waiting
  // call (if any) gets the slot. A cluster without free resources right now is waited for
  // (backing off 10 ms to 200 ms), up to the on-demand slot wait; then the call fails.
  // A call takes a slot and gets a fresh worker, or waits (up to the slot wait) for a slot.
  static void admit(const std::shared_ptr<State>& state_, TaskPtr task) {
    State& s = *state_;
    std::optional<SubmissionQueue<TaskPtr>::Ticket> ticket;
    {
      std::lock_guard<std::mutex> lock(s.mu);
      if (s.stopped) {
        task->cancel();
        return;
      }
      ticket = s.slots.admit(task);
      if (!ticket) ++s.dispatched;
    }
    if (!ticket) {
      launch(state_, std::move(task));
      return;
    }
    std::weak_ptr<State> weak = state_;
    Duration wait = global_config().on_demand_slot_wait();
    run_after(wait, [weak, t = *ticket, wait] {
      auto s = weak.lock();
      if (!s) return;
      std::optional<TaskPtr> expired;
      {
        std::lock_guard<std::mutex> lock(s->mu);
        expired = s->slots.withdraw(t);
      }
      if (expired) {
        (*expired)->fail(std::make_exception_ptr(TimeoutError(
            "no on-demand worker slot became free within " + std::to_string(wait.count()) +
            " s (at most " + std::to_string(s->slots.limit().value_or(0)) +
            " on-demand workers run at once; raise max_workers, or set "
            "global_config().set_on_demand_slot_wait(...))")));
      }
    });
  }

  static void launch(const std::shared_ptr<State>& s, TaskPtr task,
                     Clock::time_point first_try = Clock::now(), int attempt = 0) {
    struct Slot {
      std::unique_ptr<Executor> executor;
    };
    auto slot = std::make_shared<Slot>();
    std::weak_ptr<State> weak = s;
    CompletionHook done = [weak, slot]() -> TaskPtr {
      // On the worker's own thread: stopping it from here lets the thread end after this call.
      // The executor object itself lives as long as `slot`, which the launcher also holds
      // while it is inside execute().
      if (slot->executor) slot->executor->stop(Duration(0));
      auto state = weak.lock();
      if (!state) return nullptr;
      TaskPtr next;
      {
        std::lock_guard<std::mutex> lock(state->mu);
        if (auto waiting = state->slots.complete()) {
          next = std::move(*waiting);
          ++state->dispatched;
        }
      }
      state->idle.notify_all();
      if (next) launch(state, std::move(next));  // a fresh worker for the next call
      return nullptr;
    };
    std::shared_ptr<void> instance;
    try {
      instance = s->factory();
    } catch (...) {
      task->fail(std::current_exception());  // the constructor threw: this call fails with it
      done();
      return;
    }
    try {
      slot->executor = make_executor(s->options, std::move(instance), done);
    } catch (const ResourcesBusyError& e) {
      Duration wait = global_config().on_demand_slot_wait();
      if (Clock::now() - first_try < std::chrono::duration_cast<Clock::duration>(wait)) {
        auto held = std::make_shared<TaskPtr>(std::move(task));
        std::weak_ptr<State> weak = s;
        Duration backoff(std::min(0.2, 0.01 * (1 << std::min(attempt, 5))));
        run_after(backoff, [weak, held, first_try, attempt] {
          auto state = weak.lock();
          if (!state) {
            (*held)->cancel();
            return;
          }
          launch(state, std::move(*held), first_try, attempt + 1);
        });
        return;
      }
      task->fail(std::make_exception_ptr(TimeoutError(
          std::string(e.what()) + "; an on-demand worker waited " +
          std::to_string(wait.count()) + " s for resources (global_config()."
          "set_on_demand_slot_wait(...) changes how long)")));
      done();
      return;
    } catch (...) {
      task->fail(std::current_exception());  // could not start a worker: this call fails
      done();
      return;
    }
    // A retry of a call whose worker died (the worker is gone for good): a fresh worker, which
    // takes a slot afresh (the dead one's was freed first).
    std::weak_ptr<State> weak_state = s;
    slot->executor->set_failover(nullptr, [weak_state](TaskPtr& orphan) {
      auto state = weak_state.lock();
      if (!state) return false;
      admit(state, std::move(orphan));
      return true;
    });
    slot->executor->execute(std::move(task));
  }

  std::shared_ptr<State> state_;
};

}  // namespace

std::unique_ptr<Dispatcher> make_pool_dispatcher(const ResolvedOptions& options,
                                                 const InstanceFactory& factory);

namespace {
std::atomic<ClusterPoolBackend> cluster_pool_backend{nullptr};
}  // namespace

void set_cluster_pool_backend(ClusterPoolBackend backend) { cluster_pool_backend.store(backend); }

std::unique_ptr<Dispatcher> make_dispatcher(const ResolvedOptions& options,
                                            const InstanceFactory& factory) {
  if (options.on_demand) return std::make_unique<OnDemandDispatcher>(options, factory);
  if (options.mode == Mode::kCluster && options.max_workers > 1) {
    if (ClusterPoolBackend backend = cluster_pool_backend.load()) return backend(options, factory);
  }
  return make_pool_dispatcher(options, factory);
}

}  // namespace concurry::internal
