// PoolManager: cluster pools, dispatched by the head. A pool's members are actors placed and
// created through ActorManager; calls arrive on clients' PoolCalls streams, and the head picks
// a member with core/load_balancer and keeps each member's core/submission_queue — the same
// code as local pools — then forwards the call over its own call stream to the member's node
// and the reply back to the client. least_active sees every client's calls, so clients sharing
// a pool are balanced together. Thread-safe. Internal (includes gRPC).
#ifndef CONCURRY_CLUSTER_HEAD_POOL_MANAGER_H_
#define CONCURRY_CLUSTER_HEAD_POOL_MANAGER_H_

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "concurry/cluster/common/credentials.h"
#include "concurry/cluster/common/call_stream.h"
#include "concurry/cluster/common/reply_sink.h"
#include "concurry/cluster/head/actor_manager.h"
#include "concurry/proto/concurry.grpc.pb.h"

namespace concurry::internal {

class PoolManager {
 public:
  PoolManager(ActorManager& actors, Credentials credentials);
  ~PoolManager();
  // Ends the head's call streams to nodes (the head is stopping). Idempotent.
  void close();

  grpc::Status create(const proto::CreatePoolRequest& request, proto::CreatePoolReply* reply);
  grpc::Status stats(const proto::PoolRequest& request, proto::PoolStatsReply* reply);
  grpc::Status stop(const proto::PoolRequest& request);
  // One call from a client's PoolCalls stream; exactly one reply reaches `sink`.
  void call(uint64_t pool_ref, uint64_t call_id, Bytes request,
            const std::shared_ptr<ReplySink>& sink);
  // Every pool's stats, for ClusterStatus.
  void fill_status(proto::ClusterStatusReply* reply);
  // The unnamed pools of a session that ended are stopped.
  void session_ended(const std::string& session_id);

  struct Pool;

 private:
  std::shared_ptr<Pool> find(const proto::PoolRequest& request, grpc::Status* status);
  std::shared_ptr<CallStream> stream_to(const std::string& address);
  void relocate(const std::shared_ptr<Pool>& pool, size_t member);
  void relocation_done();

  ActorManager& actors_;
  const Credentials credentials_;
  std::mutex mu_;
  std::map<uint64_t, std::shared_ptr<Pool>> pools_;              // guarded by mu_
  std::map<std::string, uint64_t> names_;                         // guarded by mu_
  std::map<std::string, std::shared_ptr<CallStream>> streams_;  // guarded by mu_
  uint64_t next_ref_ = 1;                                         // guarded by mu_
  bool closing_ = false;                                          // guarded by mu_
  int relocations_ = 0;                                           // guarded by mu_
  std::condition_variable relocated_;
};

}  // namespace concurry::internal

#endif  // CONCURRY_CLUSTER_HEAD_POOL_MANAGER_H_
