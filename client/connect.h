// Cluster mode for users: connect to a concurry cluster, or start one inside this process.
//
//   concurry::connect();  // CONCURRY_ADDRESS when set, otherwise the embedded cluster: a head
//                         // and a node inside this process, on loopback
//   concurry::connect({.address = "10.0.0.5:7070", .tls_ca = "/etc/concurry/ca.pem",
//                      .worker_libs = {"bazel-bin/libcounter_workers.so"}});
//   auto c = concurry::options<Counter>({.mode = "cluster"}).init(0);
//   concurry::shutdown();  // disconnects; stops what connect() started
//
// The first cluster-mode worker connects implicitly with the defaults (and says so once on
// stderr). Worker libraries are uploaded once to the head (content-addressed) and fetched by
// the nodes an actor of theirs is placed on. Failures throw ClusterError naming the address
// and the cause (unreachable head, refused token); bad options throw InvalidOptionError.
#ifndef CONCURRY_CLIENT_CONNECT_H_
#define CONCURRY_CLIENT_CONNECT_H_

#include <map>
#include <string>
#include <vector>

#include "concurry/core/duration.h"

namespace concurry {

struct ConnectOptions {
  std::string address;                   // head HOST:PORT; "" = $CONCURRY_ADDRESS, else embedded
  std::string auth_token;  // "" = $CONCURRY_AUTH_TOKEN, else the file $CONCURRY_AUTH_TOKEN_FILE,
                           // else the token `concurry start --head` made for this address
  // TLS (PEM files): the CA that signed the cluster's certificates, and this client's own
  // certificate and key for clusters that require them (mutual TLS). All "" = $CONCURRY_TLS_CA,
  // $CONCURRY_TLS_CERT, $CONCURRY_TLS_KEY; none set = plaintext.
  std::string tls_ca, tls_cert, tls_key;
  std::vector<std::string> worker_libs;  // .so files holding this program's worker classes;
                                         // none given: $CONCURRY_WORKER_LIBS (':'-separated,
                                         // set for jobs the head runs)
  // The embedded cluster's node offers these; empty = {cpu: number of cores}.
  std::map<std::string, double> resources;
  Duration connect_timeout{5.0};         // how long to wait for the head to answer
};

// Connects (see above). Connecting again while connected throws InvalidOptionError; call
// shutdown() first.
void connect(const ConnectOptions& options = {});
// Disconnects: calls still in flight fail with WorkerStoppedError, the embedded cluster (if
// connect started one) stops with its actors. Idempotent.
void shutdown();
// The head address this process is connected to, or "" when not connected.
std::string connected_address();

}  // namespace concurry

#endif  // CONCURRY_CLIENT_CONNECT_H_
