#include "concurry/cluster/node/actor_host.h"

#include "concurry/cluster/node/lease.h"
#include "concurry/core/errors.h"
#include "concurry/core/limit_set.h"
#include "concurry/core/registry.h"
#include "concurry/core/wire.h"
#include "concurry/runtime/internal/call_task.h"
#include "concurry/runtime/internal/executor.h"
#include "concurry/runtime/internal/worker_host.h"

namespace concurry::internal {
namespace {

// One call from a stream: its envelope in, its reply envelope out to the stream's sink.
class WireCallTask final : public CallTask {
 public:
  WireCallTask(const ClassEntry* cls, uint64_t call_id, Bytes request,
               std::shared_ptr<ReplySink> sink, const Lease* lease)
      : CallTask("call"), cls_(cls), call_id_(call_id), request_(std::move(request)),
        sink_(std::move(sink)), lease_(lease) {}

  void run(void* instance, const std::function<void()>* finished) override {
    if (lease_ && !lease_->hold()) {  // fenced: this instance was replaced; it runs nothing more
      if (finished) (*finished)();
      sink_->deliver(call_id_, encode_error_reply(call_id_, ErrorCode::kWorkerCrashed,
                                                  "concurry::WorkerCrashedError",
                                                  "this node was declared dead by the head; its "
                                                  "actors are fenced (the call did not run)",
                                                  "node"));
      return;
    }
    Bytes reply = cls_ ? execute_method(*cls_, instance, request_) : execute_function(request_);
    if (finished) (*finished)();
    sink_->deliver(call_id_, std::move(reply));
  }
  void cancel() override {
    sink_->deliver(call_id_, encode_error_reply(call_id_, ErrorCode::kWorkerStopped,
                                            "concurry::WorkerStoppedError",
                                            "the actor was stopped before this call ran", ""));
  }
  void fail(std::exception_ptr error) override {
    sink_->deliver(call_id_, encode_reply(ReplyMessage{call_id_, false, {},
                                                       describe_exception(error, "node")}));
  }

 private:
  const ClassEntry* cls_;
  uint64_t call_id_;
  Bytes request_;
  std::shared_ptr<ReplySink> sink_;
  const Lease* lease_;
};

}  // namespace

struct ActorHost::Actor {
  ActorInfo info;
  const ClassEntry* cls = nullptr;
  std::unique_ptr<Executor> executor;
};

ActorHost::ActorHost(const Lease* lease) : lease_(lease) {}

ActorHost::~ActorHost() { stop_all(Duration(5.0)); }

ActorHost::Created ActorHost::create(const std::string& actor_id, const std::string& class_name,
                                     uint32_t ctor_index, const Bytes& ctor_args,
                                     LimitSet limits, const std::string& context) {
  Created created;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (by_id_.count(actor_id)) {  // a second instance under one id could never be stopped
      created.init_reply = encode_error_reply(0, ErrorCode::kInternal, "concurry::ClusterError",
                                              "actor id '" + actor_id +
                                                  "' is already hosted on this node",
                                              "node");
      return created;
    }
  }
  auto actor = std::make_shared<Actor>();
  actor->info = ActorInfo{actor_id, class_name};
  std::string where = (class_name.empty() ? std::string("TaskWorker") : class_name) + "::" +
                      kInitMethod;
  std::shared_ptr<void> instance;
  try {
    if (!class_name.empty()) {
      try {
        actor->cls = &Registry::get().find_class(class_name);
      } catch (const MethodNotFoundError& e) {
        throw MethodNotFoundError(std::string(e.what()) + "; " + context);
      }
      instance = construct_instance(
          CallMessage{0, class_name, kInitMethod, ctor_args, ctor_index, false});
      if (!limits.empty() && actor->cls->attach_limits) {
        actor->cls->attach_limits(instance.get(), std::move(limits));
      }
    }
    actor->executor = std::make_unique<ThreadExecutor>(instance, nullptr);
  } catch (...) {
    created.init_reply =
        encode_reply(ReplyMessage{0, false, {}, describe_exception(std::current_exception(), where)});
    return created;
  }
  bool duplicate;
  {
    std::lock_guard<std::mutex> lock(mu_);
    duplicate = by_id_.count(actor_id) > 0;  // created twice at once: the second is refused
    if (!duplicate) {
      created.ref = next_ref_++;
      by_ref_[created.ref] = actor;
      by_id_[actor_id] = created.ref;
    }
  }
  if (duplicate) {
    created.init_reply = encode_error_reply(0, ErrorCode::kInternal, "concurry::ClusterError",
                                            "actor id '" + actor_id +
                                                "' is already hosted on this node",
                                            "node");
    return created;
  }
  created.ok = true;
  created.init_reply = encode_reply(ReplyMessage{0, true, {}, {}});
  return created;
}

std::shared_ptr<ActorHost::Actor> ActorHost::find(uint64_t ref) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = by_ref_.find(ref);
  return it == by_ref_.end() ? nullptr : it->second;
}

void ActorHost::call(uint64_t ref, uint64_t call_id, Bytes request,
                     const std::shared_ptr<ReplySink>& sink) {
  std::shared_ptr<Actor> actor = find(ref);
  if (!actor) {
    sink->deliver(call_id, encode_error_reply(call_id, ErrorCode::kWorkerStopped,
                                          "concurry::WorkerStoppedError",
                                          "no actor #" + std::to_string(ref) +
                                              " on this node (it was stopped, or never existed)",
                                          "node"));
    return;
  }
  actor->executor->execute(
      std::make_unique<WireCallTask>(actor->cls, call_id, std::move(request), sink, lease_));
}

bool ActorHost::lookup(uint64_t ref, ActorInfo* info, const ClassEntry** cls) const {
  std::shared_ptr<Actor> actor = find(ref);
  if (!actor) return false;
  *info = actor->info;
  *cls = actor->cls;
  return true;
}

bool ActorHost::stop(const std::string& actor_id, Duration timeout) {
  std::shared_ptr<Actor> actor;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = by_id_.find(actor_id);
    if (it == by_id_.end()) return false;
    actor = by_ref_[it->second];
    by_ref_.erase(it->second);
    by_id_.erase(it);
  }
  actor->executor->stop(timeout);
  return true;
}

void ActorHost::stop_all(Duration timeout) {
  std::map<uint64_t, std::shared_ptr<Actor>> all;
  {
    std::lock_guard<std::mutex> lock(mu_);
    all.swap(by_ref_);
    by_id_.clear();
  }
  for (auto& [ref, actor] : all) actor->executor->begin_stop();
  auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(timeout);
  for (auto& [ref, actor] : all) actor->executor->finish_stop(deadline);
}

std::vector<ActorInfo> ActorHost::actors() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<ActorInfo> out;
  for (const auto& [ref, actor] : by_ref_) out.push_back(actor->info);
  return out;
}

}  // namespace concurry::internal
