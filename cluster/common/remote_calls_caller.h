// RemoteCallsCaller: a CallStream::Caller that hands each reply, and each call that could not be
// sent, to its RemoteCalls (runtime/internal/remote_calls.h: the one outcome path). Subclasses
// — a client's actor link and pool link, the head's pool member — say only what a lost
// connection means for them. Internal.
#ifndef CONCURRY_CLUSTER_COMMON_REMOTE_CALLS_CALLER_H_
#define CONCURRY_CLUSTER_COMMON_REMOTE_CALLS_CALLER_H_

#include <exception>
#include <memory>
#include <utility>

#include "concurry/cluster/common/call_stream.h"
#include "concurry/runtime/internal/remote_calls.h"

namespace concurry::internal {

class RemoteCallsCaller : public CallStream::Caller {
 public:
  void replied(std::unique_ptr<RemoteCallTask> task, const Bytes& reply) final {
    calls_->replied(std::move(task), reply);
  }
  void unsent(std::unique_ptr<RemoteCallTask> task, std::exception_ptr error) final {
    calls_->failed(std::move(task), std::move(error));
  }

 protected:
  std::shared_ptr<RemoteCalls> calls_;
};

}  // namespace concurry::internal

#endif  // CONCURRY_CLUSTER_COMMON_REMOTE_CALLS_CALLER_H_
