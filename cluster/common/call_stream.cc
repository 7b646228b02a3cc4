#include "concurry/cluster/common/call_stream.h"

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "concurry/cluster/common/auth.h"
#include "concurry/cluster/common/grpc_options.h"
#include "concurry/core/errors.h"
#include "concurry/proto/concurry.grpc.pb.h"
#include "concurry/runtime/internal/remote_call_task.h"

namespace concurry::internal {

struct CallStream::Impl {
  struct Pending {
    std::unique_ptr<RemoteCallTask> task;
    std::shared_ptr<Caller> caller;
  };

  std::string address;
  std::unique_ptr<proto::Node::Stub> stub;
  std::unique_ptr<proto::Head::Stub> head_stub;
  std::string what;  // "node" or "head"
  grpc::ClientContext context;
  std::unique_ptr<grpc::ClientReaderWriter<proto::CallBatch, proto::ReplyBatch>> stream;
  std::atomic<uint64_t> next_id{1};

  mutable std::mutex mu;
  std::condition_variable cv;
  proto::CallBatch outbox;                        // guarded by mu
  std::unordered_map<uint64_t, Pending> pending;  // guarded by mu
  bool writer_waiting = false;                    // guarded by mu
  bool writing = false;                           // guarded by mu: a Write is in progress
  bool writer_done = false;                       // guarded by mu
  bool closing = false;                           // guarded by mu
  bool closed_intact = false;                     // guarded by mu: close() found it unbroken
  bool broken = false;                            // guarded by mu
  std::string death;                              // guarded by mu
  std::thread writer, reader;

  void write_loop() {
    proto::CallBatch batch;
    std::unique_lock<std::mutex> lock(mu);
    while (true) {
      writer_waiting = true;
      cv.wait(lock, [&] { return broken || (!writing && (outbox.call_id_size() > 0 || closing)); });
      writer_waiting = false;
      if (broken || outbox.call_id_size() == 0) break;
      // Calls keep coming (a pipelining producer, or the head forwarding a client's batch):
      // while the outbox still grows, give it a moment (≤ 20 µs) so one message carries many.
      if (pending.size() > static_cast<size_t>(outbox.call_id_size())) {
        auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(20);
        int seen = outbox.call_id_size();
        while (seen < 64 && std::chrono::steady_clock::now() < until) {
          lock.unlock();
          std::this_thread::yield();
          lock.lock();
          if (outbox.call_id_size() == seen) break;  // stopped growing: send what is there
          seen = outbox.call_id_size();
        }
      }
      batch.Swap(&outbox);
      writing = true;
      lock.unlock();
      bool ok = stream->Write(batch);
      batch.Clear();
      lock.lock();
      writing = false;
      if (!ok) break;  // the stream is over: the reader fails what is left
    }
    broken = true;  // no direct writes after this
    cv.wait(lock, [&] { return !writing; });
    writer_done = true;
    cv.notify_all();
  }

  void read_loop() {
    proto::ReplyBatch batch;
    std::vector<std::pair<Pending, int>> done;
    while (stream->Read(&batch)) {
      int n = std::min(batch.call_id_size(), batch.reply_size());
      {
        std::lock_guard<std::mutex> lock(mu);
        for (int i = 0; i < n; ++i) {
          auto it = pending.find(batch.call_id(i));
          if (it == pending.end()) continue;  // not ours (a malformed reply): dropped
          done.emplace_back(std::move(it->second), i);
          pending.erase(it);
        }
      }
      for (auto& [p, i] : done) p.caller->replied(std::move(p.task), batch.reply(i));
      done.clear();
    }
    std::unordered_map<uint64_t, Pending> lost;
    bool stopped;
    {
      std::unique_lock<std::mutex> lock(mu);
      broken = true;
      cv.notify_all();
      cv.wait(lock, [&] { return writer_done; });  // Finish() only once nothing writes
    }
    grpc::Status status = stream->Finish();
    {
      std::lock_guard<std::mutex> lock(mu);
      stopped = closed_intact;  // closing a stream that broke first is no shutdown
      death = "the connection to " + what + " " + address + " was lost (" +
              (status.ok() ? std::string("the node ended the stream")
                           : status.error_message()) + ")";
      lost.swap(pending);
    }
    for (auto& [id, p] : lost) p.caller->lost(std::move(p.task), death, stopped);
  }
};

CallStream::CallStream(const std::string& address, const std::string& auth_token, Target target)
    : impl_(std::make_shared<Impl>()) {
  impl_->address = address;
  add_token(&impl_->context, auth_token);
  if (target == Target::kNode) {
    impl_->what = "node";
    impl_->stub = proto::Node::NewStub(make_channel(address));
    impl_->stream = impl_->stub->Calls(&impl_->context);
  } else {
    impl_->what = "head";
    impl_->head_stub = proto::Head::NewStub(make_channel(address));
    impl_->stream = impl_->head_stub->PoolCalls(&impl_->context);
  }
  std::shared_ptr<Impl> impl = impl_;  // a detached reader keeps what it reads from alive
  impl_->writer = std::thread([impl] { impl->write_loop(); });
  impl_->reader = std::thread([impl] { impl->read_loop(); });
}

CallStream::~CallStream() { close(); }

void CallStream::send(uint64_t actor_ref, std::unique_ptr<RemoteCallTask> task,
                          std::shared_ptr<Caller> caller) {
  Impl& c = *impl_;
  uint64_t id = c.next_id.fetch_add(1, std::memory_order_relaxed);
  Bytes request;
  try {
    request = task->encode_request(id);
    if (request.size() > static_cast<size_t>(kMaxMessageBytes) - 1024) {
      throw Error("the call's arguments take " + std::to_string(request.size()) +
                  " bytes, over the " + std::to_string(kMaxMessageBytes) +
                  "-byte message limit of cluster calls");
    }
  } catch (...) {
    caller->unsent(std::move(task), std::current_exception());
    return;
  }
  bool wake;
  {
    std::unique_lock<std::mutex> lock(c.mu);
    if (c.broken || c.closing) {
      std::string death = c.death.empty() ? "the connection to " + c.what + " " + c.address + " is closed"
                                          : c.death;
      bool stopped = c.closed_intact;
      lock.unlock();
      caller->lost(std::move(task), death, stopped);
      return;
    }
    bool alone = c.pending.empty() && !c.writing && c.outbox.call_id_size() == 0;
    c.pending.emplace(id, Impl::Pending{std::move(task), std::move(caller)});
    if (alone) {
      // The only call in flight: written from this thread, now (no hop to the writer thread).
      // Pipelined calls find others in flight and go out batched by the writer instead.
      c.writing = true;
      lock.unlock();
      proto::CallBatch one;
      one.add_actor_ref(actor_ref);
      one.add_call_id(id);
      one.add_request(std::move(request));
      c.stream->Write(one);  // a failure shows on the reader's side, which fails the call
      lock.lock();
      c.writing = false;
      lock.unlock();
      c.cv.notify_all();
      return;
    }
    c.outbox.add_actor_ref(actor_ref);
    c.outbox.add_call_id(id);
    c.outbox.add_request(std::move(request));
    wake = c.writer_waiting;
  }
  if (wake) c.cv.notify_all();
}

void CallStream::close() {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    if (!impl_->broken) impl_->closed_intact = true;
    impl_->closing = true;
  }
  impl_->cv.notify_all();
  impl_->context.TryCancel();  // in-flight calls end now, as stopped
  if (impl_->writer.joinable() && impl_->writer.get_id() != std::this_thread::get_id()) {
    impl_->writer.join();
  }
  if (impl_->reader.joinable()) {
    if (impl_->reader.get_id() == std::this_thread::get_id()) {
      impl_->reader.detach();  // closed from a reply callback: the loop ends on its own
    } else {
      impl_->reader.join();
    }
  }
}

bool CallStream::broken() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->broken;
}

}  // namespace concurry::internal
