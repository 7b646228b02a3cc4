#include "concurry/cluster/head/lib_store.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "concurry/cluster/common/digest.h"
#include "concurry/cluster/common/private_dir.h"
#include "concurry/core/errors.h"

namespace concurry::internal {

namespace {

// A library's name becomes a file name (a job's libs/ directory): one plain component only.
bool plain_file_name(const std::string& name) {
  if (name.empty() || name.size() > 255 || name == "." || name == "..") return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-' || c == '+' || c == ' ';
    if (!ok) return false;
  }
  return true;
}

// "sha256:ab12..." -> "sha256-ab12..." (the digest was checked against the content: hex only).
std::string file_name_of(const std::string& digest) {
  std::string out = digest;
  for (auto& c : out) {
    if (c == ':') c = '-';
  }
  return out;
}

}  // namespace

LibStore::LibStore(std::string dir) : dir_(std::move(dir)) {
  if (!dir_.empty()) ensure_private_dir(dir_, "worker library directory");
}

LibStore::~LibStore() {
  std::lock_guard<std::mutex> lock(mu_);
  std::error_code ignored;
  if (made_dir_) std::filesystem::remove_all(dir_, ignored);
}

void LibStore::put(const std::string& digest, std::string name, const std::string& content) {
  if (!plain_file_name(name)) {
    throw InvalidOptionError("library name '" + name.substr(0, 80) + "' is not a plain file name "
                             "(letters, digits, spaces and . _ - + only, at most 255; no '/', ':' or '..')");
  }
  std::string actual = content_digest(content);
  if (actual != digest) {
    throw InvalidOptionError("library '" + name + "' does not match its digest: sent " + digest +
                             ", content hashes to " + actual);
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (libs_.count(digest)) return;  // content-addressed: the same bytes are there already
  if (dir_.empty()) {
    dir_ = make_private_temp_dir("concurry-head-libs-" + std::to_string(::getuid()) + "-");
    made_dir_ = true;
  }
  std::string path = dir_ + "/" + file_name_of(digest);
  std::error_code ignored;
  std::filesystem::remove(path, ignored);  // a file left by an earlier head in a given dir
  write_private_file(path, content, /*executable=*/false);
  libs_.emplace(digest, Entry{std::move(name), std::move(path)});
}

std::optional<LibStore::Lib> LibStore::get(const std::string& digest) const {
  Entry entry;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = libs_.find(digest);
    if (it == libs_.end()) return std::nullopt;
    entry = it->second;
  }
  std::ifstream in(entry.path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return Lib{entry.name, std::make_shared<const std::string>(std::move(bytes).str())};
}

bool LibStore::has(const std::string& digest) const {
  std::lock_guard<std::mutex> lock(mu_);
  return libs_.count(digest) > 0;
}

std::vector<std::string> LibStore::missing(const std::vector<std::string>& digests) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  for (const auto& d : digests) {
    if (!libs_.count(d)) out.push_back(d);
  }
  return out;
}

}  // namespace concurry::internal
