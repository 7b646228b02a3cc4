// StreamSession: the reply side of one call stream on a node. Actor threads deliver replies;
// they go out batched — everything waiting when the writer thread gets to it is one
// ReplyBatch — except that a reply which is the stream's only outstanding call is written at
// once by the actor thread that produced it (no thread hop on the one-call-at-a-time path).
// At most one thread writes at any time. Internal (includes gRPC).
#ifndef CONCURRY_CLUSTER_NODE_STREAM_SESSION_H_
#define CONCURRY_CLUSTER_NODE_STREAM_SESSION_H_

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "concurry/cluster/node/actor_host.h"
#include "concurry/proto/concurry.grpc.pb.h"

namespace concurry::internal {

using CallStream = grpc::ServerReaderWriter<proto::ReplyBatch, proto::CallBatch>;

class StreamSession final : public ReplySink {
 public:
  explicit StreamSession(CallStream* stream) : stream_(stream) {}

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
  CallStream* stream_;
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

}  // namespace concurry::internal

#endif  // CONCURRY_CLUSTER_NODE_STREAM_SESSION_H_
