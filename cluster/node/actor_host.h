// ActorHost: the actor instances a node hosts. Each actor has its own executor (a thread), so
// calls to one actor run one at a time in arrival order while different actors run in
// parallel; calls are executed from their protobuf envelopes through the registry, and every
// call gets exactly one reply envelope (value, the method's error, or "actor stopped"), handed
// to the ReplySink of the stream it came on. A call starts only while the node's lease holds
// (lease.h: fencing); on a node declared dead it is answered WorkerCrashedError unrun. Thread-safe.
// No gRPC here.
#ifndef CONCURRY_CLUSTER_NODE_ACTOR_HOST_H_
#define CONCURRY_CLUSTER_NODE_ACTOR_HOST_H_

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "concurry/cluster/common/reply_sink.h"
#include "concurry/core/duration.h"
#include "concurry/core/limit_set.h"
#include "concurry/core/serialization.h"

namespace concurry::internal {

class Executor;
class Lease;
struct ClassEntry;

struct ActorInfo {
  std::string actor_id;
  std::string class_name;  // "" for a host of registered functions
};

class ActorHost {
 public:
  struct Created {
    bool ok = false;
    uint64_t ref = 0;  // the actor's number on call streams
    Bytes init_reply;  // the constructor's reply envelope
  };

  // Calls run only while `lease` holds (may be null: always).
  explicit ActorHost(const Lease* lease = nullptr);
  ~ActorHost();

  // Constructs `class_name` (or, when empty, a host of registered functions) from the encoded
  // CONCURRY_INIT arguments; `limits` (may be empty) becomes the instance's limits() (classes
  // deriving from concurry::Worker). Never throws: a failure is an error reply. `context` is
  // appended to "class not registered" errors (which libraries were searched).
  Created create(const std::string& actor_id, const std::string& class_name, uint32_t ctor_index,
                 const Bytes& ctor_args, LimitSet limits, const std::string& context);
  // Runs a call on actor `ref`; an unknown ref gets an error reply naming it.
  void call(uint64_t ref, uint64_t call_id, Bytes request, const std::shared_ptr<ReplySink>& sink);
  // The actor `ref` and its class (null for a host of functions); false when it is not hosted.
  bool lookup(uint64_t ref, ActorInfo* info, const ClassEntry** cls) const;
  // Stops an actor: queued calls are answered "stopped", a running one gets until `timeout`.
  // False when no such actor is hosted.
  bool stop(const std::string& actor_id, Duration timeout);
  void stop_all(Duration timeout);
  std::vector<ActorInfo> actors() const;

 private:
  struct Actor;
  std::shared_ptr<Actor> find(uint64_t ref) const;

  const Lease* lease_;
  mutable std::mutex mu_;
  std::map<uint64_t, std::shared_ptr<Actor>> by_ref_;  // guarded by mu_
  std::map<std::string, uint64_t> by_id_;              // guarded by mu_
  uint64_t next_ref_ = 1;                              // guarded by mu_
};

}  // namespace concurry::internal

#endif  // CONCURRY_CLUSTER_NODE_ACTOR_HOST_H_
