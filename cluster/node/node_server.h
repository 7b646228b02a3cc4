// NodeServer: concurry-node's gRPC Node service. The head asks it to create and stop actors
// (loading the worker libraries the actor's client shipped, fetched from the head by digest);
// clients open call streams to it, each carrying batches of calls for any of its actors and
// getting batches of replies back. start() binds (port 0 picks a free port) and returns the
// address. Thread-safe. No gRPC in this header.
#ifndef CONCURRY_CLUSTER_NODE_NODE_SERVER_H_
#define CONCURRY_CLUSTER_NODE_NODE_SERVER_H_

#include <memory>
#include <string>
#include <vector>

#include "concurry/cluster/common/credentials.h"

namespace concurry::internal {

struct NodeServerConfig {
  std::string host = "127.0.0.1";
  int port = 0;
  std::string head;  // where shipped libraries are fetched from
  Credentials credentials;
  bool insecure = false;  // serve a non-loopback host with neither token nor mutual TLS
  std::vector<std::string> worker_libs;  // preloaded at start
  std::string lib_cache_dir;             // default: $TMPDIR/concurry-libs-<uid>
};

class Lease;

class NodeServer {
 public:
  explicit NodeServer(NodeServerConfig config);
  ~NodeServer();
  // Preloads the worker libraries, binds and starts serving; returns "host:port". Throws
  // ClusterError naming what failed (a library that does not load, an address in use).
  std::string start();
  // The fencing lease its actors' calls run under; give it to the NodeAgent (NodeConfig::lease).
  Lease& lease();
  // Stops serving and stops every actor; idempotent.
  void shutdown();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace concurry::internal

#endif  // CONCURRY_CLUSTER_NODE_NODE_SERVER_H_
