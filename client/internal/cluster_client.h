// ClusterClient: this process's session with a cluster — the head's address and stub, the
// digests of the worker libraries it uploaded, the embedded cluster when it started one, and
// one CallStream per node it calls. connect()/shutdown() in connect.h drive it; cluster
// executors hold a shared_ptr, so a session outlives shutdown() until its last worker is gone
// (its calls then fail as stopped). Thread-safe. Internal.
#ifndef CONCURRY_CLIENT_INTERNAL_CLUSTER_CLIENT_H_
#define CONCURRY_CLIENT_INTERNAL_CLUSTER_CLIENT_H_

#include <memory>
#include <string>

#include "concurry/client/connect.h"
#include "concurry/core/options.h"
#include "concurry/runtime/pool_stats.h"

namespace concurry::internal {

class CallStream;
struct RemoteSpec;

class ClusterClient {
 public:
  struct Placed {
    std::string actor_id;
    std::string node_id;
    uint64_t actor_ref = 0;
    std::shared_ptr<CallStream> connection;
    std::string class_name;
    int max_restarts = 0;
    std::string state;  // ALIVE, or RESTARTING / STOPPED / DEAD from a lookup
  };

  // Connects or starts the embedded cluster; throws ClusterError / InvalidOptionError.
  explicit ClusterClient(const ConnectOptions& options);
  ~ClusterClient();

  // The connected session; with `implicit`, connects with the defaults first when there is
  // none (saying so on stderr once). nullptr when not connected and not implicit.
  static std::shared_ptr<ClusterClient> current(bool implicit);
  static void connect(const ConnectOptions& options);
  static void shutdown();

  // Places and constructs an actor; rethrows the constructor's exception, or ClusterError
  // (infeasible resources, unreachable head or node) naming the cause.
  Placed create_actor(const RemoteSpec& spec, const ResolvedOptions& options);
  // Where an actor lives now, by name or by id; waits up to `wait` while it restarts — and,
  // with `lost_node_id` (this client lost its connection there), until the head has settled
  // that node's fate. Throws ClusterError (unknown name, unreachable head).
  Placed lookup_actor(const std::string& key, bool by_name, Duration wait,
                      const std::string& lost_node_id = "");
  struct Pool {
    std::string pool_id;
    uint64_t pool_ref = 0;
  };
  // Has the head create a pool of options.max_workers members (it dispatches their calls);
  // rethrows a member constructor's exception, or ClusterError.
  Pool create_pool(const RemoteSpec& spec, const ResolvedOptions& options);
  // The pool named `name` (ClusterError when none); its members' class in `class_name`.
  Pool find_pool(const std::string& name, std::string* class_name);
  PoolStats pool_stats(const std::string& pool_id);
  void stop_pool(const std::string& pool_id);
  // The stream pool calls travel on (to the head), opened on first use.
  std::shared_ptr<CallStream> pool_stream();
  // Best effort: the head frees the actor's resources and the node stops it.
  void stop_actor(const std::string& actor_id);
  const std::string& address() const;
  // True once shutdown() ended this session.
  bool closed() const;

 private:
  void close();
  std::shared_ptr<CallStream> connection(const std::string& address);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace concurry::internal

#endif  // CONCURRY_CLIENT_INTERNAL_CLUSTER_CLIENT_H_
