// RemoteCalls: the one place where the fate of a remote call is decided — for process workers,
// cluster actors, cluster pools (client side) and the head's calls to pool members. A transport
// (a process socket, a node's call stream, the head's pool stream) sends attempts and reports
// each attempt's outcome here exactly once:
//
//   replied(reply)   the worker answered: a value, the method's error, or another attempt after
//                    the retry policy's wait (re-sent through the transport's Send)
//   crashed(why)     the attempt was lost with the worker or its connection: judged as if the
//                    worker had answered WorkerCrashedError, so retries cover it
//   orphaned(why)    the attempt never ran and this worker is gone for good: handed to the
//                    redirect (a pool re-routes it to a live member) or failed WorkerCrashedError
//   failed(error)    final, never retried: an input future failed, too big, cancelled
//   stopped(why)     final WorkerStoppedError (this handle or this client was stopped)
//
// Exactly once per admitted call — whatever the path — the completion hook runs (freeing the
// call's submission slot) before the future completes; it never runs inside submit(), where the
// dispatcher may hold its lock (it is deferred to the timer thread instead). Thread-safe.
// Internal.
#ifndef CONCURRY_RUNTIME_INTERNAL_REMOTE_CALLS_H_
#define CONCURRY_RUNTIME_INTERNAL_REMOTE_CALLS_H_

#include <atomic>
#include <condition_variable>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "concurry/core/duration.h"
#include "concurry/core/errors.h"
#include "concurry/core/serialization.h"
#include "concurry/runtime/internal/executor.h"
#include "concurry/runtime/internal/remote_call_task.h"

namespace concurry::internal {

class RemoteCalls : public std::enable_shared_from_this<RemoteCalls> {
 public:
  // Sends one attempt; the transport then reports its outcome through one of the calls below.
  class Transport {
   public:
    virtual ~Transport() = default;
    virtual void send(std::unique_ptr<RemoteCallTask> task) = 0;
  };

  // `what` names the worker in errors ("Counter (process 4711)").
  RemoteCalls(std::string what, CompletionHook on_complete);

  // Before the first submit(). submit() reaches it directly (its executor keeps it alive);
  // retries and hand-overs from the timer thread through a weak reference.
  void set_transport(const std::shared_ptr<Transport>& transport) {
    transport_ = transport.get();
    weak_transport_ = transport;
  }
  void set_redirect(Redirect redirect);

  // Admits a call (execute(), while the transport is alive): cancelled after close(); otherwise
  // sent. A call that is not a RemoteCallTask fails (a local call cannot cross).
  void submit(std::unique_ptr<CallTask> task);

  void replied(std::unique_ptr<RemoteCallTask> task, const Bytes& reply);
  void crashed(std::unique_ptr<RemoteCallTask> task, const std::string& why);
  void orphaned(std::unique_ptr<RemoteCallTask> task, const std::string& why);
  void failed(std::unique_ptr<RemoteCallTask> task, std::exception_ptr error);
  void stopped(std::unique_ptr<RemoteCallTask> task, const std::string& why);

  // Refuses new calls (they are cancelled); calls in flight go on. Idempotent.
  void close();
  // True when every admitted call was over before `deadline`.
  bool drain(Clock::time_point deadline);
  // Forgets the hook and the redirect (stopped): what they hold is released once no call runs
  // them.
  void drop_hooks();
  size_t in_flight() const;
  const std::string& what() const { return what_; }

 private:
  void judge(std::unique_ptr<RemoteCallTask> task, const Bytes& reply);
  // submit() from a thread that does not own the transport (the next call a hook handed back).
  void submit_via_weak(std::unique_ptr<CallTask> task);
  // Sends through the weak reference; a transport already gone means the worker was stopped.
  void send_via_weak(std::unique_ptr<RemoteCallTask> task);
  void retry_after(Duration wait, std::unique_ptr<RemoteCallTask> task);
  // The call is over: hook first (a waiting call may take the slot), then `complete` (which
  // owns the call and completes its future), then the waiting call goes out.
  template <class Complete>
  void finish(Complete&& complete);

  // One call's end: the count goes down; a drain() waiting for zero is woken.
  void leave();

  const std::string what_;
  Transport* transport_ = nullptr;
  std::weak_ptr<Transport> weak_transport_;
  mutable std::mutex mu_;
  std::condition_variable drained_;
  std::shared_ptr<const CompletionHook> on_complete_;  // guarded by mu_
  std::shared_ptr<const Redirect> redirect_;           // guarded by mu_
  std::atomic<bool> has_hook_{false};                  // on_complete_ != nullptr: no lock without
  std::atomic<size_t> in_flight_{0};
  std::atomic<bool> closed_{false};
  std::atomic<int> draining_{0};                       // drain() callers waiting
};

}  // namespace concurry::internal

#endif  // CONCURRY_RUNTIME_INTERNAL_REMOTE_CALLS_H_
