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
#include "concurry/runtime/internal/batch_writer.h"
#include "concurry/runtime/internal/remote_call_task.h"

namespace concurry::internal {

struct CallStream::Impl {
  struct Pending {
    std::unique_ptr<RemoteCallTask> task;
    std::shared_ptr<Caller> caller;
  };

  Impl()
      : writer([this](proto::CallBatch& batch) { return stream->Write(batch); },
               [](const proto::CallBatch& batch) { return static_cast<size_t>(batch.call_id_size()); },
               [this] { return in_flight.load(std::memory_order_relaxed); },
               BatchWriter<proto::CallBatch>::Gather::kWhileGrowing, &mu) {}

  std::string address;
  std::unique_ptr<proto::Node::Stub> stub;
  std::unique_ptr<proto::Head::Stub> head_stub;
  std::string what;  // "node" or "head"
  grpc::ClientContext context;
  std::unique_ptr<grpc::ClientReaderWriter<proto::CallBatch, proto::ReplyBatch>> stream;
  std::atomic<uint64_t> next_id{1};
  std::atomic<size_t> in_flight{0};  // pending.size(), read by the writer when gathering
  mutable std::mutex mu;             // the pending calls and the writer's outbox: one lock
  BatchWriter<proto::CallBatch> writer;
  std::condition_variable cv;
  std::unordered_map<uint64_t, Pending> pending;  // guarded by mu
  bool writer_done = false;                       // guarded by mu
  bool closing = false;                           // guarded by mu
  bool closed_intact = false;                     // guarded by mu: close() found it unbroken
  bool broken = false;                            // guarded by mu
  std::atomic<bool> broken_flag{false};           // == broken, readable without the lock
  std::string death;                              // guarded by mu
  std::thread writer_thread, reader;

  void write_loop() {
    writer.run();
    std::lock_guard<std::mutex> lock(mu);
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
        in_flight.store(pending.size(), std::memory_order_relaxed);
      }
      for (auto& [p, i] : done) p.caller->replied(std::move(p.task), batch.reply(i));
      done.clear();
    }
    std::unordered_map<uint64_t, Pending> lost;
    bool stopped;
    writer.abandon();
    {
      std::unique_lock<std::mutex> lock(mu);
      broken = true;
      broken_flag.store(true);
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
      in_flight.store(0, std::memory_order_relaxed);
    }
    for (auto& [id, p] : lost) p.caller->lost(std::move(p.task), death, stopped);
  }
};

CallStream::CallStream(const std::string& address, const Credentials& credentials, Target target)
    : impl_(std::make_shared<Impl>()) {
  impl_->address = address;
  add_token(&impl_->context, credentials.token);
  if (target == Target::kNode) {
    impl_->what = "node";
    impl_->stub = proto::Node::NewStub(make_channel(address, credentials));
    impl_->stream = impl_->stub->Calls(&impl_->context);
  } else {
    impl_->what = "head";
    impl_->head_stub = proto::Head::NewStub(make_channel(address, credentials));
    impl_->stream = impl_->head_stub->PoolCalls(&impl_->context);
  }
  std::shared_ptr<Impl> impl = impl_;  // a detached reader keeps what it reads from alive
  impl_->writer_thread = std::thread([impl] { impl->write_loop(); });
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
  size_t others;
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
    c.pending.emplace(id, Impl::Pending{std::move(task), std::move(caller)});
    others = c.pending.size() - 1;
    c.in_flight.store(c.pending.size(), std::memory_order_relaxed);
    // A lone call is written from this thread, now; pipelined calls go out batched. A refused
    // push (the stream broke) leaves the call pending: the reader fails it as the stream ends.
    c.writer.push_locked(
        lock,
        [&](proto::CallBatch& batch) {
          batch.add_actor_ref(actor_ref);
          batch.add_call_id(id);
          batch.add_request(std::move(request));
        },
        others);
  }
}

void CallStream::close() {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    if (!impl_->broken) impl_->closed_intact = true;
    impl_->closing = true;
  }
  impl_->writer.close(/*linger=*/false);
  impl_->context.TryCancel();  // in-flight calls end now, as stopped
  if (impl_->writer_thread.joinable() &&
      impl_->writer_thread.get_id() != std::this_thread::get_id()) {
    impl_->writer_thread.join();
  }
  if (impl_->reader.joinable()) {
    if (impl_->reader.get_id() == std::this_thread::get_id()) {
      impl_->reader.detach();  // closed from a reply callback: the loop ends on its own
    } else {
      impl_->reader.join();
    }
  }
}

bool CallStream::broken() const { return impl_->broken_flag.load(); }

}  // namespace concurry::internal
