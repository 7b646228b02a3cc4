// ReplySink: where the replies of one call stream go, one per call, from whatever thread
// finished it (an actor's thread on a node; the head's stream reader for pool calls). No gRPC.
// Internal.
#ifndef CONCURRY_CLUSTER_COMMON_REPLY_SINK_H_
#define CONCURRY_CLUSTER_COMMON_REPLY_SINK_H_

#include <cstdint>

#include "concurry/core/serialization.h"

namespace concurry::internal {

class ReplySink {
 public:
  virtual ~ReplySink() = default;
  virtual void deliver(uint64_t call_id, Bytes reply) = 0;
};

}  // namespace concurry::internal

#endif  // CONCURRY_CLUSTER_COMMON_REPLY_SINK_H_
