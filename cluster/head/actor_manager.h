// ActorManager: the head's actor duties. Places an actor (PlacementTable, under one lock),
// has the chosen node construct it, and records it (ActorDirectory); stops actors and frees
// what they held; answers where an actor lives (by id or name); when a node dies, re-creates
// its actors that have restarts left on another feasible node, and marks the rest dead; when
// a client's session ends, stops its unnamed actors. Thread-safe. Internal (includes gRPC).
#ifndef CONCURRY_CLUSTER_HEAD_ACTOR_MANAGER_H_
#define CONCURRY_CLUSTER_HEAD_ACTOR_MANAGER_H_

#include <grpcpp/grpcpp.h>

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "concurry/cluster/common/credentials.h"
#include "concurry/cluster/head/actor_directory.h"
#include "concurry/cluster/head/lib_store.h"
#include "concurry/cluster/head/limit_manager.h"
#include "concurry/cluster/head/node_registry.h"
#include "concurry/cluster/head/placement.h"
#include "concurry/proto/concurry.grpc.pb.h"

namespace concurry::internal {

class ActorManager {
 public:
  ActorManager(NodeRegistry& registry, const LibStore& libs, Credentials credentials,
               HistoryLimits history = {});

  void add_node(const std::string& node_id, std::map<std::string, double> resources);
  // Whose requests create actors: `alive(session_id)` is true for a client session open now.
  void set_owner_check(std::function<bool(const std::string&)> alive) {
    owner_alive_ = std::move(alive);
  }
  // An unnamed actor is owned by its creator's session, which must be open
  // (FAILED_PRECONDITION otherwise: nothing would ever stop it); a named one may outlive it.
  // `pool_member`: created by the head for a pool that was checked so.
  grpc::Status create(const proto::CreateActorRequest& request, proto::CreateActorReply* reply,
                      bool pool_member = false);
  // FAILED_PRECONDITION unless `session_id` is open, or `named` lets the object outlive it.
  grpc::Status check_owner(const std::string& what, const std::string& session_id,
                           bool named) const;
  grpc::Status stop(const std::string& actor_id);
  grpc::Status lookup(const proto::LookupActorRequest& request, proto::LookupActorReply* reply);
  // Declares silent nodes dead: their resources leave placement, their actors restart or die.
  void sweep(Clock::time_point now);
  // Re-creates the actors sweep() found restarting (called by the head's sweeper thread).
  void run_restarts();
  void session_ended(const std::string& session_id);
  void fill_status(proto::ClusterStatusReply* reply) const;
  // LimitSets hosted for actors (shared limits).
  LimitManager& limits() { return limits_; }

 private:
  // Places `request` and has the node construct it as `actor_id`; reserves resources, frees
  // them again unless the constructor succeeded.
  grpc::Status construct(const proto::CreateActorRequest& request, const std::string& actor_id,
                         proto::CreateActorReply* reply, std::string* node_id,
                         std::string* address);
  void sweep_locked(Clock::time_point now);  // placement_mu_ held
  std::string address_of(const std::string& node_id) const;
  proto::Node::Stub& node_stub(const std::string& node_id, const std::string& address);

  NodeRegistry& registry_;
  std::function<bool(const std::string&)> owner_alive_;  // set before serving
  const LibStore& libs_;
  const Credentials credentials_;
  ActorDirectory directory_;
  LimitManager limits_;
  std::mutex placement_mu_;
  PlacementTable placement_;                    // guarded by placement_mu_
  std::deque<ActorRecord> restarts_;            // guarded by placement_mu_
  std::mutex stubs_mu_;
  std::map<std::string, std::unique_ptr<proto::Node::Stub>> node_stubs_;  // guarded by stubs_mu_
};

}  // namespace concurry::internal

#endif  // CONCURRY_CLUSTER_HEAD_ACTOR_MANAGER_H_
