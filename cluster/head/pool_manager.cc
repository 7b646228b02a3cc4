#include "concurry/cluster/head/pool_manager.h"

#include "concurry/cluster/head/forwarded_call.h"

#include <deque>
#include <functional>
#include <optional>
#include <thread>
#include <vector>

#include "concurry/core/errors.h"
#include "concurry/core/load_balancer.h"
#include "concurry/core/option_values.h"
#include "concurry/core/submission_queue.h"
#include "concurry/core/wire.h"
#include "concurry/runtime/internal/remote_call_task.h"

namespace concurry::internal {
namespace {

using CallPtr = std::unique_ptr<ForwardedCall>;

}  // namespace

struct PoolManager::Pool : std::enable_shared_from_this<Pool> {
  struct Member {
    std::string actor_id;
    std::string address;
    uint64_t actor_ref = 0;
    std::shared_ptr<CallStream> stream;
    std::shared_ptr<CallStream::Caller> caller;
  };

  Pool(LoadBalancing algorithm, size_t size, std::optional<size_t> limit)
      : balancer(algorithm, size), limit(limit) {
    for (size_t i = 0; i < size; ++i) queues.emplace_back(limit);
  }

  std::string id, name, session_id, class_name;
  uint64_t ref = 0;
  int max_restarts = 0;
  std::mutex mu;
  std::vector<Member> members;                 // guarded by mu (a restart moves a member)
  std::vector<bool> relocating;                // guarded by mu
  LoadBalancer balancer;                       // guarded by mu
  std::deque<SubmissionQueue<CallPtr>> queues;  // guarded by mu (a deque: never relocated)
  std::optional<size_t> limit;
  bool stopped = false;                        // guarded by mu

  void forward(CallPtr call) {
    std::shared_ptr<CallStream> stream;
    std::shared_ptr<CallStream::Caller> caller;
    uint64_t actor_ref;
    {
      std::lock_guard<std::mutex> lock(mu);
      const Member& m = members[call->member];
      stream = m.stream;
      caller = m.caller;
      actor_ref = m.actor_ref;
    }
    stream->send(actor_ref, std::move(call), caller);
  }

  // A member finished a call: its slot goes to the call waiting for it, if any.
  void completed(size_t member) {
    std::optional<CallPtr> next;
    {
      std::lock_guard<std::mutex> lock(mu);
      balancer.completed(member);
      next = queues[member].complete();
    }
    if (next) forward(std::move(*next));
  }
};

namespace {

// The outcome of a forwarded call at one member.
class MemberCaller final : public CallStream::Caller {
 public:
  MemberCaller(std::weak_ptr<PoolManager::Pool> pool, size_t member)
      : pool_(std::move(pool)), member_(member) {}

  void replied(std::unique_ptr<RemoteCallTask> task, const Bytes& reply) override {
    free_slot();
    task->judge(reply);
    task->publish();
  }
  void unsent(std::unique_ptr<RemoteCallTask> task, std::exception_ptr error) override {
    free_slot();
    task->fail(error);
  }
  void lost(std::unique_ptr<RemoteCallTask> task, const std::string& why, bool) override {
    free_slot();
    static_cast<ForwardedCall*>(task.get())->lost(why + " (pool member " + std::to_string(member_) + ")");
    if (auto pool = pool_.lock()) {
      if (on_lost_) on_lost_(pool, member_);
    }
  }

  // Set by the manager: finds a lost member again once the head has restarted it.
  std::function<void(const std::shared_ptr<PoolManager::Pool>&, size_t)> on_lost_;

 private:
  void free_slot() {
    if (auto pool = pool_.lock()) pool->completed(member_);
  }
  std::weak_ptr<PoolManager::Pool> pool_;
  size_t member_;
};

}  // namespace

PoolManager::PoolManager(ActorManager& actors, std::string token)
    : actors_(actors), token_(std::move(token)) {}

PoolManager::~PoolManager() { close(); }

void PoolManager::close() {
  std::map<std::string, std::shared_ptr<CallStream>> streams;
  {
    std::unique_lock<std::mutex> lock(mu_);
    closing_ = true;
    relocated_.wait(lock, [&] { return relocations_ == 0; });  // each ends within ~0.5 s
    streams.swap(streams_);
  }
  for (auto& [address, stream] : streams) stream->close();
}

std::shared_ptr<CallStream> PoolManager::stream_to(const std::string& address) {
  std::lock_guard<std::mutex> lock(mu_);
  if (closing_) throw ClusterError("the head is stopping");
  auto& stream = streams_[address];
  if (!stream || stream->broken()) stream = std::make_shared<CallStream>(address, token_);
  return stream;
}

grpc::Status PoolManager::create(const proto::CreatePoolRequest& request,
                                 proto::CreatePoolReply* reply) {
  LoadBalancing algorithm;
  try {
    algorithm = parse_option<LoadBalancing>(
        "load_balancing", request.algorithm().empty() ? "round_robin" : request.algorithm());
  } catch (const std::exception& e) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, e.what());
  }
  if (request.size() < 1) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "a pool needs at least one member");
  }
  std::optional<size_t> limit;
  if (request.max_queued_tasks() > 0) limit = static_cast<size_t>(request.max_queued_tasks());
  auto pool = std::make_shared<Pool>(algorithm, request.size(), limit);
  pool->name = request.name();
  pool->max_restarts = request.member().max_restarts();
  pool->session_id = request.member().session_id();
  pool->class_name = request.member().class_name().empty() ? "TaskWorker"
                                                            : request.member().class_name();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!pool->name.empty() && names_.count(pool->name)) {
      return grpc::Status(grpc::StatusCode::ALREADY_EXISTS,
                          "a pool named '" + pool->name + "' already exists");
    }
    pool->ref = next_ref_++;
    pool->id = "pool-" + std::to_string(pool->ref);
    if (!pool->name.empty()) names_[pool->name] = pool->ref;  // claimed while members start
  }
  auto give_up = [&](const grpc::Status& status) {
    for (const auto& m : pool->members) actors_.stop(m.actor_id);
    std::lock_guard<std::mutex> lock(mu_);
    if (!pool->name.empty()) names_.erase(pool->name);
    return status;
  };
  for (uint32_t i = 0; i < request.size(); ++i) {
    proto::CreateActorRequest member = request.member();
    member.clear_name();
    if (!pool->name.empty()) member.clear_session_id();  // a named pool outlives its creator
    proto::CreateActorReply created;
    grpc::Status status = actors_.create(member, &created);
    if (!status.ok()) return give_up(status);
    if (!decode_reply(created.init_reply()).ok) {
      reply->set_init_reply(created.init_reply());
      return give_up(grpc::Status::OK);
    }
    Pool::Member m;
    m.actor_id = created.actor_id();
    m.address = created.node_address();
    m.actor_ref = created.actor_ref();
    try {
      m.stream = stream_to(m.address);
    } catch (const std::exception& e) {
      return give_up(grpc::Status(grpc::StatusCode::UNAVAILABLE, e.what()));
    }
    auto caller = std::make_shared<MemberCaller>(pool, i);
    caller->on_lost_ = [this](const std::shared_ptr<Pool>& p, size_t member) { relocate(p, member); };
    m.caller = caller;
    pool->members.push_back(std::move(m));
    pool->relocating.push_back(false);
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    pools_[pool->ref] = pool;
  }
  reply->set_pool_id(pool->id);
  reply->set_pool_ref(pool->ref);
  reply->set_init_reply(encode_reply(ReplyMessage{0, true, {}, {}}));
  return grpc::Status::OK;
}

std::shared_ptr<PoolManager::Pool> PoolManager::find(const proto::PoolRequest& request,
                                                     grpc::Status* status) {
  std::lock_guard<std::mutex> lock(mu_);
  uint64_t ref = 0;
  if (!request.name().empty()) {
    auto it = names_.find(request.name());
    if (it != names_.end()) ref = it->second;
  } else {
    for (const auto& [r, pool] : pools_) {
      if (pool->id == request.pool_id()) ref = r;
    }
  }
  auto it = pools_.find(ref);
  if (it == pools_.end()) {
    *status = grpc::Status(grpc::StatusCode::NOT_FOUND,
                           request.name().empty() ? "no pool '" + request.pool_id() + "'"
                                                  : "no pool named '" + request.name() + "'");
    return nullptr;
  }
  return it->second;
}

grpc::Status PoolManager::stats(const proto::PoolRequest& request, proto::PoolStatsReply* reply) {
  grpc::Status status;
  std::shared_ptr<Pool> pool = find(request, &status);
  if (!pool) return status;
  std::lock_guard<std::mutex> lock(pool->mu);
  reply->set_pool_id(pool->id);
  reply->set_name(pool->name);
  reply->set_pool_ref(pool->ref);
  reply->set_class_name(pool->class_name);
  reply->set_total_workers(static_cast<uint32_t>(pool->members.size()));
  reply->set_algorithm(std::string(stats_name(pool->balancer.algorithm())));
  reply->set_total_dispatched(pool->balancer.total_dispatched());
  reply->set_max_queued_tasks(pool->limit ? static_cast<int32_t>(*pool->limit) : 0);
  reply->set_stopped(pool->stopped);
  for (size_t i = 0; i < pool->members.size(); ++i) {
    reply->add_member_active(pool->queues[i].in_flight());
    reply->add_member_total(pool->balancer.total(i));
    reply->add_member_queued(pool->queues[i].waiting());
    reply->add_member_actor(pool->members[i].actor_id);
  }
  return grpc::Status::OK;
}

grpc::Status PoolManager::stop(const proto::PoolRequest& request) {
  grpc::Status status;
  std::shared_ptr<Pool> pool = find(request, &status);
  if (!pool) return status;
  std::vector<CallPtr> cancelled;
  {
    std::lock_guard<std::mutex> lock(pool->mu);
    pool->stopped = true;
    for (auto& queue : pool->queues) {
      for (auto& call : queue.drain()) cancelled.push_back(std::move(call));
    }
  }
  for (auto& call : cancelled) call->cancel();
  std::vector<std::string> member_ids;
  {
    std::lock_guard<std::mutex> lock(pool->mu);
    for (const auto& m : pool->members) member_ids.push_back(m.actor_id);
  }
  for (const auto& id : member_ids) actors_.stop(id);
  std::lock_guard<std::mutex> lock(mu_);
  pools_.erase(pool->ref);
  if (!pool->name.empty()) names_.erase(pool->name);
  return grpc::Status::OK;
}

void PoolManager::call(uint64_t pool_ref, uint64_t call_id, Bytes request,
                       const std::shared_ptr<ReplySink>& sink) {
  std::shared_ptr<Pool> pool;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = pools_.find(pool_ref);
    if (it != pools_.end()) pool = it->second;
  }
  if (!pool) {
    sink->deliver(call_id, encode_error_reply(call_id, ErrorCode::kWorkerStopped,
                                              "concurry::WorkerStoppedError",
                                              "no pool #" + std::to_string(pool_ref) +
                                                  " on this head (it was stopped, or never existed)",
                                              "head"));
    return;
  }
  auto call = std::make_unique<ForwardedCall>(call_id, std::move(request), sink);
  {
    std::lock_guard<std::mutex> lock(pool->mu);
    if (pool->stopped) {
      call->cancel();
      return;
    }
    call->member = pool->balancer.pick();
    if (pool->queues[call->member].admit(call)) return;  // waits for the member's slot
  }
  pool->forward(std::move(call));
}

// A member's node is gone. With restarts, the head re-creates the member elsewhere (the
// actor's own restart); once it is alive again the pool sends it calls at its new place.
void PoolManager::relocate(const std::shared_ptr<Pool>& pool, size_t member) {
  std::string actor_id;
  {
    std::lock_guard<std::mutex> lock(pool->mu);
    if (pool->max_restarts == 0 || pool->stopped || pool->relocating[member]) return;
    pool->relocating[member] = true;
    actor_id = pool->members[member].actor_id;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closing_) return;
    ++relocations_;
  }
  std::weak_ptr<Pool> weak = pool;
  std::thread([this, weak, member, actor_id] {
    proto::LookupActorRequest request;
    request.set_actor_id(actor_id);
    request.set_wait_s(0.5);  // short waits: close() must not wait long for this thread
    proto::LookupActorReply found;
    grpc::Status status;
    for (int i = 0; i < 120; ++i) {
      status = actors_.lookup(request, &found);
      if (!status.ok() || found.state() != "RESTARTING") break;
      std::lock_guard<std::mutex> lock(mu_);
      if (closing_) break;
    }
    auto pool = weak.lock();
    if (!pool) return relocation_done();
    std::shared_ptr<CallStream> stream;
    if (status.ok() && found.state() == "ALIVE") {
      try {
        stream = stream_to(found.node_address());
      } catch (const std::exception&) {
        // The head is stopping: the member stays where it was (its calls fail).
      }
    }
    {
      std::lock_guard<std::mutex> lock(pool->mu);
      pool->relocating[member] = false;
      if (stream) {
        pool->members[member].address = found.node_address();
        pool->members[member].actor_ref = found.actor_ref();
        pool->members[member].stream = stream;
      }
    }
    relocation_done();
  }).detach();
}

void PoolManager::relocation_done() {
  std::lock_guard<std::mutex> lock(mu_);
  if (--relocations_ == 0) relocated_.notify_all();
}

void PoolManager::fill_status(proto::ClusterStatusReply* reply) {
  std::vector<std::string> ids;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [ref, pool] : pools_) ids.push_back(pool->id);
  }
  for (const auto& id : ids) {
    proto::PoolRequest request;
    request.set_pool_id(id);
    proto::PoolStatsReply stats;
    if (this->stats(request, &stats).ok()) *reply->add_pools() = std::move(stats);
  }
}

void PoolManager::session_ended(const std::string& session_id) {
  std::vector<std::string> ids;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [ref, pool] : pools_) {
      if (pool->session_id == session_id && pool->name.empty()) ids.push_back(pool->id);
    }
  }
  for (const auto& id : ids) {
    proto::PoolRequest request;
    request.set_pool_id(id);
    stop(request);
  }
}

}  // namespace concurry::internal
