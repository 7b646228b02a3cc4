// ActorDirectory: the head's record of every actor — its class, the node it lives on, what it
// holds, and its state (ALIVE, STOPPED, or DEAD when its node died). Thread-safe. No gRPC here.
#ifndef CONCURRY_CLUSTER_HEAD_ACTOR_DIRECTORY_H_
#define CONCURRY_CLUSTER_HEAD_ACTOR_DIRECTORY_H_

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace concurry::internal {

struct ActorRecord {
  std::string actor_id;
  std::string class_name;
  std::string node_id;
  std::map<std::string, double> resources;
  std::string state = "ALIVE";  // ALIVE | STOPPED | DEAD
};

class ActorDirectory {
 public:
  // A new actor id ("actor-1", "actor-2", ...).
  std::string next_id();
  void add(ActorRecord record);
  std::optional<ActorRecord> find(const std::string& actor_id) const;
  // Marks an actor stopped; returns its record as it was (nullopt when unknown or not alive).
  std::optional<ActorRecord> stop(const std::string& actor_id);
  // Marks every live actor of `node_id` dead; returns their ids.
  std::vector<std::string> node_died(const std::string& node_id);
  std::vector<ActorRecord> all() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, ActorRecord> actors_;  // guarded by mu_
  int next_ = 1;                               // guarded by mu_
};

}  // namespace concurry::internal

#endif  // CONCURRY_CLUSTER_HEAD_ACTOR_DIRECTORY_H_
