// ClusterExecutor: one actor on a cluster node, the cluster analogue of ProcessExecutor. The
// constructor has the head place and construct the actor (rethrowing its constructor's
// exception); calls then travel over the client's stream to that node. Retries are decided
// here, in the caller's process, as in process mode (retry_on closures cannot travel): each
// attempt is a fresh send that keeps the call's submission slot.
#include <condition_variable>
#include <functional>
#include <mutex>

#include "concurry/client/internal/cluster_client.h"
#include "concurry/client/internal/node_connection.h"
#include "concurry/core/errors.h"
#include "concurry/runtime/internal/executor.h"
#include "concurry/runtime/internal/executor_factory.h"
#include "concurry/runtime/internal/remote_call_task.h"
#include "concurry/runtime/internal/timer.h"

namespace concurry::internal {
namespace {

// What the executor and its calls in flight share: the actor's address on its node, the
// completion hook, and the count of calls not yet answered (stop waits for it to drain).
class ActorLink final : public NodeConnection::Caller,
                        public std::enable_shared_from_this<ActorLink> {
 public:
  ActorLink(ClusterClient::Placed placed, std::string name, CompletionHook on_complete)
      : placed_(std::move(placed)), name_(std::move(name)), on_complete_(std::move(on_complete)) {}

  const std::string& actor_id() const { return placed_.actor_id; }

  void send(std::unique_ptr<CallTask> task) {
    auto* remote = dynamic_cast<RemoteCallTask*>(task.get());
    if (!remote) {
      task->fail(std::make_exception_ptr(Error("internal: a local call reached a cluster worker")));
      return;
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) {
        task->cancel();
        return;
      }
      ++in_flight_;
    }
    task.release();
    // Inside execute() the dispatcher may hold its lock: a call that fails at once (a dead
    // node) must not run the completion hook here, so finish() defers it while this is set.
    ++sending_depth_;
    resend(std::unique_ptr<RemoteCallTask>(remote));
    --sending_depth_;
  }

  void replied(std::unique_ptr<RemoteCallTask> task, const Bytes& reply) override {
    std::optional<Duration> retry_in = task->judge(reply);
    if (retry_in) {
      auto held = std::make_shared<std::unique_ptr<RemoteCallTask>>(std::move(task));
      std::weak_ptr<ActorLink> weak = weak_from_this();
      run_after(*retry_in, [weak, held] {
        if (auto link = weak.lock()) {
          link->resend(std::move(*held));
        } else {
          (*held)->fail(std::make_exception_ptr(WorkerStoppedError("Worker is stopped")));
        }
      });
      return;
    }
    finish(std::move(task), [](RemoteCallTask& t) { t.publish(); });
  }

  void unsent(std::unique_ptr<RemoteCallTask> task, std::exception_ptr error) override {
    finish(std::move(task), [error](RemoteCallTask& t) { t.fail(error); });
  }

  void lost(std::unique_ptr<RemoteCallTask> task, const std::string& why, bool stopped) override {
    std::exception_ptr error =
        stopped ? std::make_exception_ptr(WorkerStoppedError(
                      "disconnected from the cluster (concurry::shutdown()) with the call in "
                      "flight (actor " + placed_.actor_id + ", " + name_ + ")"))
                : std::make_exception_ptr(WorkerCrashedError(
                      why + " (actor " + placed_.actor_id + ", " + name_ + " on " +
                      placed_.node_id + ")"));
    finish(std::move(task), [error](RemoteCallTask& t) { t.fail(error); });
  }

  void begin_stop() {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  // True when every call in flight was answered before `deadline`.
  bool drain(Clock::time_point deadline) {
    std::unique_lock<std::mutex> lock(mu_);
    return drained_.wait_until(lock, deadline, [&] { return in_flight_ == 0; });
  }

 private:
  void resend(std::unique_ptr<RemoteCallTask> task) {
    placed_.connection->send(placed_.actor_ref, std::move(task), shared_from_this());
  }

  // The call is over: its slot is freed first (a waiting call may take it), then its future
  // completes, then the waiting call goes out.
  void finish(std::unique_ptr<RemoteCallTask> task,
              std::function<void(RemoteCallTask&)> complete) {
    if (sending_depth_ > 0) {
      auto held = std::make_shared<std::unique_ptr<RemoteCallTask>>(std::move(task));
      auto self = shared_from_this();
      run_after(Duration(0), [self, held, complete] { self->finish(std::move(*held), complete); });
      return;
    }
    std::unique_ptr<CallTask> next = on_complete_ ? on_complete_() : nullptr;
    complete(*task);
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (--in_flight_ == 0) drained_.notify_all();
    }
    if (next) send(std::move(next));
  }

  ClusterClient::Placed placed_;
  std::string name_;
  CompletionHook on_complete_;
  std::mutex mu_;
  std::condition_variable drained_;
  size_t in_flight_ = 0;   // guarded by mu_
  bool stopping_ = false;  // guarded by mu_
  static thread_local int sending_depth_;
};

thread_local int ActorLink::sending_depth_ = 0;

class ClusterExecutor final : public Executor {
 public:
  ClusterExecutor(const RemoteSpec& spec, const ResolvedOptions& options,
                  CompletionHook on_complete)
      : client_(ClusterClient::current(/*implicit=*/true)) {
    ClusterClient::Placed placed = client_->create_actor(spec, options);
    link_ = std::make_shared<ActorLink>(std::move(placed),
                                        spec.class_name.empty() ? "TaskWorker" : spec.class_name,
                                        std::move(on_complete));
  }
  ~ClusterExecutor() override { stop(Duration(30.0)); }

  void execute(std::unique_ptr<CallTask> task) override { link_->send(std::move(task)); }
  void begin_stop() override { link_->begin_stop(); }
  // Calls in flight finish (until the deadline), then the actor is stopped on its node.
  void finish_stop(Clock::time_point deadline) override {
    if (stopped_) return;
    stopped_ = true;
    link_->drain(deadline);
    client_->stop_actor(link_->actor_id());
  }
  bool is_inline() const override { return false; }

 private:
  std::shared_ptr<ClusterClient> client_;
  std::shared_ptr<ActorLink> link_;
  bool stopped_ = false;
};

std::unique_ptr<Executor> make_cluster_executor(const RemoteSpec& spec,
                                                const ResolvedOptions& options,
                                                CompletionHook on_complete) {
  return std::make_unique<ClusterExecutor>(spec, options, std::move(on_complete));
}

}  // namespace

// Registered when the client library is linked (//client is alwayslink).
[[maybe_unused]] const bool kClusterBackendRegistered =
    (set_cluster_backend(&make_cluster_executor), true);

}  // namespace concurry::internal
