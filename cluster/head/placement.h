// Placement: which node an actor goes to. Each node offers resources (cpu, gpu, mem_gb, custom);
// an actor asks for some (default {cpu: 1}). `spread` picks the feasible node with the fewest
// actors (spreading load), `pack` the feasible node with the most (filling nodes up); ties go to
// the node registered first. A request no node could ever hold, or none can hold now, throws
// ClusterError naming the resource. Not thread-safe: the head serializes calls. No gRPC here.
#ifndef CONCURRY_CLUSTER_HEAD_PLACEMENT_H_
#define CONCURRY_CLUSTER_HEAD_PLACEMENT_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "concurry/core/option_values.h"

namespace concurry::internal {

using ResourceMap = std::map<std::string, double>;

class PlacementTable {
 public:
  void add_node(const std::string& node_id, ResourceMap offered);
  // Forgets a node (it died); what it held is gone with it.
  void remove_node(const std::string& node_id);

  // Reserves `required` on a node and returns its id.
  // `exclude`: nodes not to use this time (one that could not be reached a moment ago).
  std::string place(const ResourceMap& required, Placement strategy,
                    const std::set<std::string>& exclude = {});
  // Gives back what an actor placed on `node_id` held.
  void release(const std::string& node_id, const ResourceMap& required);

  // What `node_id` has free now.
  ResourceMap free(const std::string& node_id) const;

 private:
  struct Node {
    std::string id;
    ResourceMap offered;
    ResourceMap used;
    int actors = 0;
  };
  bool fits(const Node& node, const ResourceMap& required) const;
  std::vector<Node> nodes_;  // registration order
};

}  // namespace concurry::internal

#endif  // CONCURRY_CLUSTER_HEAD_PLACEMENT_H_
