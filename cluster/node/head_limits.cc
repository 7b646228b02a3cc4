#include "concurry/cluster/node/head_limits.h"

#include "concurry/cluster/common/auth.h"
#include "concurry/core/errors.h"
#include "concurry/runtime/internal/limit_channel.h"

namespace concurry::internal {

HeadLimits::HeadLimits(proto::Head::Stub* head, std::string token)
    : head_(head), token_(std::move(token)), sender_([this] { send_loop(); }) {}

HeadLimits::~HeadLimits() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  sender_.join();
}

LimitSet HeadLimits::view_for(const std::string& actor_id) {
  return LimitSet(make_child_limit_service(
      [this, actor_id](const Bytes& payload) { return exchange(actor_id, payload); },
      [this, actor_id](const Bytes& payload) { release(actor_id, payload); }));
}

Bytes HeadLimits::exchange(const std::string& actor_id, const Bytes& payload) {
  proto::LimitRequest request;
  {
    std::lock_guard<std::mutex> lock(mu_);
    request.Swap(&pending_);  // the releases so far ride along
  }
  request.set_actor_id(actor_id);
  request.set_payload(payload);
  grpc::ClientContext context;
  add_token(&context, token_);
  proto::LimitReply reply;
  grpc::Status status = head_->Limit(&context, request, &reply);
  if (!status.ok()) {
    throw ClusterError("the head could not serve this actor's limits: " + status.error_message());
  }
  return std::move(*reply.mutable_payload());
}

void HeadLimits::release(const std::string& actor_id, const Bytes& payload) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto* release = pending_.add_releases();
    release->set_actor_id(actor_id);
    release->set_payload(payload);
  }
  cv_.notify_one();
}

void HeadLimits::send_loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return stopping_ || pending_.releases_size() > 0; });
    if (pending_.releases_size() == 0) return;  // stopping, nothing left
    proto::LimitRequest request;
    request.Swap(&pending_);
    lock.unlock();
    grpc::ClientContext context;
    add_token(&context, token_);
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    proto::LimitReply ignored;
    // A release the head cannot take is given back anyway when the actor ends.
    head_->Limit(&context, request, &ignored);
    lock.lock();
  }
}

}  // namespace concurry::internal
