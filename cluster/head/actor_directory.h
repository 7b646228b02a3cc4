// ActorDirectory: the head's record of every actor — class, name, owning client session, the
// node it lives on and its number there, what it holds, its state (ALIVE, RESTARTING, STOPPED,
// DEAD) and restarts. Names are unique among actors not yet stopped or dead, and released when
// they are. Keeps each actor's creation request so that it can be re-created after its node
// dies (max_restarts). Thread-safe; waiters can wait for a restarting actor. No gRPC here.
#ifndef CONCURRY_CLUSTER_HEAD_ACTOR_DIRECTORY_H_
#define CONCURRY_CLUSTER_HEAD_ACTOR_DIRECTORY_H_

#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "concurry/core/duration.h"
#include "concurry/core/history.h"

namespace concurry::internal {

struct ActorRecord {
  std::string actor_id;
  std::string class_name;
  std::string name;        // "" = unnamed
  std::string session_id;  // the client that created it
  std::string node_id;
  std::string node_address;
  uint64_t actor_ref = 0;  // its number on its node
  std::map<std::string, double> resources;
  std::string state = "ALIVE";  // ALIVE | RESTARTING | STOPPED | DEAD
  int max_restarts = 0;         // -1: unlimited
  int restarts = 0;
  std::string create_request;  // the serialized CreateActorRequest, to re-create it
};

class ActorDirectory {
 public:
  // Stopped and dead actors are kept for status as long as `history` allows, then forgotten.
  explicit ActorDirectory(HistoryLimits history = {}) : ended_(history) {}

  // A new actor id ("actor-1", "actor-2", ...).
  std::string next_id();
  // Claims `name` for `actor_id`; false when an actor not stopped or dead has it.
  bool claim_name(const std::string& name, const std::string& actor_id);
  void release_name(const std::string& name, const std::string& actor_id);

  void add(ActorRecord record);
  std::optional<ActorRecord> find(const std::string& actor_id) const;
  std::optional<ActorRecord> find_by_name(const std::string& name) const;
  // With a deadline: waits while the actor is RESTARTING — and, with `lost_node_id`, while it is
  // ALIVE on that node (a caller lost it: its fate is not settled until the node is declared
  // dead, or the deadline shows it alive).
  std::optional<ActorRecord> settled(const std::string& actor_id, Clock::time_point deadline,
                                     const std::string& lost_node_id = "") const;

  // Marks an actor stopped (its name is free again); returns it as it was, or nullopt when
  // unknown or already stopped/dead.
  std::optional<ActorRecord> stop(const std::string& actor_id);
  // `node_id` died: its actors with restarts left become RESTARTING (returned, to re-create),
  // the others DEAD.
  std::vector<ActorRecord> node_died(const std::string& node_id);
  void restarted(const std::string& actor_id, const std::string& node_id,
                 const std::string& address, uint64_t actor_ref);
  void restart_failed(const std::string& actor_id);
  // The live unnamed actors of a session that ended.
  std::vector<ActorRecord> session_ended(const std::string& session_id) const;
  std::vector<ActorRecord> all() const;

 private:
  void end(ActorRecord& actor, const char* state);  // with mu_ held
  void forget_ended();                               // with mu_ held: what end() let go

  mutable std::mutex mu_;
  mutable std::condition_variable changed_;
  std::map<std::string, ActorRecord> actors_;  // guarded by mu_
  std::map<std::string, std::string> names_;   // guarded by mu_: name -> actor id
  int next_ = 1;                               // guarded by mu_
  History ended_;                              // guarded by mu_
  std::vector<std::string> forget_;            // guarded by mu_: ids past the history
};

}  // namespace concurry::internal

#endif  // CONCURRY_CLUSTER_HEAD_ACTOR_DIRECTORY_H_
