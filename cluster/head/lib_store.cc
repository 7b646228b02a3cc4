#include "concurry/cluster/head/lib_store.h"

#include "concurry/cluster/common/digest.h"
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

}  // namespace

void LibStore::put(const std::string& digest, std::string name, std::string content) {
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
  libs_.emplace(digest, Lib{std::move(name), std::make_shared<const std::string>(std::move(content))});
}

std::optional<LibStore::Lib> LibStore::get(const std::string& digest) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = libs_.find(digest);
  if (it == libs_.end()) return std::nullopt;
  return it->second;
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
