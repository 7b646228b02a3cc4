// Scheduler: the event loop a coroutine runs on, seen from awaitables. Whatever drives
// coroutines on a thread (an asyncio worker's loop, or the loop that runs a coroutine method to
// completion in the other modes) installs itself as that thread's current scheduler; awaitables
// (sleep, a Future, an async limit acquisition) resume their coroutine through it, so a
// coroutine always resumes on its own loop thread. core/ only declares it; runtime/ implements
// it over asio.
#ifndef CONCURRY_CORE_SCHEDULER_H_
#define CONCURRY_CORE_SCHEDULER_H_

#include <functional>
#include <memory>

#include "concurry/core/duration.h"

namespace concurry {

class Scheduler : public std::enable_shared_from_this<Scheduler> {
 public:
  virtual ~Scheduler() = default;
  // Runs `fn` on the loop's thread. Thread-safe; dropped silently once the loop is stopped.
  // Schedulers are owned by shared_ptr, so that a late completion can still post safely.
  virtual void post(std::function<void()> fn) = 0;
  // Runs `fn` on the loop's thread after `delay` (a timer: the loop keeps serving meanwhile).
  virtual void post_after(Duration delay, std::function<void()> fn) = 0;
  // True for a worker's own event loop (asyncio mode), false for a loop that runs one call to
  // completion.
  virtual bool is_worker_loop() const = 0;

  // The scheduler driving coroutines on this thread, or nullptr.
  static Scheduler* current();
};

// Makes `scheduler` the current one on this thread for the scope's lifetime.
class SchedulerScope {
 public:
  explicit SchedulerScope(Scheduler* scheduler);
  ~SchedulerScope();
  SchedulerScope(const SchedulerScope&) = delete;
  SchedulerScope& operator=(const SchedulerScope&) = delete;

 private:
  Scheduler* previous_;
};

}  // namespace concurry

#endif  // CONCURRY_CORE_SCHEDULER_H_
