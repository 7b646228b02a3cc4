#include "concurry/cluster/node/lib_loader.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "concurry/cluster/common/digest.h"
#include "concurry/cluster/common/private_dir.h"
#include "concurry/core/errors.h"

namespace concurry::internal {
namespace {

std::string base_name(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// The digest of the file at `path`, read without following a link; "" when unreadable.
std::string file_digest(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return "";
  std::string bytes;
  char chunk[1 << 16];
  ssize_t n;
  while ((n = ::read(fd, chunk, sizeof chunk)) > 0) bytes.append(chunk, static_cast<size_t>(n));
  ::close(fd);
  return n < 0 ? "" : content_digest(bytes);
}

}  // namespace

LibLoader::LibLoader(std::string cache_dir) : cache_dir_(std::move(cache_dir)) {}

void LibLoader::check_cache_dir() const { ensure_private_dir(cache_dir_, "library cache"); }

void LibLoader::open(const std::string& path, const std::string& label) {
  if (::dlopen(path.c_str(), RTLD_NOW | RTLD_GLOBAL) == nullptr) {
    const char* why = ::dlerror();
    throw ClusterError("cannot load worker library '" + label + "': " + (why ? why : "unknown"));
  }
  loaded_.push_back(label);
}

void LibLoader::preload(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  open(path, path);
  try {
    loaded_digests_.insert(content_digest(read_file_bytes(path)));
  } catch (const std::exception&) {
    // Loaded all the same; a client shipping the same bytes then loads a second copy, which
    // registers nothing new.
  }
}

void LibLoader::ensure(const std::vector<std::string>& digests, const Fetch& fetch) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const std::string& digest : digests) {
    if (loaded_digests_.count(digest)) continue;
    std::string hex = digest.substr(digest.find(':') + 1);
    if (hex.empty() || hex.find_first_not_of("0123456789abcdef") != std::string::npos) {
      throw ClusterError("malformed worker library digest '" + digest + "'");
    }
    check_cache_dir();
    std::string path = cache_dir_ + "/" + hex + ".so";
    std::string name = hex.substr(0, 12) + ".so";
    std::string name_path = cache_dir_ + "/" + hex + ".name";
    // A cached copy is loaded only if its bytes still have the digest (hashed again now).
    if (file_digest(path) == digest) {
      std::ifstream cached_name(name_path);
      std::getline(cached_name, name);
      if (name.empty()) name = hex.substr(0, 12) + ".so";
    } else {
      auto [fetched_name, bytes] = fetch(digest);
      if (content_digest(bytes) != digest) {
        throw ClusterError("worker library " + fetched_name + " arrived with different content "
                           "than its digest " + digest);
      }
      name = fetched_name;
      // Written aside and renamed: another node sharing the cache never sees half a file.
      std::string partial = path + ".part" + std::to_string(::getpid());
      {
        std::ofstream out(partial, std::ios::binary | std::ios::trunc);
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        if (!out) throw ClusterError("cannot write the library cache " + partial + ": " +
                                     std::strerror(errno));
      }
      std::ofstream(name_path, std::ios::trunc) << name << "\n";
      if (std::rename(partial.c_str(), path.c_str()) != 0) {
        throw ClusterError("cannot write the library cache " + path + ": " + std::strerror(errno));
      }
    }
    open(path, name + " (" + digest.substr(0, 19) + ")");
    loaded_digests_.insert(digest);
  }
}

std::string LibLoader::describe() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (loaded_.empty()) return "none";
  std::string out;
  for (const auto& name : loaded_) out += (out.empty() ? "" : ", ") + base_name(name);
  return out;
}

}  // namespace concurry::internal
