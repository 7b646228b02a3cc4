// LibStore: the worker libraries clients uploaded to the head, keyed by content digest, kept
// in memory for nodes to fetch. Uploading bytes that do not match their digest is refused.
// Thread-safe. No gRPC here.
#ifndef CONCURRY_CLUSTER_HEAD_LIB_STORE_H_
#define CONCURRY_CLUSTER_HEAD_LIB_STORE_H_

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace concurry::internal {

class LibStore {
 public:
  struct Lib {
    std::string name;
    std::shared_ptr<const std::string> content;
  };
  // Throws InvalidOptionError when `content` does not hash to `digest`.
  void put(const std::string& digest, std::string name, std::string content);
  std::optional<Lib> get(const std::string& digest) const;
  // Those of `digests` not stored yet.
  std::vector<std::string> missing(const std::vector<std::string>& digests) const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, Lib> libs_;  // guarded by mu_
};

}  // namespace concurry::internal

#endif  // CONCURRY_CLUSTER_HEAD_LIB_STORE_H_
