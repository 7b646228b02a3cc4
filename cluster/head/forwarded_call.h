// ForwardedCall: a client's pool call on its way through the head to a member. The request
// goes out unchanged, the member's reply comes back unchanged to the client's stream under the
// client's call id; cancellation, failure and a lost member become error replies (a lost
// member's through RemoteCalls::crashed, as everywhere). Retries are the client's to decide.
// Internal.
#ifndef CONCURRY_CLUSTER_HEAD_FORWARDED_CALL_H_
#define CONCURRY_CLUSTER_HEAD_FORWARDED_CALL_H_

#include <memory>
#include <optional>
#include <string>

#include "concurry/cluster/common/reply_sink.h"
#include "concurry/core/wire.h"
#include "concurry/runtime/internal/remote_call_task.h"

namespace concurry::internal {

class ForwardedCall final : public RemoteCallTask {
 public:
  ForwardedCall(uint64_t client_call_id, Bytes request, std::shared_ptr<ReplySink> sink)
      : RemoteCallTask("pool call"), client_call_id_(client_call_id),
        request_(std::move(request)), sink_(std::move(sink)) {}

  size_t member = 0;

  Bytes encode_request(uint64_t) override { return std::move(request_); }
  std::optional<Duration> judge(const Bytes& reply) override {
    reply_ = reply;
    return std::nullopt;  // retries are the client's to decide
  }
  void publish() override { sink_->deliver(client_call_id_, std::move(reply_)); }
  void cancel() override {
    sink_->deliver(client_call_id_,
                   encode_error_reply(client_call_id_, ErrorCode::kWorkerStopped,
                                      "concurry::WorkerStoppedError", "Worker pool is stopped", "head"));
  }
  void fail(std::exception_ptr error) override {
    sink_->deliver(client_call_id_,
                   encode_reply(ReplyMessage{client_call_id_, false, {},
                                             describe_exception(error, "head")}));
  }

 private:
  uint64_t client_call_id_;
  Bytes request_;
  Bytes reply_;
  std::shared_ptr<ReplySink> sink_;
};

}  // namespace concurry::internal

#endif  // CONCURRY_CLUSTER_HEAD_FORWARDED_CALL_H_
