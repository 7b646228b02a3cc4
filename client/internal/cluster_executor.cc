// ClusterExecutor: one actor on a cluster node, the cluster analogue of ProcessExecutor. The
// constructor has the head place and construct the actor (rethrowing its constructor's
// exception), or finds a named one (get_actor); calls then travel over the client's stream to
// that node. Outcomes are decided by RemoteCalls (runtime/internal/remote_calls.h), as in
// process mode: retries are decided here, in the caller's process (retry_on closures cannot
// travel), each attempt a fresh send that keeps the call's submission slot. When the connection
// to the node breaks, calls in flight are judged as WorkerCrashedError (retries cover them).
// An actor without restarts is then gone: later calls fail at once. Otherwise it is looked up
// again: the head answers once it has settled the node's fate —
// restarted elsewhere (max_restarts), dead, or alive after all (the connection broke, not the
// node). Calls sent meanwhile, retried ones included, wait for that answer and then go to the
// actor where it is, or fail with WorkerCrashedError.
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "concurry/client/internal/cluster_client.h"
#include "concurry/cluster/common/call_stream.h"
#include "concurry/cluster/common/remote_calls_caller.h"
#include "concurry/core/errors.h"
#include "concurry/core/wire.h"
#include "concurry/runtime/internal/executor.h"
#include "concurry/runtime/internal/executor_factory.h"
#include "concurry/runtime/internal/remote_call_task.h"
#include "concurry/runtime/internal/remote_calls.h"

namespace concurry::internal {
namespace {

// How long calls wait for a restarting actor before failing.
constexpr Duration kRestartWait{60.0};

// The transport of one actor's calls: where the actor is (a restart moves it), and the stream
// its calls go out on.
class ActorLink final : public RemoteCallsCaller,
                        public RemoteCalls::Transport,
                        public std::enable_shared_from_this<ActorLink> {
 public:
  ActorLink(std::shared_ptr<ClusterClient> client, ClusterClient::Placed placed, std::string name)
      : client_(std::move(client)), placed_(std::move(placed)), name_(std::move(name)) {}

  // Made once the link is owned by a shared_ptr (the calls send through a weak reference).
  void start(CompletionHook on_complete) {
    calls_ = std::make_shared<RemoteCalls>(name_ + " (actor " + actor_id() + ")",
                                           std::move(on_complete));
    calls_->set_transport(shared_from_this());
  }
  RemoteCalls& calls() { return *calls_; }

  std::string actor_id() const {
    std::lock_guard<std::mutex> lock(mu_);
    return placed_.actor_id;
  }

  void lost(std::unique_ptr<RemoteCallTask> task, const std::string& why, bool stopped) override {
    if (stopped) {
      calls_->stopped(std::move(task),
                      "disconnected from the cluster (concurry::shutdown()) with the call in "
                      "flight (" + describe() + ")");
      return;
    }
    maybe_relocate(why);  // first: the retry of this call waits for the actor's fate
    calls_->crashed(std::move(task), why + " (" + describe() + ")");
  }

 private:
  enum class Where { kReady, kRelocating, kGone };

  std::string describe() const {
    std::lock_guard<std::mutex> lock(mu_);
    return "actor " + placed_.actor_id + ", " + name_ + " on " + placed_.node_id;
  }

  // One attempt goes out — to the actor where it is now, or waits while it is looked up again.
  void send(std::unique_ptr<RemoteCallTask> task) override {
    std::unique_lock<std::mutex> lock(mu_);
    if (where_ == Where::kRelocating) {
      parked_.push_back(std::move(task));  // goes out once the head has said where the actor is
      return;
    }
    if (where_ == Where::kGone) {
      std::string why = gone_;
      bool stopped = gone_stopped_;
      lock.unlock();
      if (stopped) {
        calls_->stopped(std::move(task), why);
      } else {
        calls_->orphaned(std::move(task), why);
      }
      return;
    }
    auto connection = placed_.connection;
    uint64_t ref = placed_.actor_ref;
    lock.unlock();
    connection->send(ref, std::move(task), shared_from_this());
  }

  // The connection to the actor's node broke: an actor that may restart is looked up again,
  // once per broken connection, on a thread of its own; one that may not is gone.
  void maybe_relocate(const std::string& why) {
    std::string lost_node;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (where_ != Where::kReady || !placed_.connection->broken()) return;
      if (placed_.max_restarts == 0) {
        // Nothing can bring it back: later calls fail at once, without asking the head.
        where_ = Where::kGone;
        gone_ = why + " (actor " + placed_.actor_id + ", " + name_ + " on " + placed_.node_id +
                "; max_restarts is 0)";
        return;
      }
      where_ = Where::kRelocating;
      lost_node = placed_.node_id;
    }
    auto self = shared_from_this();
    std::thread([self, lost_node] { self->relocate(lost_node); }).detach();
  }

  void relocate(const std::string& lost_node) {
    ClusterClient::Placed found;
    std::string failure;
    bool stopped = false;  // the actor's end is a stop (shutdown, its handle), not a crash
    try {
      found = client_->lookup_actor(actor_id(), /*by_name=*/false, kRestartWait, lost_node);
      if (found.state == "STOPPED") {
        stopped = true;
        failure = "actor " + found.actor_id + " (" + name_ + ") was stopped while the connection "
                  "to its node " + lost_node + " was lost (" +
                  (client_->closed() ? "concurry::shutdown() ended this client's session"
                                     : "its handle or its session stopped it") + ")";
      } else if (found.state != "ALIVE") {
        failure = "actor " + found.actor_id + " (" + name_ + ") is " + found.state +
                  " after its node " + lost_node + " was lost (restarts: " +
                  std::to_string(found.max_restarts) + " allowed, all used)";
      }
    } catch (const std::exception& e) {
      stopped = client_->closed();
      failure = stopped ? "disconnected from the cluster (concurry::shutdown()) while actor " +
                              actor_id() + " (" + name_ + ") was being found again"
                        : std::string("actor ") + actor_id() + " (" + name_ +
                              ") could not be found again after the connection to its node " +
                              lost_node + " was lost: " + e.what();
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
        gone_stopped_ = stopped;
        where_ = Where::kGone;
      }
      parked.swap(parked_);
    }
    for (auto& task : parked) send(std::move(task));
  }

  std::shared_ptr<ClusterClient> client_;
  mutable std::mutex mu_;
  ClusterClient::Placed placed_;  // guarded by mu_ (a restart moves the actor)
  std::string name_;
  Where where_ = Where::kReady;                          // guarded by mu_
  std::vector<std::unique_ptr<RemoteCallTask>> parked_;  // guarded by mu_
  std::string gone_;                                     // guarded by mu_
  bool gone_stopped_ = false;                            // guarded by mu_: stopped, not lost
};

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
    link_ = std::make_shared<ActorLink>(client_, std::move(placed), name);
    link_->start(std::move(on_complete));
  }
  ~ClusterExecutor() override { stop(Duration(30.0)); }

  void execute(std::unique_ptr<CallTask> task) override { link_->calls().submit(std::move(task)); }
  void begin_stop() override { link_->calls().close(); }
  // Calls in flight finish (until the deadline), then the actor is stopped on its node — when
  // this handle created it; a handle from get_actor() leaves it running.
  void finish_stop(Clock::time_point deadline) override {
    if (stopped_) return;
    stopped_ = true;
    link_->calls().drain(deadline);
    link_->calls().drop_hooks();
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
