#include "concurry/cluster/head/lib_store.h"

#include "concurry/cluster/common/digest.h"
#include "concurry/core/errors.h"

namespace concurry::internal {

void LibStore::put(const std::string& digest, std::string name, std::string content) {
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
