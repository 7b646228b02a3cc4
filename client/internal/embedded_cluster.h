// EmbeddedCluster: a head and one node inside this process, on loopback, so that cluster mode
// works with no daemons. Actors run in this process (their classes are already registered
// here); calls still travel the gRPC path of a real cluster. Internal.
#ifndef CONCURRY_CLIENT_INTERNAL_EMBEDDED_CLUSTER_H_
#define CONCURRY_CLIENT_INTERNAL_EMBEDDED_CLUSTER_H_

#include <map>
#include <memory>
#include <string>

namespace concurry::internal {

class EmbeddedCluster {
 public:
  // Starts both, checking `auth_token` on every RPC; `resources` empty = {cpu: number of
  // cores}. Throws ClusterError.
  EmbeddedCluster(const std::string& auth_token, std::map<std::string, double> resources);
  ~EmbeddedCluster();
  const std::string& head_address() const;
  const std::string& token() const;
  const std::map<std::string, double>& resources() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace concurry::internal

#endif  // CONCURRY_CLIENT_INTERNAL_EMBEDDED_CLUSTER_H_
