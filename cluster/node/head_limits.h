// HeadLimits: a node's link to the LimitSets its head hosts (shared limits). An acquisition is
// one round trip that also carries every release the node's actors made since the last request
// (served first, so a slot released here is free for the acquisition that follows it). Releases
// never block the actor: with no acquisition coming, a sender thread delivers them at once, many
// per request. Thread-safe. Internal (includes gRPC).
#ifndef CONCURRY_CLUSTER_NODE_HEAD_LIMITS_H_
#define CONCURRY_CLUSTER_NODE_HEAD_LIMITS_H_

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "concurry/core/limit_set.h"
#include "concurry/core/serialization.h"
#include "concurry/proto/concurry.grpc.pb.h"

namespace concurry::internal {

class HeadLimits {
 public:
  HeadLimits(proto::Head::Stub* head, std::string token);
  ~HeadLimits();

  // The limits() of actor `actor_id`: a view of the head-hosted budget.
  LimitSet view_for(const std::string& actor_id);

 private:
  Bytes exchange(const std::string& actor_id, const Bytes& payload);
  void release(const std::string& actor_id, const Bytes& payload);
  void send_loop();

  proto::Head::Stub* head_;
  std::string token_;
  std::mutex mu_;
  std::condition_variable cv_;
  proto::LimitRequest pending_;  // guarded by mu_: releases not sent yet
  bool stopping_ = false;        // guarded by mu_
  std::thread sender_;
};

}  // namespace concurry::internal

#endif  // CONCURRY_CLUSTER_NODE_HEAD_LIMITS_H_
