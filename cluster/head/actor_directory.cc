#include "concurry/cluster/head/actor_directory.h"

namespace concurry::internal {

std::string ActorDirectory::next_id() {
  std::lock_guard<std::mutex> lock(mu_);
  return "actor-" + std::to_string(next_++);
}

void ActorDirectory::add(ActorRecord record) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string id = record.actor_id;
  actors_[id] = std::move(record);
}

std::optional<ActorRecord> ActorDirectory::find(const std::string& actor_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = actors_.find(actor_id);
  if (it == actors_.end()) return std::nullopt;
  return it->second;
}

std::optional<ActorRecord> ActorDirectory::stop(const std::string& actor_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = actors_.find(actor_id);
  if (it == actors_.end() || it->second.state != "ALIVE") return std::nullopt;
  ActorRecord before = it->second;
  it->second.state = "STOPPED";
  return before;
}

std::vector<std::string> ActorDirectory::node_died(const std::string& node_id) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> ids;
  for (auto& [id, actor] : actors_) {
    if (actor.node_id == node_id && actor.state == "ALIVE") {
      actor.state = "DEAD";
      ids.push_back(id);
    }
  }
  return ids;
}

std::vector<ActorRecord> ActorDirectory::all() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<ActorRecord> out;
  for (const auto& [id, actor] : actors_) out.push_back(actor);
  return out;
}

}  // namespace concurry::internal
