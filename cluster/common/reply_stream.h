// ReplyStream: the reply side of one call stream on a node (or the head's pool stream). Actor
// threads deliver replies through a BatchWriter (runtime/internal/batch_writer.h, the writer of
// every stream): batched under load, and a reply that is the stream's only outstanding call is
// written at once by the actor thread that produced it. Internal (includes gRPC).
#ifndef CONCURRY_CLUSTER_COMMON_REPLY_STREAM_H_
#define CONCURRY_CLUSTER_COMMON_REPLY_STREAM_H_

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>

#include <functional>
#include <thread>

#include "concurry/cluster/common/reply_sink.h"
#include "concurry/runtime/internal/batch_writer.h"
#include "concurry/proto/concurry.grpc.pb.h"

namespace concurry::internal {

using ServerCallStream = grpc::ServerReaderWriter<proto::ReplyBatch, proto::CallBatch>;

class ReplyStream final : public ReplySink {
 public:
  explicit ReplyStream(ServerCallStream* stream)
      : stream_(stream),
        writer_([this](proto::ReplyBatch& batch) { return stream_->Write(batch); },
                [](const proto::ReplyBatch& batch) { return static_cast<size_t>(batch.call_id_size()); },
                [this] { return in_flight_.load(std::memory_order_relaxed); },
                BatchWriter<proto::ReplyBatch>::Gather::kWhileOutstanding) {}

  void deliver(uint64_t call_id, Bytes reply) override {
    size_t others = in_flight_.fetch_sub(1, std::memory_order_relaxed) - 1;
    writer_.push(
        [&](proto::ReplyBatch& batch) {
          batch.add_call_id(call_id);
          batch.add_reply(std::move(reply));
        },
        others);  // refused once the client is gone: the reply has nowhere to go
    if (others == 0) writer_.wake();  // a closing stream may end now
  }

  void add_in_flight(size_t n) { in_flight_.fetch_add(n, std::memory_order_relaxed); }

  // The writer thread: sends replies until close() and every call of the stream is answered,
  // or the client left; returns only when no thread is writing any more.
  void write_loop() { writer_.run(); }

  // True once the writer ended; waits at most `timeout`.
  bool wait_done(std::chrono::milliseconds timeout) { return writer_.wait_done(timeout); }

  // No more calls will come: the writer ends once the last reply is out.
  void close() { writer_.close(/*linger=*/true); }

  // The client is gone: replies still to come are dropped.
  void abandon() { writer_.abandon(); }

 private:
  ServerCallStream* stream_;
  std::atomic<size_t> in_flight_{0};  // calls of this stream not answered yet
  BatchWriter<proto::ReplyBatch> writer_;
};

// Serves one call stream: every call of every CallBatch goes to `dispatch` (which must see to
// exactly one reply per call through the sink), replies go back batched, and the stream ends
// once the client sent its batch marked `end` and every call is answered (or the client left).
// A batch whose arrays do not line up, or a stream that ends without the marker (a message that
// did not parse), ends with INVALID_ARGUMENT.
using CallDispatch = std::function<void(uint64_t ref, uint64_t call_id, Bytes request,
                                        const std::shared_ptr<ReplySink>& sink)>;

inline grpc::Status serve_call_stream(grpc::ServerContext* context, ServerCallStream* stream,
                                      const CallDispatch& dispatch) {
  auto session = std::make_shared<ReplyStream>(stream);
  std::thread writer([session] { session->write_loop(); });
  proto::CallBatch batch;
  bool malformed = false, ended = false;
  while (!ended && stream->Read(&batch)) {
    int n = batch.request_size();
    if (batch.actor_ref_size() != n || batch.call_id_size() != n) {
      malformed = true;  // the arrays must line up; nothing of this batch can be trusted
      break;
    }
    ended = batch.end();
    session->add_in_flight(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) {
      dispatch(batch.actor_ref(i), batch.call_id(i), std::move(*batch.mutable_request(i)), session);
    }
  }
  // The client finished sending (or left): answer what it sent, unless it is gone.
  session->close();
  while (!session->wait_done(std::chrono::milliseconds(100))) {
    if (context->IsCancelled()) session->abandon();
  }
  writer.join();
  if (malformed) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "malformed CallBatch: actor_ref, call_id and request must have the same "
                        "length");
  }
  if (!ended && !context->IsCancelled()) {
    // gRPC's sync Read() is false alike for a half-close and for bytes that do not parse.
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "the call stream ended without a CallBatch marked end: a message did "
                        "not parse as a CallBatch (or the client half-closed early)");
  }
  return grpc::Status::OK;
}

}  // namespace concurry::internal

#endif  // CONCURRY_CLUSTER_COMMON_REPLY_STREAM_H_
