// LibLoader: the worker libraries a node has loaded with dlopen. Loading a library runs its
// CONCURRY_WORKER / CONCURRY_FUNCTION registrations into this process's registry (the node
// exports its own symbols, so a library built against the headers alone links to them).
// Libraries given with --worker-lib are preloaded; libraries a client shipped are fetched by
// digest on first use, checked, cached on disk and loaded once. The cache directory must be
// this user's own and closed to group and others (created 0700; another owner, a link, or group
// or world write is refused), and a cached file is hashed again before dlopen: a file planted
// or changed there is fetched afresh, never loaded. Thread-safe. No gRPC here.
#ifndef CONCURRY_CLUSTER_NODE_LIB_LOADER_H_
#define CONCURRY_CLUSTER_NODE_LIB_LOADER_H_

#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace concurry::internal {

class LibLoader {
 public:
  // (file name, bytes) of a library, fetched by digest; throws ClusterError when it cannot.
  using Fetch = std::function<std::pair<std::string, std::string>(const std::string& digest)>;

  // Fetched libraries are cached in `cache_dir` (created when missing).
  explicit LibLoader(std::string cache_dir);

  // dlopen()s `path`; throws ClusterError with the loader's message when it fails.
  void preload(const std::string& path);
  // Loads every library in `digests` not loaded yet, fetching those not cached.
  void ensure(const std::vector<std::string>& digests, const Fetch& fetch);
  // The libraries loaded so far ("none" when there are none), for error messages.
  std::string describe() const;

 private:
  void open(const std::string& path, const std::string& label);
  // Creates the cache directory or checks the one there; throws ClusterError saying why not.
  void check_cache_dir() const;

  std::string cache_dir_;
  mutable std::mutex mu_;
  std::set<std::string> loaded_digests_;  // guarded by mu_
  std::vector<std::string> loaded_;       // guarded by mu_: file names, in load order
};

}  // namespace concurry::internal

#endif  // CONCURRY_CLUSTER_NODE_LIB_LOADER_H_
