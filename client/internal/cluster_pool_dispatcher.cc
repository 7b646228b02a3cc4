// ClusterPoolDispatcher: a cluster pool as the client sees it. The head created the members
// and dispatches every call (load balancer and per-member submission queues live there, so
// several clients sharing a pool are balanced together); this side streams calls to the head
// on the session's pool stream and decides retries, as for single actors. stats() asks the
// head.
#include <atomic>
#include <condition_variable>
#include <mutex>

#include "concurry/client/internal/cluster_client.h"
#include "concurry/cluster/common/call_stream.h"
#include "concurry/cluster/common/remote_calls_caller.h"
#include "concurry/core/errors.h"
#include "concurry/core/wire.h"
#include "concurry/runtime/internal/dispatcher.h"
#include "concurry/runtime/internal/remote_call_task.h"
#include "concurry/runtime/internal/remote_calls.h"

namespace concurry::internal {
namespace {

// The transport of a pool's calls: the session's pool stream to the head (replaced when it
// breaks). Outcomes go through RemoteCalls, as for single actors; the head holds the slots.
class PoolLink final : public RemoteCallsCaller,
                       public RemoteCalls::Transport,
                       public std::enable_shared_from_this<PoolLink> {
 public:
  PoolLink(std::shared_ptr<ClusterClient> client, uint64_t pool_ref, std::string what)
      : client_(std::move(client)), pool_ref_(pool_ref), what_(std::move(what)) {}

  void start() {
    calls_ = std::make_shared<RemoteCalls>(what_, nullptr);
    calls_->set_transport(shared_from_this());
    stream_.store(client_->pool_stream());
  }

  // One attempt to the head, on the session's pool stream (a fresh one once it broke).
  void send(std::unique_ptr<RemoteCallTask> task) override {
    std::shared_ptr<CallStream> stream = stream_.load();
    if (stream->broken()) {
      try {
        stream = client_->pool_stream();
      } catch (const std::exception& e) {
        calls_->stopped(std::move(task), e.what());
        return;
      }
      stream_.store(stream);
    }
    stream->send(pool_ref_, std::move(task), shared_from_this());
  }
  RemoteCalls& calls() { return *calls_; }

  void lost(std::unique_ptr<RemoteCallTask> task, const std::string& why, bool stopped) override {
    if (stopped) {
      calls_->stopped(std::move(task),
                      "disconnected from the cluster (concurry::shutdown()) with the call in "
                      "flight (" + what_ + ")");
      return;
    }
    // As if the head had answered ClusterError: the retry policy decides.
    calls_->replied(std::move(task),
                    encode_error_reply(0, ErrorCode::kInternal, "concurry::ClusterError",
                                       why + " (" + what_ + ")", what_));
  }

 private:
  std::shared_ptr<ClusterClient> client_;
  uint64_t pool_ref_;
  std::string what_;
  std::atomic<std::shared_ptr<CallStream>> stream_;
};

class ClusterPoolDispatcher final : public Dispatcher {
 public:
  ClusterPoolDispatcher(const ResolvedOptions& options, const InstanceFactory& factory)
      : client_(ClusterClient::current(/*implicit=*/true)), options_(options) {
    auto spec = std::static_pointer_cast<RemoteSpec>(factory());
    if (!spec || spec->magic != RemoteSpec::kMagic) {
      throw Error("internal: a cluster pool was started without a RemoteSpec");
    }
    owner_ = spec->existing_name.empty();
    std::string name = spec->class_name.empty() ? "TaskWorker" : spec->class_name;
    ClusterClient::Pool pool;
    if (owner_) {
      pool = client_->create_pool(*spec, options);
    } else {
      std::string class_name;
      pool = client_->find_pool(spec->existing_name, &class_name);
      if (class_name != name) {
        throw InvalidOptionError("the pool named '" + spec->existing_name + "' runs " +
                                 class_name + ", not " + name);
      }
    }
    pool_id_ = pool.pool_id;
    std::string what = pool_id_ + " of " + std::to_string(options.max_workers) + " " +
                       (spec->class_name.empty() ? std::string("TaskWorker") : spec->class_name);
    link_ = std::make_shared<PoolLink>(client_, pool.pool_ref, what);
    link_->start();
  }
  ~ClusterPoolDispatcher() override { stop(Duration(30.0)); }

  void dispatch(std::unique_ptr<CallTask> task) override { link_->calls().submit(std::move(task)); }

  // Calls in flight finish (until the timeout), then the head stops the members — when this
  // handle created the pool; a handle from get_pool() leaves it running.
  void stop(Duration timeout) override {
    if (stopped_) return;
    stopped_ = true;
    link_->calls().close();
    link_->calls().drain(Clock::now() + std::chrono::duration_cast<Clock::duration>(timeout));
    if (owner_) client_->stop_pool(pool_id_);
  }
  bool is_inline() const override { return false; }

  PoolStats stats() const override {
    if (stopped_) {
      PoolStats s;
      s.max_workers = options_.max_workers;
      s.algorithm = std::string(stats_name(options_.load_balancing));
      s.stopped = true;
      return s;
    }
    return client_->pool_stats(pool_id_);
  }

 private:
  std::shared_ptr<ClusterClient> client_;
  ResolvedOptions options_;
  bool owner_ = true;
  std::string pool_id_;
  std::shared_ptr<PoolLink> link_;
  bool stopped_ = false;
};

std::unique_ptr<Dispatcher> make_cluster_pool_dispatcher(const ResolvedOptions& options,
                                                         const InstanceFactory& factory) {
  return std::make_unique<ClusterPoolDispatcher>(options, factory);
}

}  // namespace

// Registered when the client library is linked (//client is alwayslink).
[[maybe_unused]] const bool kClusterPoolBackendRegistered =
    (set_cluster_pool_backend(&make_cluster_pool_dispatcher), true);

}  // namespace concurry::internal
