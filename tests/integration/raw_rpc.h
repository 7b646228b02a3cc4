// Raw RPCs for tests that send daemons bytes no typed stub would: any method by its full name
// ("/concurry.proto.Node/Calls"), any bytes as the messages. call() sends `messages` (one for a
// unary or server-streaming method), half-closes, reads up to `max_replies` replies and returns
// the status, all within `deadline`. One operation in flight at a time on a private completion
// queue, so every wait is bounded by the deadline.
#ifndef CONCURRY_TESTS_INTEGRATION_RAW_RPC_H_
#define CONCURRY_TESTS_INTEGRATION_RAW_RPC_H_

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "concurry/cluster/common/auth.h"

namespace concurry_test {

class RawRpc {
 public:
  RawRpc(const std::string& address, std::string token)
      : channel_(grpc::CreateChannel(address, grpc::InsecureChannelCredentials())),
        stub_(channel_),
        token_(std::move(token)) {}

  struct Outcome {
    grpc::Status status;
    int replies = 0;
  };

  Outcome call(const std::string& method, const std::vector<std::string>& messages,
               std::chrono::milliseconds deadline = std::chrono::milliseconds(2000),
               int max_replies = 64, bool half_close = true) {
    grpc::ClientContext context;
    concurry::internal::add_token(&context, token_);
    context.set_deadline(std::chrono::system_clock::now() + deadline);
    grpc::CompletionQueue cq;
    Outcome out;
    std::unique_ptr<grpc::GenericClientAsyncReaderWriter> rpc =
        stub_.PrepareCall(&context, method, &cq);
    auto step = [&cq]() {
      void* tag = nullptr;
      bool ok = false;
      return cq.Next(&tag, &ok) && ok;
    };
    rpc->StartCall(this);
    bool ok = step();
    for (const auto& m : messages) {
      if (!ok) break;
      grpc::Slice slice(m);
      grpc::ByteBuffer buffer(&slice, 1);
      rpc->Write(buffer, this);
      ok = step();
    }
    if (ok && half_close) {
      rpc->WritesDone(this);
      ok = step();
    }
    while (ok && out.replies < max_replies) {
      grpc::ByteBuffer reply;
      rpc->Read(&reply, this);
      ok = step();
      if (ok) ++out.replies;
    }
    if (out.replies >= max_replies || !half_close) context.TryCancel();
    rpc->Finish(&out.status, this);
    step();
    cq.Shutdown();
    void* tag;
    bool ignored;
    while (cq.Next(&tag, &ignored)) {
    }
    return out;
  }

 private:
  std::shared_ptr<grpc::Channel> channel_;
  grpc::GenericStub stub_;
  std::string token_;
};

}  // namespace concurry_test

#endif  // CONCURRY_TESTS_INTEGRATION_RAW_RPC_H_
