// NodeRegistry: the head's view of its nodes — who registered, with which resources, and who
// is alive. A node silent for longer than the heartbeat timeout is declared dead — unless the
// head itself was the one not listening. Time comes from the caller (tests pass their own).
// Thread-safe. No gRPC here.
#ifndef CONCURRY_CLUSTER_HEAD_NODE_REGISTRY_H_
#define CONCURRY_CLUSTER_HEAD_NODE_REGISTRY_H_

#include <algorithm>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "concurry/core/duration.h"
#include "concurry/core/history.h"

namespace concurry::internal {

struct NodeRecord {
  std::string node_id;
  std::string address;
  std::map<std::string, double> resources;
  Clock::time_point last_heartbeat;
  bool alive = true;
};

class NodeRegistry {
 public:
  // Dead nodes are kept for status as long as `history` allows, then forgotten.
  explicit NodeRegistry(Duration heartbeat_timeout, HistoryLimits history = {})
      : timeout_(heartbeat_timeout), dead_(history) {}

  // Adds a node; returns its new id ("node-1", "node-2", ...).
  std::string add(std::string address, std::map<std::string, double> resources,
                  Clock::time_point now);
  // Records a heartbeat; false when the node is unknown or was declared dead.
  bool heartbeat(const std::string& node_id, Clock::time_point now);
  // Declares nodes silent past the timeout dead; returns the ids newly declared dead. Called
  // often (the head's sweeper: every 200 ms): a gap between sweeps over stall_gap() means the
  // head itself stood still, and then no one is declared dead — every node's silence restarts.
  std::vector<std::string> sweep(Clock::time_point now);
  Duration stall_gap() const { return std::max(timeout_ / 2, Duration(0.5)); }
  std::vector<NodeRecord> nodes() const;
  Duration timeout() const { return timeout_; }

 private:
  Duration timeout_;
  mutable std::mutex mu_;
  std::map<std::string, NodeRecord> nodes_;  // guarded by mu_
  int next_id_ = 1;                          // guarded by mu_
  Clock::time_point last_sweep_{};           // guarded by mu_
  History dead_;                             // guarded by mu_
};

}  // namespace concurry::internal

#endif  // CONCURRY_CLUSTER_HEAD_NODE_REGISTRY_H_
