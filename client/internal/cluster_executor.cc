// ClusterExecutor: one actor on a cluster node, the cluster analogue of ProcessExecutor. The
// constructor has the head place and construct the actor (rethrowing its constructor's
// exception), or finds a named one (get_actor); calls then travel over the client's stream to
// that node. Retries are decided here, in the caller's process, as in process mode (retry_on
// closures cannot travel): each attempt is a fresh send that keeps the call's submission slot.
// When the node dies, calls in flight fail with WorkerCrashedError unless retries cover them;
// an actor with restarts left is looked up again (the head re-creates it elsewhere) and calls
// waiting meanwhile, retried ones included, go to the new instance.
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "concurry/client/internal/call_gate.h"
#include "concurry/client/internal/cluster_client.h"
#include "concurry/cluster/common/call_stream.h"
#include "concurry/core/errors.h"
#include "concurry/core/wire.h"
#include "concurry/runtime/internal/executor.h"
#include "concurry/runtime/internal/executor_factory.h"
#include "concurry/runtime/internal/remote_call_task.h"
#include "concurry/runtime/internal/timer.h"

namespace concurry::internal {
namespace {

// How long calls wait for a restarting actor before failing.
constexpr Duration kRestartWait{60.0};

// What the executor and its calls in flight share: where the actor is, the completion hook,
// and the count of calls not yet answered (stop waits for it to drain).
class ActorLink final : public CallStream::Caller,
                        public std::enable_shared_from_this<ActorLink> {
 public:
  ActorLink(std::shared_ptr<ClusterClient> client, ClusterClient::Placed placed, std::string name,
            CompletionHook on_complete)
      : client_(std::move(client)), placed_(std::move(placed)), name_(std::move(name)),
        on_complete_(on_complete ? std::make_shared<const CompletionHook>(std::move(on_complete))
                                 : nullptr) {}

  std::string actor_id() const {
    std::lock_guard<std::mutex> lock(mu_);
    return placed_.actor_id;
  }

  void send(std::unique_ptr<CallTask> task) {
    auto* remote = dynamic_cast<RemoteCallTask*>(task.get());
    if (!remote) {
      task->fail(std::make_exception_ptr(Error("internal: a local call reached a cluster worker")));
      return;
    }
    if (!gate_.enter()) {
      task->cancel();
      return;
    }
    task.release();
    // Inside execute() the dispatcher may hold its lock: a call that fails at once (a dead
    // node) must not run the completion hook here, so finish() defers it while this is set.
    ++sending_depth_;
    resend(std::unique_ptr<RemoteCallTask>(remote));
    --sending_depth_;
  }

  void replied(std::unique_ptr<RemoteCallTask> task, const Bytes& reply) override {
    judge_and_finish(std::move(task), reply);
  }

  void unsent(std::unique_ptr<RemoteCallTask> task, std::exception_ptr error) override {
    finish(std::move(task), [error](RemoteCallTask& t) { t.fail(error); });
  }

  void lost(std::unique_ptr<RemoteCallTask> task, const std::string& why, bool stopped) override {
    if (stopped) {
      auto error = std::make_exception_ptr(WorkerStoppedError(
          "disconnected from the cluster (concurry::shutdown()) with the call in flight (" +
          describe() + ")"));
      finish(std::move(task), [error](RemoteCallTask& t) { t.fail(error); });
      return;
    }
    maybe_relocate();
    // As if the actor had answered WorkerCrashedError: the retry policy decides.
    judge_and_finish(std::move(task),
                     encode_error_reply(0, ErrorCode::kWorkerCrashed, "concurry::WorkerCrashedError",
                                        why + " (" + describe() + ")", name_));
  }

  void begin_stop() { gate_.close(); }
  // Forgets the completion hook (stopped): what it holds (an on-demand slot owns the executor
  // that owns this link) is released once a call running it returns.
  void drop_hook() {
    std::lock_guard<std::mutex> lock(mu_);
    on_complete_.reset();
  }
  // True when every call in flight was answered before `deadline`.
  bool drain(Clock::time_point deadline) { return gate_.drain(deadline); }

 private:
  enum class Where { kReady, kRelocating, kGone };

  std::string describe() const {
    std::lock_guard<std::mutex> lock(mu_);
    return "actor " + placed_.actor_id + ", " + name_ + " on " + placed_.node_id;
  }

  void judge_and_finish(std::unique_ptr<RemoteCallTask> task, const Bytes& reply) {
    std::optional<Duration> retry_in = task->judge(reply);
    if (!retry_in) {
      finish(std::move(task), [](RemoteCallTask& t) { t.publish(); });
      return;
    }
    auto held = std::make_shared<std::unique_ptr<RemoteCallTask>>(std::move(task));
    std::weak_ptr<ActorLink> weak = weak_from_this();
    run_after(*retry_in, [weak, held] {
      if (auto link = weak.lock()) {
        link->resend(std::move(*held));
      } else {
        (*held)->fail(std::make_exception_ptr(WorkerStoppedError("Worker is stopped")));
      }
    });
  }

  void resend(std::unique_ptr<RemoteCallTask> task) {
    std::unique_lock<std::mutex> lock(mu_);
    if (where_ == Where::kRelocating) {
      parked_.push_back(std::move(task));  // goes to the new instance once it is found
      return;
    }
    if (where_ == Where::kGone) {
      std::string why = gone_;
      lock.unlock();
      auto error = std::make_exception_ptr(WorkerCrashedError(why));
      finish(std::move(task), [error](RemoteCallTask& t) { t.fail(error); });
      return;
    }
    auto connection = placed_.connection;
    uint64_t ref = placed_.actor_ref;
    lock.unlock();
    connection->send(ref, std::move(task), shared_from_this());
  }

  // The node is gone: an actor that may restart is looked up again, once per lost node, on a
  // thread of its own (the head answers when the new instance is up, or that it is dead).
  void maybe_relocate() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (placed_.max_restarts == 0 || where_ != Where::kReady || !placed_.connection->broken()) {
        return;
      }
      where_ = Where::kRelocating;
    }
    auto self = shared_from_this();
    std::thread([self] { self->relocate(); }).detach();
  }

  void relocate() {
    ClusterClient::Placed found;
    std::string failure;
    try {
      found = client_->lookup_actor(actor_id(), /*by_name=*/false, kRestartWait);
      if (found.state != "ALIVE") {
        failure = "actor " + found.actor_id + " (" + name_ + ") is " + found.state +
                  " after its node died (restarts used: all of " +
                  std::to_string(found.max_restarts) + ")";
      }
    } catch (const std::exception& e) {
      failure = std::string("actor ") + actor_id() + " (" + name_ + ") could not be found again "
                "after its node died: " + e.what();
    }
    std::vector<std::unique_ptr<RemoteCallTask>> parked;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (failure.empty()) {
        found.class_name = placed_.class_name;
        placed_ = std::move(found);
        where_ = Where::kReady;
      } else {
        gone_ = failure;
        where_ = Where::kGone;
      }
      parked.swap(parked_);
    }
    for (auto& task : parked) resend(std::move(task));
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
    std::shared_ptr<const CompletionHook> hook;
    {
      std::lock_guard<std::mutex> lock(mu_);
      hook = on_complete_;
    }
    std::unique_ptr<CallTask> next = hook ? (*hook)() : nullptr;
    hook.reset();
    complete(*task);
    gate_.leave();
    if (next) send(std::move(next));
  }

  std::shared_ptr<ClusterClient> client_;
  mutable std::mutex mu_;
  ClusterClient::Placed placed_;  // guarded by mu_ (a restart moves the actor)
  std::string name_;
  std::shared_ptr<const CompletionHook> on_complete_;  // guarded by mu_
  CallGate gate_;
  Where where_ = Where::kReady;                         // guarded by mu_
  std::vector<std::unique_ptr<RemoteCallTask>> parked_;  // guarded by mu_
  std::string gone_;                                    // guarded by mu_
  static thread_local int sending_depth_;
};

thread_local int ActorLink::sending_depth_ = 0;

class ClusterExecutor final : public Executor {
 public:
  ClusterExecutor(const RemoteSpec& spec, const ResolvedOptions& options,
                  CompletionHook on_complete)
      : client_(ClusterClient::current(/*implicit=*/true)),
        owner_(spec.existing_name.empty()) {
    std::string name = spec.class_name.empty() ? "TaskWorker" : spec.class_name;
    ClusterClient::Placed placed;
    if (owner_) {
      placed = client_->create_actor(spec, options);
    } else {
      placed = client_->lookup_actor(spec.existing_name, /*by_name=*/true, kRestartWait);
      if (placed.state != "ALIVE") {
        throw ClusterError("the actor named '" + spec.existing_name + "' is " + placed.state);
      }
      if (placed.class_name != name) {
        throw InvalidOptionError("the actor named '" + spec.existing_name + "' is a " +
                                 placed.class_name + ", not a " + name);
      }
    }
    link_ = std::make_shared<ActorLink>(client_, std::move(placed), name, std::move(on_complete));
  }
  ~ClusterExecutor() override { stop(Duration(30.0)); }

  void execute(std::unique_ptr<CallTask> task) override { link_->send(std::move(task)); }
  void begin_stop() override { link_->begin_stop(); }
  // Calls in flight finish (until the deadline), then the actor is stopped on its node — when
  // this handle created it; a handle from get_actor() leaves it running.
  void finish_stop(Clock::time_point deadline) override {
    if (stopped_) return;
    stopped_ = true;
    link_->drain(deadline);
    link_->drop_hook();
    if (owner_) client_->stop_actor(link_->actor_id());
  }
  bool is_inline() const override { return false; }

 private:
  std::shared_ptr<ClusterClient> client_;
  bool owner_;
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
