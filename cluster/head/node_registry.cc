#include "concurry/cluster/head/node_registry.h"

namespace concurry::internal {

std::string NodeRegistry::add(std::string address, std::map<std::string, double> resources,
                              Clock::time_point now) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string id = "node-" + std::to_string(next_id_++);
  nodes_[id] = NodeRecord{id, std::move(address), std::move(resources), now, true};
  return id;
}

bool NodeRegistry::heartbeat(const std::string& node_id, Clock::time_point now) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = nodes_.find(node_id);
  if (it == nodes_.end() || !it->second.alive) return false;
  it->second.last_heartbeat = now;
  return true;
}

std::vector<std::string> NodeRegistry::sweep(Clock::time_point now) {
  std::vector<std::string> died;
  std::lock_guard<std::mutex> lock(mu_);
  bool stalled = last_sweep_ != Clock::time_point() && now - last_sweep_ > stall_gap();
  last_sweep_ = now;
  if (stalled) {
    // The head itself did not run (paused, starved): the heartbeats sent meanwhile still wait
    // unread in its sockets. Silence the head caused kills nobody: every node starts afresh.
    // (Safe for fencing: a node's lease only ever ends before the head would declare it dead.)
    for (auto& [id, node] : nodes_) {
      if (node.alive) node.last_heartbeat = now;
    }
    return died;
  }
  for (auto& [id, node] : nodes_) {
    if (node.alive && now - node.last_heartbeat > timeout_) {
      node.alive = false;
      died.push_back(id);
    }
  }
  std::vector<std::string> forget = dead_.expired(now);
  for (const auto& id : died) {
    for (auto& old : dead_.ended(id, now)) forget.push_back(std::move(old));
  }
  for (const auto& id : forget) nodes_.erase(id);
  return died;
}

std::vector<NodeRecord> NodeRegistry::nodes() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<NodeRecord> out;
  for (const auto& [id, node] : nodes_) out.push_back(node);
  return out;
}

}  // namespace concurry::internal
