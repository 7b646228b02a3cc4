// ReplyStream: the reply side of one call stream on a node. Actor threads deliver replies;
// they go out batched — everything waiting when the writer thread gets to it is one
// ReplyBatch — except that a reply which is the stream's only outstanding call is written at
// once by the actor thread that produced it (no thread hop on the one-call-at-a-time path).
// At most one thread writes at any time. Internal (includes gRPC).
#ifndef CONCURRY_CLUSTER_COMMON_REPLY_STREAM_H_
#define CONCURRY_CLUSTER_COMMON_REPLY_STREAM_H_

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <condition_variable>
#include <mutex>

#include <functional>
#include <thread>

#include "concurry/cluster/common/reply_sink.h"
#include "concurry/proto/concurry.grpc.pb.h"

namespace concurry::internal {

using ServerCallStream = grpc::ServerReaderWriter<proto::ReplyBatch, proto::CallBatch>;

class ReplyStream final : public ReplySink {
 public:
  explicit ReplyStream(ServerCallStream* stream) : stream_(stream) {}

  void deliver(uint64_t call_id, Bytes reply) override {
    std::unique_lock<std::mutex> lock(mu_);
    --in_flight_;
    if (in_flight_ == 0 && !writing_ && !broken_ && outbox_.call_id_size() == 0) {
      writing_ = true;  // the only call outstanding: write it from here, now
      lock.unlock();
      proto::ReplyBatch one;
      one.add_call_id(call_id);
      one.add_reply(std::move(reply));
      bool ok = stream_->Write(one);
      lock.lock();
      writing_ = false;
      if (!ok) broken_ = true;
      lock.unlock();
      cv_.notify_all();
      return;
    }
    outbox_.add_call_id(call_id);
    outbox_.add_reply(std::move(reply));
    bool wake = writer_waiting_ || (closing_ && in_flight_ == 0);
    lock.unlock();
    if (wake) cv_.notify_all();
  }

  void add_in_flight(size_t n) {
    std::lock_guard<std::mutex> lock(mu_);
    in_flight_ += n;
  }

  // The writer thread: sends replies until close() and every call of the stream is answered,
  // or the client left; returns only when no thread is writing any more.
  void write_loop() {
    proto::ReplyBatch batch;
    std::unique_lock<std::mutex> lock(mu_);
    while (true) {
      writer_waiting_ = true;
      cv_.wait(lock, [&] {
        return broken_ || (!writing_ && (outbox_.call_id_size() > 0 || (closing_ && in_flight_ == 0)));
      });
      writer_waiting_ = false;
      if (broken_ || outbox_.call_id_size() == 0) break;
      // Many calls still running (a busy pool member set): let their replies gather for a
      // moment (≤ 20 µs) so that one message carries many; a lone reply never waits here.
      if (in_flight_ > static_cast<size_t>(outbox_.call_id_size())) {
        auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(20);
        while (outbox_.call_id_size() < 64 && in_flight_ > 0 &&
               std::chrono::steady_clock::now() < until) {
          lock.unlock();
          std::this_thread::yield();
          lock.lock();
        }
      }
      batch.Swap(&outbox_);
      writing_ = true;
      lock.unlock();
      bool ok = stream_->Write(batch);
      batch.Clear();
      lock.lock();
      writing_ = false;
      if (!ok) broken_ = true;  // the client is gone; later replies have nowhere to go
    }
    broken_ = true;  // no direct writes after this
    cv_.wait(lock, [&] { return !writing_; });
    done_ = true;
    cv_.notify_all();
  }

  // True once the writer ended; waits at most `timeout`.
  bool wait_done(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return done_; });
  }

  // No more calls will come: the writer ends once the last reply is out.
  void close() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      closing_ = true;
    }
    cv_.notify_all();
  }

  // The client is gone: replies still to come are dropped.
  void abandon() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      broken_ = true;
    }
    cv_.notify_all();
  }

 private:
  ServerCallStream* stream_;
  std::mutex mu_;
  std::condition_variable cv_;
  proto::ReplyBatch outbox_;     // guarded by mu_
  size_t in_flight_ = 0;         // guarded by mu_
  bool writing_ = false;         // guarded by mu_: a Write is in progress
  bool writer_waiting_ = false;  // guarded by mu_
  bool closing_ = false;         // guarded by mu_
  bool broken_ = false;          // guarded by mu_
  bool done_ = false;            // guarded by mu_
};

// Serves one call stream: every call of every CallBatch goes to `dispatch` (which must see to
// exactly one reply per call through the sink), replies go back batched, and the stream ends
// once the client finished sending and every call is answered (or the client left). A batch
// whose arrays do not line up ends the stream with INVALID_ARGUMENT.
using CallDispatch = std::function<void(uint64_t ref, uint64_t call_id, Bytes request,
                                        const std::shared_ptr<ReplySink>& sink)>;

inline grpc::Status serve_call_stream(grpc::ServerContext* context, ServerCallStream* stream,
                                      const CallDispatch& dispatch) {
  auto session = std::make_shared<ReplyStream>(stream);
  std::thread writer([session] { session->write_loop(); });
  proto::CallBatch batch;
  bool malformed = false;
  while (stream->Read(&batch)) {
    int n = batch.request_size();
    if (batch.actor_ref_size() != n || batch.call_id_size() != n) {
      malformed = true;  // the arrays must line up; nothing of this batch can be trusted
      break;
    }
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
  return grpc::Status::OK;
}

}  // namespace concurry::internal

#endif  // CONCURRY_CLUSTER_COMMON_REPLY_STREAM_H_
