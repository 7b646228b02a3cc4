#include "concurry/cluster/head/limit_manager.h"

#include "concurry/core/errors.h"
#include "concurry/core/limit_codec.h"

namespace concurry::internal {

void LimitManager::attach(const std::string& actor_id, const std::string& key,
                          const Bytes& definitions) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = sets_.find(key);
  if (it == sets_.end()) {
    it = sets_.emplace(key, LimitSet(decode_limit_definitions(definitions))).first;
  }
  hosts_[actor_id] = std::make_shared<LimitHost>(it->second);
}

Bytes LimitManager::handle(const std::string& actor_id, const Bytes& request,
                           const CancelCheck& cancelled) {
  std::shared_ptr<LimitHost> host;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = hosts_.find(actor_id);
    if (it == hosts_.end()) {
      throw Error("actor '" + actor_id + "' has no limits hosted by this head");
    }
    host = it->second;
  }
  return host->handle(request, cancelled);  // may wait for the budget: never under mu_
}

void LimitManager::detach(const std::string& actor_id) {
  std::shared_ptr<LimitHost> host;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = hosts_.find(actor_id);
    if (it == hosts_.end()) return;
    host = std::move(it->second);
    hosts_.erase(it);
  }
  host->release_all();
}

}  // namespace concurry::internal
