// LibStore: the worker libraries clients uploaded to the head, keyed by content digest, kept
// on disk (not in memory) for nodes to fetch: one file per library in a private directory
// (ensure_private_dir; without one given, a fresh mkdtemp one at the first upload, removed when
// the store goes), written without following links. Uploading bytes that do not match their
// digest, or a name that is not a plain file name, is refused. Thread-safe. No gRPC here.
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
    std::shared_ptr<const std::string> content;  // read from disk for this get()
  };
  // `dir`: where the files go ("" = a fresh private temporary directory, made when needed).
  explicit LibStore(std::string dir = "");
  ~LibStore();
  LibStore(const LibStore&) = delete;
  LibStore& operator=(const LibStore&) = delete;

  // Throws InvalidOptionError when `content` does not hash to `digest` or `name` is not a plain
  // file name; concurry::Error when the file cannot be written.
  void put(const std::string& digest, std::string name, const std::string& content);
  // The library, read from its file; nullopt when never uploaded (or its file is gone).
  std::optional<Lib> get(const std::string& digest) const;
  bool has(const std::string& digest) const;
  // Those of `digests` not stored yet.
  std::vector<std::string> missing(const std::vector<std::string>& digests) const;

 private:
  struct Entry {
    std::string name;
    std::string path;
  };
  mutable std::mutex mu_;
  std::string dir_;                     // guarded by mu_: "" until the first upload makes one
  bool made_dir_ = false;               // guarded by mu_: ours to remove
  std::map<std::string, Entry> libs_;   // guarded by mu_
};

}  // namespace concurry::internal

#endif  // CONCURRY_CLUSTER_HEAD_LIB_STORE_H_
