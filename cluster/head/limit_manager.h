// LimitManager: LimitSets the head hosts for cluster workers on any node — one budget per key,
// built from the definitions the creating client sent (on core/limits, like every LimitSet).
// Each actor using one gets its own LimitHost over the shared set (the process-mode host), so
// that whatever it still holds when it stops or its node dies is given back. Thread-safe. No
// gRPC here.
#ifndef CONCURRY_CLUSTER_HEAD_LIMIT_MANAGER_H_
#define CONCURRY_CLUSTER_HEAD_LIMIT_MANAGER_H_

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "concurry/core/limit_set.h"
#include "concurry/core/serialization.h"
#include "concurry/runtime/internal/limit_channel.h"

namespace concurry::internal {

class LimitManager {
 public:
  // Gives `actor_id` a host over the set `key` (created from `definitions`, limit_codec bytes,
  // when new). Throws concurry::Error on malformed definitions.
  void attach(const std::string& actor_id, const std::string& key, const Bytes& definitions);
  // Serves one request of `actor_id` (see LimitHost::handle); throws concurry::Error when it
  // has no shared limits.
  Bytes handle(const std::string& actor_id, const Bytes& request,
               const CancelCheck& cancelled = {});
  // The actor stopped or died: what it held goes back to the budget.
  void detach(const std::string& actor_id);

 private:
  std::mutex mu_;
  std::map<std::string, LimitSet> sets_;                         // guarded by mu_
  std::map<std::string, std::shared_ptr<LimitHost>> hosts_;     // guarded by mu_
};

}  // namespace concurry::internal

#endif  // CONCURRY_CLUSTER_HEAD_LIMIT_MANAGER_H_
