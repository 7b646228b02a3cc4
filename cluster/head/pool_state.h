// PoolManager::Pool: one cluster pool at the head — a PoolCore (core/pool_core.h, as local
// pools) picks the member and holds each member's slots, and each member's calls go out
// through its own RemoteCalls (the one outcome path), whose completion hook frees the slot and
// hands over the call waiting for it — and MemberCaller, what becomes of a forwarded call at
// one member. Internal to PoolManager (includes gRPC).
#ifndef CONCURRY_CLUSTER_HEAD_POOL_STATE_H_
#define CONCURRY_CLUSTER_HEAD_POOL_STATE_H_

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "concurry/cluster/common/call_stream.h"
#include "concurry/cluster/common/remote_calls_caller.h"
#include "concurry/cluster/head/forwarded_call.h"
#include "concurry/cluster/head/pool_manager.h"
#include "concurry/core/errors.h"
#include "concurry/core/pool_core.h"
#include "concurry/runtime/internal/remote_calls.h"

namespace concurry::internal {

using ForwardedCallPtr = std::unique_ptr<ForwardedCall>;

struct PoolManager::Pool : std::enable_shared_from_this<Pool> {
  // The transport of member `index`'s RemoteCalls; owned by the pool, so `pool` outlives it.
  struct MemberTransport final : RemoteCalls::Transport {
    MemberTransport(Pool* p, size_t i) : pool(p), index(i) {}
    void send(std::unique_ptr<RemoteCallTask> call) override { pool->send(index, std::move(call)); }
    Pool* pool;
    size_t index;
  };

  struct Member {
    std::string actor_id;
    std::string node_id;
    std::string address;
    uint64_t actor_ref = 0;
    std::shared_ptr<CallStream> stream;
    std::shared_ptr<RemoteCalls> calls;
    std::shared_ptr<MemberTransport> transport;
    std::shared_ptr<CallStream::Caller> caller;
  };

  Pool(LoadBalancing algorithm, size_t size, std::optional<size_t> limit)
      : core(algorithm, size, limit) {}

  std::string id, name, session_id, class_name;
  uint64_t ref = 0;
  int max_restarts = 0;
  std::mutex mu;
  std::vector<Member> members;       // guarded by mu (a restart moves a member)
  std::vector<bool> relocating;      // guarded by mu
  PoolCore<ForwardedCallPtr> core;            // guarded by mu
  bool stopped = false;              // guarded by mu

  // A client's call: sent to a member, waiting for a slot, or answered WorkerCrashedError when
  // no member is up or coming back.
  void route(ForwardedCallPtr call) {
    std::shared_ptr<RemoteCalls> calls;
    {
      std::lock_guard<std::mutex> lock(mu);
      if (!stopped) {
        auto placed = core.submit(call);
        if (placed.outcome == PoolCore<ForwardedCallPtr>::Outcome::kWaiting) return;
        if (placed.outcome == PoolCore<ForwardedCallPtr>::Outcome::kSend) {
          call->member = placed.member;
          calls = members[placed.member].calls;
        }
      }
    }
    if (calls) {
      calls->submit(std::move(call));
    } else if (stopped_now()) {
      call->cancel();
    } else {
      call->fail(std::make_exception_ptr(WorkerCrashedError(
          "every member of " + id + " (" + class_name + ") is lost, with no restarts left")));
    }
  }

  bool stopped_now() {
    std::lock_guard<std::mutex> lock(mu);
    return stopped;
  }

  // Member `m` finished a call (its RemoteCalls' hook): the call waiting for its slot, if any.
  std::unique_ptr<CallTask> completed(size_t m) {
    std::lock_guard<std::mutex> lock(mu);
    if (stopped) return nullptr;
    auto next = core.complete(m);
    if (!next) return nullptr;
    (*next)->member = m;
    return std::move(*next);
  }

  // The transport of member `m`: one attempt goes out on the stream to the member's node now.
  void send(size_t m, std::unique_ptr<RemoteCallTask> call) {
    std::shared_ptr<CallStream> stream;
    std::shared_ptr<CallStream::Caller> caller;
    uint64_t actor_ref;
    {
      std::lock_guard<std::mutex> lock(mu);
      const Member& member = members[m];
      stream = member.stream;
      caller = member.caller;
      actor_ref = member.actor_ref;
    }
    stream->send(actor_ref, std::move(call), caller);
  }

  void reroute(std::vector<ForwardedCallPtr> calls) {
    for (auto& call : calls) route(std::move(call));
  }
};

// What becomes of a forwarded call at one member: its member's RemoteCalls decides (retries are
// the client's); a lost member is taken out of the pool and looked up again.
class MemberCaller final : public RemoteCallsCaller {
 public:
  MemberCaller(std::shared_ptr<RemoteCalls> calls, size_t member) : member_(member) {
    calls_ = std::move(calls);
  }

  void lost(std::unique_ptr<RemoteCallTask> task, const std::string& why, bool stopped) override {
    if (stopped) {
      calls_->stopped(std::move(task), "the head is stopping");
      return;
    }
    if (on_lost_) on_lost_(member_);  // first: nothing more is routed to the lost member
    calls_->crashed(std::move(task), why + " (pool member " + std::to_string(member_) + ")");
  }

  // Set by the manager: takes the member out and finds it again once the head has settled it.
  std::function<void(size_t)> on_lost_;

 private:
  size_t member_;
};

}  // namespace concurry::internal

#endif  // CONCURRY_CLUSTER_HEAD_POOL_STATE_H_
