#include "concurry/cluster/head/pool_manager.h"

#include <thread>
#include <vector>

#include "concurry/cluster/head/pool_state.h"
#include "concurry/core/errors.h"
#include "concurry/core/option_values.h"
#include "concurry/core/wire.h"

namespace concurry::internal {

using CallPtr = ForwardedCallPtr;

// Checked before anything is allocated for the members (~1 KB each at the head).
constexpr uint32_t kMaxPoolMembers = 100000;

PoolManager::PoolManager(ActorManager& actors, Credentials credentials)
    : actors_(actors), credentials_(std::move(credentials)) {}

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
  if (!stream || stream->broken()) stream = std::make_shared<CallStream>(address, credentials_);
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
  if (std::string bad = bad_name("a pool name", request.name()); !bad.empty()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, bad);
  }
  if (request.size() < 1 || request.size() > kMaxPoolMembers) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "a pool has 1 to " + std::to_string(kMaxPoolMembers) + " members; " +
                            std::to_string(request.size()) + " were asked for");
  }
  if (auto s = actors_.check_owner("pool", request.member().session_id(), !request.name().empty());
      !s.ok()) {
    return s;
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
    grpc::Status status = actors_.create(member, &created, /*pool_member=*/true);
    if (!status.ok()) return give_up(status);
    if (!decode_reply(created.init_reply()).ok) {
      reply->set_init_reply(created.init_reply());
      return give_up(grpc::Status::OK);
    }
    Pool::Member m;
    m.actor_id = created.actor_id();
    m.address = created.node_address();
    m.node_id = created.node_id();
    m.actor_ref = created.actor_ref();
    try {
      m.stream = stream_to(m.address);
    } catch (const std::exception& e) {
      return give_up(grpc::Status(grpc::StatusCode::UNAVAILABLE, e.what()));
    }
    std::weak_ptr<Pool> weak = pool;
    m.calls = std::make_shared<RemoteCalls>(
        pool->id + " member " + std::to_string(i) + " (" + pool->class_name + ")",
        [weak, i]() -> std::unique_ptr<CallTask> {
          auto p = weak.lock();
          return p ? p->completed(i) : nullptr;
        });
    m.transport = std::make_shared<Pool::MemberTransport>(pool.get(), i);
    m.calls->set_transport(m.transport);
    auto caller = std::make_shared<MemberCaller>(m.calls, i);
    caller->on_lost_ = [this, weak](size_t member) {
      if (auto p = weak.lock()) relocate(p, member);
    };
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
  const auto& core = pool->core;
  reply->set_total_workers(static_cast<uint32_t>(pool->members.size()));
  reply->set_algorithm(std::string(stats_name(core.balancer().algorithm())));
  reply->set_total_dispatched(core.balancer().total_dispatched());
  reply->set_max_queued_tasks(core.limit() ? static_cast<int32_t>(*core.limit()) : 0);
  reply->set_stopped(pool->stopped);
  for (size_t i = 0; i < pool->members.size(); ++i) {
    reply->add_member_active(core.queue(i).in_flight());
    reply->add_member_total(core.balancer().total(i));
    reply->add_member_queued(core.queue(i).waiting());
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
    cancelled = pool->core.drain();
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
  pool->route(std::make_unique<ForwardedCall>(call_id, std::move(request), sink));
}

// A member's node is gone (its stream broke): nothing more is routed to it, and what waited for
// it goes to the others. With restarts, the head re-creates it elsewhere (the actor's own
// restart); once the head has settled the node's fate the member is found again — alive
// elsewhere or where it was (then it takes calls again), or dead (then it stays out).
void PoolManager::relocate(const std::shared_ptr<Pool>& pool, size_t member) {
  std::string actor_id, lost_node;
  std::vector<CallPtr> moved;
  {
    std::lock_guard<std::mutex> lock(pool->mu);
    if (pool->stopped || pool->relocating[member]) return;
    pool->relocating[member] = true;
    actor_id = pool->members[member].actor_id;
    lost_node = pool->members[member].node_id;
    moved = pool->core.member_down(member, /*returns=*/true);
  }
  pool->reroute(std::move(moved));
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closing_) return;
    ++relocations_;
  }
  std::weak_ptr<Pool> weak = pool;
  std::thread([this, weak, member, actor_id, lost_node] {
    proto::LookupActorRequest request;
    request.set_actor_id(actor_id);
    request.set_lost_node_id(lost_node);
    request.set_wait_s(0.5);  // short waits: close() must not wait long for this thread
    proto::LookupActorReply found;
    grpc::Status status;
    for (int i = 0; i < 120; ++i) {
      status = actors_.lookup(request, &found);
      bool unsettled = found.state() == "RESTARTING" ||
                       (found.state() == "ALIVE" && found.node_id() == lost_node && i < 20);
      if (!status.ok() || !unsettled) break;
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
        // The head is stopping: the member stays out.
      }
    }
    std::vector<CallPtr> moved;
    {
      std::lock_guard<std::mutex> lock(pool->mu);
      pool->relocating[member] = false;
      if (stream) {
        auto& m = pool->members[member];
        m.address = found.node_address();
        m.node_id = found.node_id();
        m.actor_ref = found.actor_ref();
        m.stream = stream;
        if (!pool->stopped) moved = pool->core.member_up(member);
      } else if (!pool->stopped) {
        moved = pool->core.member_down(member, /*returns=*/false);  // dead: it stays out
      }
    }
    pool->reroute(std::move(moved));
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
