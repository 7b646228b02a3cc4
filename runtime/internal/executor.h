// Executor: where one worker's calls run. sync runs them at the call (InlineExecutor); thread
// runs them one at a time, in submission order, on the worker's own thread (ThreadExecutor).
// Later modes add executors; pools combine several. Internal.
#ifndef CONCURRY_RUNTIME_INTERNAL_EXECUTOR_H_
#define CONCURRY_RUNTIME_INTERNAL_EXECUTOR_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "concurry/core/duration.h"
#include "concurry/core/option_values.h"
#include "concurry/runtime/internal/call_task.h"

namespace concurry::internal {

// The executor contract, for every mode:
//  - execute() may be called under the dispatcher's lock; it never blocks on a call and never
//    runs the completion hook itself (an executor whose call ends at once defers the hook).
//  - The completion hook runs exactly once per call execute() took — value, error, retries
//    exhausted, worker crashed, never sent, cancelled — on the executor's own thread, before the
//    call's future completes, so that a pool can free the call's submission slot. It may hand
//    back the next call for this same executor (the one waiting for the freed slot), which then
//    runs without another trip through the queue. Once stop has begun, calls not yet started are
//    cancelled without the hook (the pool is stopping; its slots go with it).
using CompletionHook = std::function<std::unique_ptr<CallTask>()>;
// A member whose worker is gone for good (a process that died) tells its pool once, on its own
// thread, never inside execute().
using LostHook = std::function<void(const std::string& why)>;
// A call a dead member can no longer run, for its pool to route to another member; false when
// there is none (the call then fails with WorkerCrashedError).
using Redirect = std::function<bool(std::unique_ptr<CallTask>&)>;

class Executor {
 public:
  virtual ~Executor() = default;

  // Takes the call. After stop the call is cancelled instead.
  virtual void execute(std::unique_ptr<CallTask> task) = 0;
  // Refuses new calls and cancels queued ones; does not wait. Idempotent.
  virtual void begin_stop() = 0;
  // Waits until `deadline` for the running call; a thread still busy then is left to finish
  // alone (its worker instance lives until it does).
  virtual void finish_stop(Clock::time_point deadline) = 0;
  void stop(Duration timeout) {
    begin_stop();
    finish_stop(Clock::now() + std::chrono::duration_cast<Clock::duration>(timeout));
  }
  // True when execute() runs the call before it returns (sync mode).
  virtual bool is_inline() const = 0;
  // True while calls wait in this executor's queue (not yet taken by its thread).
  virtual bool has_queued() const { return false; }
  // Set by a pool before the first call: how it learns of this member's death and takes back
  // the calls the member can no longer run. Only executors that can lose their worker (process
  // mode) use them.
  virtual void set_failover(LostHook on_lost, Redirect redirect) {}
};

// sync mode: runs each call on the caller's thread, inside execute().
class InlineExecutor final : public Executor {
 public:
  InlineExecutor(std::shared_ptr<void> instance, CompletionHook on_complete)
      : instance_(std::move(instance)), on_complete_(std::move(on_complete)) {}
  void execute(std::unique_ptr<CallTask> task) override;
  void begin_stop() override;
  void finish_stop(Clock::time_point) override {}
  bool is_inline() const override { return true; }

 private:
  std::shared_ptr<void> instance_;
  CompletionHook on_complete_;
  std::atomic<bool> stopped_{false};
};

// thread mode: one thread per worker; calls run one at a time in submission order. The queue is
// handed to the thread in batches (one lock per batch on the worker side), and the producer
// signals only when the thread sleeps. No lock is held while user code runs.
class ThreadExecutor final : public Executor {
 public:
  ThreadExecutor(std::shared_ptr<void> instance, CompletionHook on_complete);
  ~ThreadExecutor() override;
  void execute(std::unique_ptr<CallTask> task) override;
  void begin_stop() override;
  void finish_stop(Clock::time_point deadline) override;
  bool is_inline() const override { return false; }
  bool has_queued() const override;

 private:
  struct Shared;
  std::shared_ptr<Shared> shared_;
};

// asyncio mode: the worker owns an event loop (asio::io_context) on its own thread. Plain
// methods run on the loop one at a time; coroutine methods start there and interleave at their
// co_awaits. Stopping cancels queued calls and calls suspended mid-coroutine (their futures
// report cancellation), frees their frames, and joins the loop thread.
class AsyncioExecutor final : public Executor {
 public:
  explicit AsyncioExecutor(std::shared_ptr<void> instance);
  ~AsyncioExecutor() override;
  void execute(std::unique_ptr<CallTask> task) override;
  void begin_stop() override;
  void finish_stop(Clock::time_point deadline) override;
  bool is_inline() const override { return false; }

 private:
  class Loop;
  std::shared_ptr<Loop> loop_;
};

struct RemoteSpec;

// process mode: the worker runs in a child process (fork: a copy of this one; spawn: a fresh run
// of this program, made a worker host by concurry::init); calls cross a Unix socket as framed
// protobuf envelopes. The constructor starts the child and constructs the instance there
// (throwing what the constructor threw). Outcomes go through RemoteCalls (remote_calls.h): when
// the child dies or sends bytes that are not a frame, it is killed and reaped, every call in
// flight is judged as WorkerCrashedError (retries re-send it, through the pool's redirect to a
// live member), and later calls go to the redirect or fail at once.
class ProcessExecutor final : public Executor {
 public:
  ProcessExecutor(const RemoteSpec& spec, MpContext context, CompletionHook on_complete);
  ~ProcessExecutor() override;
  void execute(std::unique_ptr<CallTask> task) override;
  void begin_stop() override;
  void finish_stop(Clock::time_point deadline) override;
  bool is_inline() const override { return false; }
  void set_failover(LostHook on_lost, Redirect redirect) override;

 private:
  struct Conn;
  std::shared_ptr<Conn> conn_;
};

}  // namespace concurry::internal

#endif  // CONCURRY_RUNTIME_INTERNAL_EXECUTOR_H_
