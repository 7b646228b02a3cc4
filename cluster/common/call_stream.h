// CallStream: one bidirectional call stream to one node (Node.Calls: every actor of this
// process on that node shares it) or to the head (Head.PoolCalls: calls to cluster pools, and
// the head's own calls to pool members), multiplexed by call id. Calls are encoded on the
// caller's thread; a writer thread sends everything waiting at that moment as one CallBatch
// (so batches grow under load and a lone call goes out at once); a reader thread hands each
// reply to the call's Caller. When the stream breaks (the node died, or vanished and missed
// keepalives), every call in flight and every later call goes to Caller::lost. Internal.
#ifndef CONCURRY_CLUSTER_COMMON_CALL_STREAM_H_
#define CONCURRY_CLUSTER_COMMON_CALL_STREAM_H_

#include <exception>
#include <memory>
#include <string>

#include "concurry/cluster/common/credentials.h"
#include "concurry/core/serialization.h"

namespace concurry::internal {

class RemoteCallTask;

class CallStream {
 public:
  // What becomes of a sent call. Called on the connection's reader thread (or the sender's,
  // when the call cannot be sent).
  class Caller {
   public:
    virtual ~Caller() = default;
    virtual void replied(std::unique_ptr<RemoteCallTask> task, const Bytes& reply) = 0;
    // The call did not go out: an input future failed, or it was cancelled, or too big.
    virtual void unsent(std::unique_ptr<RemoteCallTask> task, std::exception_ptr error) = 0;
    // The connection is gone (`why` says how: the node died, or the stream broke); or, with
    // `stopped`, its owner closed the stream while it was working (this client disconnected).
    // A stream that broke first is never reported stopped, whoever closes it later.
    virtual void lost(std::unique_ptr<RemoteCallTask> task, const std::string& why,
                      bool stopped) = 0;
  };

  enum class Target { kNode, kHeadPools };

  CallStream(const std::string& address, const Credentials& credentials,
             Target target = Target::kNode);
  ~CallStream();

  void send(uint64_t actor_ref, std::unique_ptr<RemoteCallTask> task,
            std::shared_ptr<Caller> caller);
  // Ends the stream: calls in flight are lost — with `stopped` set unless it had broken already.
  // Idempotent; joins threads.
  void close();
  bool broken() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace concurry::internal

#endif  // CONCURRY_CLUSTER_COMMON_CALL_STREAM_H_
