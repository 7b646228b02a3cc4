#include "concurry/cluster/head/actor_directory.h"

namespace concurry::internal {

std::string ActorDirectory::next_id() {
  std::lock_guard<std::mutex> lock(mu_);
  return "actor-" + std::to_string(next_++);
}

bool ActorDirectory::claim_name(const std::string& name, const std::string& actor_id) {
  std::lock_guard<std::mutex> lock(mu_);
  return names_.emplace(name, actor_id).second;
}

void ActorDirectory::release_name(const std::string& name, const std::string& actor_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = names_.find(name);
  if (it != names_.end() && it->second == actor_id) names_.erase(it);
}

void ActorDirectory::add(ActorRecord record) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string id = record.actor_id;
  actors_[id] = std::move(record);
  changed_.notify_all();
}

std::optional<ActorRecord> ActorDirectory::find(const std::string& actor_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = actors_.find(actor_id);
  if (it == actors_.end()) return std::nullopt;
  return it->second;
}

std::optional<ActorRecord> ActorDirectory::find_by_name(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto named = names_.find(name);
  if (named == names_.end()) return std::nullopt;
  auto it = actors_.find(named->second);
  if (it == actors_.end()) return std::nullopt;  // claimed, still being created
  return it->second;
}

std::optional<ActorRecord> ActorDirectory::settled(const std::string& actor_id,
                                                   Clock::time_point deadline,
                                                   const std::string& lost_node_id) const {
  std::unique_lock<std::mutex> lock(mu_);
  changed_.wait_until(lock, deadline, [&] {
    auto it = actors_.find(actor_id);
    if (it == actors_.end()) return true;
    const ActorRecord& a = it->second;
    if (a.state == "RESTARTING") return false;
    return lost_node_id.empty() || a.state != "ALIVE" || a.node_id != lost_node_id;
  });
  auto it = actors_.find(actor_id);
  if (it == actors_.end()) return std::nullopt;
  return it->second;
}

void ActorDirectory::end(ActorRecord& actor, const char* state) {
  actor.state = state;
  for (auto& id : ended_.ended(actor.actor_id, Clock::now())) forget_.push_back(std::move(id));
  if (!actor.name.empty()) {
    auto it = names_.find(actor.name);
    if (it != names_.end() && it->second == actor.actor_id) names_.erase(it);
  }
  changed_.notify_all();
}

void ActorDirectory::forget_ended() {
  for (auto& id : ended_.expired(Clock::now())) forget_.push_back(std::move(id));
  for (const auto& id : forget_) actors_.erase(id);
  forget_.clear();
}

std::optional<ActorRecord> ActorDirectory::stop(const std::string& actor_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = actors_.find(actor_id);
  if (it == actors_.end() || it->second.state == "STOPPED" || it->second.state == "DEAD") {
    return std::nullopt;
  }
  ActorRecord before = it->second;
  end(it->second, "STOPPED");
  forget_ended();
  return before;
}

std::vector<ActorRecord> ActorDirectory::node_died(const std::string& node_id) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<ActorRecord> restarting;
  for (auto& [id, actor] : actors_) {
    if (actor.node_id != node_id || actor.state != "ALIVE") continue;
    if (actor.max_restarts < 0 || actor.restarts < actor.max_restarts) {
      actor.state = "RESTARTING";
      restarting.push_back(actor);
    } else {
      end(actor, "DEAD");
    }
  }
  forget_ended();
  changed_.notify_all();
  return restarting;
}

void ActorDirectory::restarted(const std::string& actor_id, const std::string& node_id,
                               const std::string& address, uint64_t actor_ref) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = actors_.find(actor_id);
  if (it == actors_.end() || it->second.state != "RESTARTING") return;
  it->second.node_id = node_id;
  it->second.node_address = address;
  it->second.actor_ref = actor_ref;
  it->second.state = "ALIVE";
  ++it->second.restarts;
  changed_.notify_all();
}

void ActorDirectory::restart_failed(const std::string& actor_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = actors_.find(actor_id);
  if (it != actors_.end() && it->second.state == "RESTARTING") end(it->second, "DEAD");
  forget_ended();
}

std::vector<ActorRecord> ActorDirectory::session_ended(const std::string& session_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<ActorRecord> out;
  for (const auto& [id, actor] : actors_) {
    if (actor.session_id == session_id && actor.name.empty() &&
        (actor.state == "ALIVE" || actor.state == "RESTARTING")) {
      out.push_back(actor);
    }
  }
  return out;
}

std::vector<ActorRecord> ActorDirectory::all() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<ActorRecord> out;
  for (const auto& [id, actor] : actors_) out.push_back(actor);
  return out;
}

}  // namespace concurry::internal
