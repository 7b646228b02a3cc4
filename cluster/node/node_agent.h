// NodeAgent: concurry-node's link to its head — registration with its resources, then a
// heartbeat every interval the head asks for. Errors name what went wrong (unreachable head,
// refused token). No gRPC in this header.
#ifndef CONCURRY_CLUSTER_NODE_NODE_AGENT_H_
#define CONCURRY_CLUSTER_NODE_NODE_AGENT_H_

#include <atomic>
#include <map>
#include <memory>
#include <string>

#include "concurry/cluster/common/credentials.h"
#include "concurry/core/duration.h"

namespace concurry::internal {

class Lease;

struct NodeConfig {
  std::string head;     // host:port
  std::string address;  // where this node's Node service listens
  std::map<std::string, double> resources;
  Credentials credentials;
  Duration connect_timeout{5.0};
  Lease* lease = nullptr;  // renewed by each acknowledged heartbeat, revoked when declared dead
};

// Parses "cpu=4,gpu=0,mem_gb=8"; throws InvalidOptionError naming the bad entry.
std::map<std::string, double> parse_resources(const std::string& text);

class NodeAgent {
 public:
  explicit NodeAgent(NodeConfig config);
  ~NodeAgent();
  // Registers; returns the node id. Throws ClusterError naming the cause.
  std::string register_with_head();
  // Heartbeats until `stop` is set, renewing the lease. Throws ClusterError when the head
  // forgets this node (the lease is then revoked first) or stays unreachable past the connect
  // timeout.
  void heartbeat_until(const std::atomic<bool>& stop);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace concurry::internal

#endif  // CONCURRY_CLUSTER_NODE_NODE_AGENT_H_
