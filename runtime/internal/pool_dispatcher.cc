// PoolDispatcher: N persistent workers (N >= 1) behind a LoadBalancer, each with its own
// SubmissionQueue. A single worker whose queue is bypassed takes a lock-free fast path.
#include <atomic>
#include <deque>
#include <mutex>
#include <vector>

#include "concurry/core/errors.h"
#include "concurry/core/load_balancer.h"
#include "concurry/core/submission_queue.h"
#include "concurry/runtime/internal/dispatcher.h"
#include "concurry/runtime/internal/executor_factory.h"

namespace concurry::internal {
namespace {

using TaskPtr = std::unique_ptr<CallTask>;

class PoolDispatcher final : public Dispatcher {
 public:
  PoolDispatcher(const ResolvedOptions& options, const InstanceFactory& factory)
      : state_(std::make_shared<State>(options)) {
    size_t n = static_cast<size_t>(options.max_workers);
    state_->members.reserve(n);
    state_->fast = n == 1 && !state_->limit;
    // Slot accounting runs under the pool's lock; an inline executor (sync) would run user code
    // there. resolve_options() never gives sync a queue; this keeps it so.
    if (options.mode == Mode::kSync) state_->fast = n == 1;
    for (size_t i = 0; i < n; ++i) {
      state_->queues.emplace_back(state_->limit);
      CompletionHook hook;
      if (!state_->fast) {
        std::weak_ptr<State> weak = state_;
        hook = [weak, i]() -> TaskPtr {
          auto s = weak.lock();
          return s ? s->completed(i) : nullptr;
        };
      }
      state_->members.push_back(make_executor(options, factory(), std::move(hook)));
    }
  }

  ~PoolDispatcher() override { stop(Duration(state_->options.stop_timeout)); }

  void dispatch(TaskPtr task) override {
    State& s = *state_;
    if (s.fast) {
      s.fast_dispatched.fetch_add(1, std::memory_order_relaxed);
      s.members[0]->execute(std::move(task));  // cancels it after stop
      return;
    }
    std::lock_guard<std::mutex> lock(s.mu);
    if (s.stopped) {
      task->cancel();
      return;
    }
    size_t member = s.balancer.pick();
    if (s.queues[member].admit(task)) return;  // waits client-side for a slot
    // Enqueued under the pool's lock, like the calls completed() releases: each member sees
    // its calls in submission order.
    s.members[member]->execute(std::move(task));
  }

  void stop(Duration timeout) override {
    State& s = *state_;
    std::vector<TaskPtr> held;
    {
      std::lock_guard<std::mutex> lock(s.mu);
      if (s.stopped) return;
      s.stopped = true;
      for (auto& q : s.queues) {
        for (auto& task : q.drain()) held.push_back(std::move(task));
      }
    }
    for (auto& task : held) task->cancel();
    for (auto& member : s.members) member->begin_stop();
    auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(timeout);
    for (auto& member : s.members) member->finish_stop(deadline);
  }

  bool is_inline() const override { return state_->members[0]->is_inline(); }

  PoolStats stats() const override {
    State& s = *state_;
    std::lock_guard<std::mutex> lock(s.mu);
    PoolStats out;
    out.total_workers = s.members.size();
    out.max_workers = s.options.max_workers;
    out.algorithm = std::string(stats_name(s.options.load_balancing));
    out.total_dispatched =
        s.fast ? s.fast_dispatched.load(std::memory_order_relaxed) : s.balancer.total_dispatched();
    out.stopped = s.stopped;
    out.max_queued_tasks = s.options.max_queued_tasks;
    for (const auto& q : s.queues) {
      out.in_flight += q.in_flight();
      out.queued += q.waiting();
    }
    return out;
  }

 private:
  struct State {
    explicit State(const ResolvedOptions& o)
        : options(o), balancer(o.load_balancing, static_cast<size_t>(o.max_workers)) {
      // Blocking calls wait anyway: the submission queue is bypassed for them.
      if (o.max_queued_tasks && !o.blocking) limit = static_cast<size_t>(*o.max_queued_tasks);
    }

    // A call on `member` finished: free its slot and pass on the call waiting for it. Every
    // push into a member's queue happens under this lock, so when that queue is empty nothing
    // older is in transit: the member may run the call next, straight from its current batch
    // (no queue trip). Otherwise it goes behind what is queued. Either way: submission order.
    TaskPtr completed(size_t member) {
      std::lock_guard<std::mutex> lock(mu);
      if (stopped) return nullptr;
      balancer.completed(member);
      auto waiting = queues[member].complete();
      if (!waiting) return nullptr;
      if (!members[member]->has_queued()) return std::move(*waiting);
      members[member]->execute(std::move(*waiting));
      return nullptr;
    }

    ResolvedOptions options;
    std::optional<size_t> limit;
    bool fast = false;
    std::atomic<uint64_t> fast_dispatched{0};
    mutable std::mutex mu;
    bool stopped = false;                        // guarded by mu
    LoadBalancer balancer;                       // guarded by mu
    std::deque<SubmissionQueue<TaskPtr>> queues;  // guarded by mu (a deque: never relocated)
    std::vector<std::unique_ptr<Executor>> members;  // fixed after construction
  };

  std::shared_ptr<State> state_;
};

}  // namespace

std::unique_ptr<Dispatcher> make_pool_dispatcher(const ResolvedOptions& options,
                                                 const InstanceFactory& factory) {
  return std::make_unique<PoolDispatcher>(options, factory);
}

}  // namespace concurry::internal
