// HeadServer: concurry-head's gRPC service — node registration, heartbeats (a node silent past
// the timeout is declared dead) and cluster status. start() binds and returns the address it
// listens on (port 0 picks a free one). Thread-safe. No gRPC in this header.
#ifndef CONCURRY_CLUSTER_HEAD_HEAD_SERVER_H_
#define CONCURRY_CLUSTER_HEAD_HEAD_SERVER_H_

#include <memory>
#include <string>

#include "concurry/cluster/common/credentials.h"
#include "concurry/core/duration.h"
#include "concurry/core/history.h"

namespace concurry::internal {

struct HeadConfig {
  std::string host = "127.0.0.1";
  int port = 0;
  Credentials credentials;
  bool insecure = false;  // serve a non-loopback host with neither token nor mutual TLS
  Duration heartbeat_timeout{3.0};
  HistoryLimits history;  // dead nodes, stopped actors, finished jobs kept for status, per kind
  std::string jobs_dir;  // "" = a fresh $TMPDIR/concurry-jobs-<uid>-XXXXXX (0700) at the first
                         // job; a given one must be this user's own, not a link, closed to
                         // group/world write
};

class HeadServer {
 public:
  explicit HeadServer(HeadConfig config);
  ~HeadServer();
  // Binds and starts serving; returns "host:port". Throws concurry::ClusterError when it cannot.
  std::string start();
  // Stops serving (in-flight RPCs end); idempotent.
  void shutdown();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace concurry::internal

#endif  // CONCURRY_CLUSTER_HEAD_HEAD_SERVER_H_
