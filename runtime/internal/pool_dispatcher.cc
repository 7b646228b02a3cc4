// PoolDispatcher: N persistent workers (N >= 1) over a PoolCore (core/pool_core.h: the load
// balancer and one submission queue per member, the same code as the head's cluster pools). A
// single worker whose queue is bypassed and that cannot be replaced takes a lock-free fast path.
// A member whose process died is taken out of the balancer: the calls it can no longer run go
// to live members; with max_restarts left it is replaced by a fresh worker (constructor re-run
// with the original arguments) on a thread of its own, and calls wait for it while no member
// is up.
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "concurry/core/errors.h"
#include "concurry/core/pool_core.h"
#include "concurry/runtime/internal/dispatcher.h"
#include "concurry/runtime/internal/executor_factory.h"
#include "concurry/runtime/internal/timer.h"

namespace concurry::internal {
namespace {

using TaskPtr = std::unique_ptr<CallTask>;

class PoolDispatcher final : public Dispatcher {
 public:
  PoolDispatcher(const ResolvedOptions& options, const InstanceFactory& factory)
      : state_(std::make_shared<State>(options, factory)) {
    State& s = *state_;
    size_t n = static_cast<size_t>(options.max_workers);
    s.members.reserve(n);
    // Slot accounting runs under the pool's lock; an inline executor (sync) would run user code
    // there. resolve_options() never gives sync a queue; this keeps it so.
    s.fast = n == 1 && !s.core.limit() && s.max_restarts == 0;
    if (options.mode == Mode::kSync) s.fast = n == 1;
    s.restarts_used.assign(n, 0);
    s.failed_starts.assign(n, 0);
    s.generation.assign(n, 0);
    for (size_t i = 0; i < n; ++i) s.members.push_back(s.make_member(i, 0));
  }

  ~PoolDispatcher() override { stop(Duration(state_->options.stop_timeout)); }

  void dispatch(TaskPtr task) override {
    State& s = *state_;
    if (s.fast) {
      s.fast_dispatched.fetch_add(1, std::memory_order_relaxed);
      s.members[0]->execute(std::move(task));  // cancels it after stop
      return;
    }
    if (!s.route(task) && task) task->fail(std::make_exception_ptr(WorkerCrashedError(s.all_dead())));
  }

  void stop(Duration timeout) override {
    State& s = *state_;
    std::vector<TaskPtr> held;
    auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(timeout);
    std::vector<Executor*> all;
    {
      std::unique_lock<std::mutex> lock(s.mu);
      if (s.stopped) return;
      s.stopped = true;
      held = s.core.drain();
      // A replacement being started is stopped by its own thread once it is up.
      s.replaced.wait_until(lock, deadline, [&] { return s.replacing == 0; });
      for (auto& m : s.members) all.push_back(m.get());
      for (auto& m : s.retired) all.push_back(m.get());
    }
    for (auto& task : held) task->cancel();
    for (auto* member : all) member->begin_stop();
    for (auto* member : all) member->finish_stop(deadline);
  }

  bool is_inline() const override { return state_->members[0]->is_inline(); }

  PoolStats stats() const override {
    State& s = *state_;
    std::lock_guard<std::mutex> lock(s.mu);
    PoolStats out;
    out.total_workers = s.members.size();
    out.max_workers = s.options.max_workers;
    out.algorithm = std::string(stats_name(s.options.load_balancing));
    out.total_dispatched = s.fast ? s.fast_dispatched.load(std::memory_order_relaxed)
                                  : s.core.balancer().total_dispatched();
    out.stopped = s.stopped;
    out.max_queued_tasks = s.options.max_queued_tasks;
    out.in_flight = s.core.in_flight();
    out.queued = s.core.waiting();
    return out;
  }

 private:
  struct State : std::enable_shared_from_this<State> {
    State(const ResolvedOptions& o, InstanceFactory f)
        : options(o), factory(std::move(f)),
          core(o.load_balancing, static_cast<size_t>(o.max_workers), limit_of(o)),
          max_restarts(o.merged.max_restarts.value_or(0)) {}

    // Blocking calls wait anyway: the submission queue is bypassed for them.
    static std::optional<size_t> limit_of(const ResolvedOptions& o) {
      if (o.max_queued_tasks && !o.blocking) return static_cast<size_t>(*o.max_queued_tasks);
      return std::nullopt;
    }

    // Member i's executor of generation `gen` (0 at start, +1 per replacement): its hook knows
    // which executor it belongs to, so that a dead one's calls ending late never feed it more.
    std::unique_ptr<Executor> make_member(size_t i, uint64_t gen) {
      CompletionHook hook;
      if (!fast) {
        std::weak_ptr<State> weak = weak_from_this();
        hook = [weak, i, gen]() -> TaskPtr {
          auto s = weak.lock();
          return s ? s->completed(i, gen) : nullptr;
        };
      }
      std::unique_ptr<Executor> member = make_executor(options, factory(), std::move(hook));
      if (!fast) {
        std::weak_ptr<State> weak = weak_from_this();
        member->set_failover(
            [weak, i](const std::string& why) {
              if (auto s = weak.lock()) s->lost(i, why);
            },
            [weak](TaskPtr& task) {
              auto s = weak.lock();
              return s && s->route(task);
            });
      }
      return member;
    }

    // Sends or holds the call; false (the call untouched) when no member is up or coming back.
    // Calls enter a member's executor under this lock, like the calls completed() releases:
    // each member sees its calls in submission order.
    bool route(TaskPtr& task) {
      std::lock_guard<std::mutex> lock(mu);
      if (stopped) {
        task->cancel();
        task.reset();
        return true;
      }
      auto placed = core.submit(task);
      if (placed.outcome == PoolCore<TaskPtr>::Outcome::kNoMember) return false;
      if (placed.outcome == PoolCore<TaskPtr>::Outcome::kSend) {
        members[placed.member]->execute(std::move(task));
      }
      return true;
    }

    // A call on `member` (its executor of generation `gen`) finished: free its slot and pass on
    // the call waiting for it. Every push into a member's queue happens under this lock, so when
    // that queue is empty nothing older is in transit: the member may run the call next,
    // straight from its current batch (no queue trip). Otherwise it goes behind what is queued.
    // Either way: submission order. A call of a replaced (dead) executor frees its slot too, and
    // the waiting call goes to the member's current executor.
    TaskPtr completed(size_t member, uint64_t gen) {
      std::lock_guard<std::mutex> lock(mu);
      if (stopped) return nullptr;
      auto waiting = core.complete(member);
      if (!waiting) return nullptr;
      if (gen == generation[member] && !members[member]->has_queued()) return std::move(*waiting);
      members[member]->execute(std::move(*waiting));
      return nullptr;
    }

    // Member `i`'s worker died: nothing more goes to it; what waited for it goes elsewhere; with
    // restarts left a replacement starts.
    void lost(size_t i, const std::string& why) {
      std::vector<TaskPtr> moved;
      bool replace = false;
      {
        std::lock_guard<std::mutex> lock(mu);
        if (stopped) return;
        replace = max_restarts < 0 || restarts_used[i] < max_restarts;
        if (replace) {
          ++restarts_used[i];
          ++replacing;
        }
        moved = core.member_down(i, replace);
        last_death = why;
      }
      if (replace) {
        auto self = shared_from_this();
        std::thread([self, i] { self->replace(i); }).detach();
      }
      reroute(std::move(moved));
    }

    void replace(size_t i) {
      std::unique_ptr<Executor> fresh;
      std::string failure;
      uint64_t gen;
      {
        std::lock_guard<std::mutex> lock(mu);
        gen = generation[i] + 1;
      }
      try {
        fresh = make_member(i, gen);
      } catch (const std::exception& e) {
        failure = e.what();
      }
      std::vector<TaskPtr> moved;
      bool stop_fresh = false, again = false;
      {
        std::lock_guard<std::mutex> lock(mu);
        if (stopped) {
          stop_fresh = true;
        } else if (fresh) {
          retired.push_back(std::move(members[i]));  // its threads may still be ending
          members[i] = std::move(fresh);
          generation[i] = gen;
          failed_starts[i] = 0;
          moved = core.member_up(i);
        } else {
          last_death += "; its replacement failed to start: " + failure;
          // Each failed start uses a restart; with unlimited restarts, kMaxFailedStarts in a row
          // end them (a constructor that always fails would otherwise hold calls forever).
          ++failed_starts[i];
          again = (max_restarts < 0 || restarts_used[i] < max_restarts) &&
                  failed_starts[i] < kMaxFailedStarts;
          if (again) ++restarts_used[i];
          moved = core.member_down(i, again);
        }
        if (!again) --replacing;
      }
      replaced.notify_all();
      if (stop_fresh && fresh) fresh->stop(Duration(options.stop_timeout));
      reroute(std::move(moved));
      if (again) {
        auto self = shared_from_this();
        run_after(Duration(0.1), [self, i] { std::thread([self, i] { self->replace(i); }).detach(); });
      }
    }

    void reroute(std::vector<TaskPtr> moved) {
      for (auto& task : moved) {
        if (!route(task) && task) task->fail(std::make_exception_ptr(WorkerCrashedError(all_dead())));
      }
    }

    std::string all_dead() {
      std::lock_guard<std::mutex> lock(mu);
      return "every worker of this pool of " + std::to_string(members.size()) +
             " is dead, with no restarts left (max_restarts " + std::to_string(max_restarts) +
             "); the last: " + last_death;
    }

    ResolvedOptions options;
    InstanceFactory factory;
    bool fast = false;
    std::atomic<uint64_t> fast_dispatched{0};
    mutable std::mutex mu;
    std::condition_variable replaced;
    bool stopped = false;                             // guarded by mu
    PoolCore<TaskPtr> core;                           // guarded by mu
    static constexpr int kMaxFailedStarts = 3;
    int max_restarts = 0;                             // per member; -1: unlimited
    std::vector<int> restarts_used;                   // guarded by mu
    std::vector<int> failed_starts;                   // guarded by mu: in a row, per member
    std::vector<uint64_t> generation;                 // guarded by mu: of members[i]
    int replacing = 0;                                // guarded by mu
    std::string last_death;                           // guarded by mu
    std::vector<std::unique_ptr<Executor>> members;   // guarded by mu once running (replaced)
    std::vector<std::unique_ptr<Executor>> retired;   // guarded by mu: dead members, until stop
  };

  std::shared_ptr<State> state_;
};

}  // namespace

std::unique_ptr<Dispatcher> make_pool_dispatcher(const ResolvedOptions& options,
                                                 const InstanceFactory& factory) {
  return std::make_unique<PoolDispatcher>(options, factory);
}

}  // namespace concurry::internal
