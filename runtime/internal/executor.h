// Executor: where one worker's calls run. sync runs them at the call (InlineExecutor); thread
// runs them one at a time, in submission order, on the worker's own thread (ThreadExecutor).
// Later modes add executors; pools combine several. Internal.
#ifndef CONCURRY_RUNTIME_INTERNAL_EXECUTOR_H_
#define CONCURRY_RUNTIME_INTERNAL_EXECUTOR_H_

#include <memory>

#include "concurry/core/duration.h"
#include "concurry/runtime/internal/call_task.h"

namespace concurry::internal {

class Executor {
 public:
  virtual ~Executor() = default;

  // Takes the call. After stop() the call is cancelled instead.
  virtual void execute(std::unique_ptr<CallTask> task) = 0;
  // Cancels queued calls, lets the running one finish (waiting at most `timeout`; a thread
  // still busy then is left to finish alone), and refuses new ones. Idempotent.
  virtual void stop(Duration timeout) = 0;
  // True when execute() runs the call before it returns (sync mode).
  virtual bool is_inline() const = 0;
};

// sync mode: runs each call on the caller's thread, inside execute().
class InlineExecutor final : public Executor {
 public:
  explicit InlineExecutor(std::shared_ptr<void> instance) : instance_(std::move(instance)) {}
  void execute(std::unique_ptr<CallTask> task) override;
  void stop(Duration timeout) override;
  bool is_inline() const override { return true; }

 private:
  std::shared_ptr<void> instance_;
  bool stopped_ = false;
};

// thread mode: one thread per worker; calls run one at a time in submission order. The queue is
// handed to the thread in batches (one lock per batch on the worker side), and the producer
// signals only when the thread sleeps. No lock is held while user code runs.
class ThreadExecutor final : public Executor {
 public:
  explicit ThreadExecutor(std::shared_ptr<void> instance);
  ~ThreadExecutor() override;
  void execute(std::unique_ptr<CallTask> task) override;
  void stop(Duration timeout) override;
  bool is_inline() const override { return false; }

 private:
  struct Shared;
  std::shared_ptr<Shared> shared_;
};

}  // namespace concurry::internal

#endif  // CONCURRY_RUNTIME_INTERNAL_EXECUTOR_H_
