#include "concurry/cluster/head/placement.h"

#include <algorithm>
#include <cstdio>

#include "concurry/core/errors.h"

namespace concurry::internal {
namespace {

double amount_of(const ResourceMap& m, const std::string& key) {
  auto it = m.find(key);
  return it == m.end() ? 0.0 : it->second;
}

std::string describe(const ResourceMap& m) {
  std::string out;
  for (const auto& [k, v] : m) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%g", v);
    out += (out.empty() ? "" : ", ") + k + ": " + buf;
  }
  return out.empty() ? "nothing" : out;
}

}  // namespace

void PlacementTable::add_node(const std::string& node_id, ResourceMap offered) {
  nodes_.push_back(Node{node_id, std::move(offered), {}, 0});
}

void PlacementTable::remove_node(const std::string& node_id) {
  nodes_.erase(std::remove_if(nodes_.begin(), nodes_.end(),
                              [&](const Node& n) { return n.id == node_id; }),
               nodes_.end());
}

bool PlacementTable::fits(const Node& node, const ResourceMap& required) const {
  for (const auto& [key, amount] : required) {
    if (amount_of(node.offered, key) - amount_of(node.used, key) + 1e-9 < amount) return false;
  }
  return true;
}

std::string PlacementTable::place(const ResourceMap& required, Placement strategy,
                                  const std::set<std::string>& exclude) {
  Node* best = nullptr;
  for (auto& node : nodes_) {
    if (exclude.count(node.id) || !fits(node, required)) continue;
    bool better = !best || (strategy == Placement::kSpread ? node.actors < best->actors
                                                           : node.actors > best->actors);
    if (better) best = &node;
  }
  if (best) {
    for (const auto& [key, amount] : required) best->used[key] += amount;
    ++best->actors;
    return best->id;
  }
  // Say which resource stands in the way, and whether it ever could fit.
  for (const auto& [key, amount] : required) {
    double most = 0;
    for (const auto& node : nodes_) most = std::max(most, amount_of(node.offered, key));
    if (most + 1e-9 < amount) {
      char buf[128];
      std::snprintf(buf, sizeof buf, "%g, but no node offers more than %g", amount, most);
      throw ClusterError("infeasible actor: it needs " + key + ": " + buf + " (it asks for " +
                         describe(required) + "; " + std::to_string(nodes_.size()) +
                         " node(s) alive)");
    }
  }
  throw ResourcesBusyError("no node has " + describe(required) +
                     " free right now (every node that could hold it is busy)");
}

void PlacementTable::release(const std::string& node_id, const ResourceMap& required) {
  for (auto& node : nodes_) {
    if (node.id != node_id) continue;
    for (const auto& [key, amount] : required) {
      node.used[key] = std::max(0.0, node.used[key] - amount);
    }
    if (node.actors > 0) --node.actors;
    return;
  }
}

ResourceMap PlacementTable::free(const std::string& node_id) const {
  ResourceMap out;
  for (const auto& node : nodes_) {
    if (node.id != node_id) continue;
    for (const auto& [key, total] : node.offered) out[key] = total - amount_of(node.used, key);
  }
  return out;
}

}  // namespace concurry::internal
