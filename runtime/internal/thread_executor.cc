#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "concurry/runtime/internal/executor.h"

namespace concurry::internal {

struct ThreadExecutor::Shared {
  std::mutex mu;
  std::condition_variable wake;      // the worker thread sleeps here when the queue is empty
  std::condition_variable finished;  // stop() waits here for the thread to exit
  std::vector<std::unique_ptr<CallTask>> queue;  // guarded by mu
  std::atomic<bool> queued{false};               // !queue.empty(), written under mu
  bool sleeping = false;                         // guarded by mu
  bool exited = false;                           // guarded by mu
  std::atomic<bool> stopping{false};
  std::shared_ptr<void> instance;  // kept alive by the thread until it exits
  CompletionHook on_complete;
  std::thread thread;
};

ThreadExecutor::ThreadExecutor(std::shared_ptr<void> instance, CompletionHook on_complete)
    : shared_(std::make_shared<Shared>()) {
  shared_->instance = std::move(instance);
  shared_->on_complete = std::move(on_complete);
  shared_->thread = std::thread([s = shared_] {
    std::vector<std::unique_ptr<CallTask>> batch;
    std::unique_ptr<CallTask> next;  // what the completion hook hands back
    const std::function<void()> finished = [&s, &next] { next = s->on_complete(); };
    const std::function<void()>* on_finished = s->on_complete ? &finished : nullptr;
    while (true) {
      {
        std::unique_lock<std::mutex> lock(s->mu);
        while (s->queue.empty() && !s->stopping.load(std::memory_order_relaxed)) {
          s->sleeping = true;
          s->wake.wait(lock);
          s->sleeping = false;
        }
        if (s->stopping.load(std::memory_order_relaxed)) break;
        batch.swap(s->queue);
        s->queued.store(false, std::memory_order_release);
      }
      // Index loop: the completion hook may append the next call for this worker.
      for (size_t i = 0; i < batch.size(); ++i) {
        std::unique_ptr<CallTask> task = std::move(batch[i]);
        if (s->stopping.load(std::memory_order_acquire)) {
          task->cancel();
          continue;
        }
        task->run(s->instance.get(), on_finished);
        task.reset();
        if (next) batch.push_back(std::move(next));
      }
      batch.clear();
    }
    for (auto& task : batch) {
      if (task) task->cancel();
    }
    std::shared_ptr<void> instance = std::move(s->instance);
    instance.reset();  // the worker's destructor runs on its own thread
    s->on_complete = nullptr;  // drops what the hook holds (an on-demand slot owns this executor)
    std::lock_guard<std::mutex> lock(s->mu);
    s->exited = true;
    s->finished.notify_all();
  });
}

ThreadExecutor::~ThreadExecutor() { stop(Duration(30.0)); }

void ThreadExecutor::execute(std::unique_ptr<CallTask> task) {
  Shared& s = *shared_;
  bool wake;
  {
    std::lock_guard<std::mutex> lock(s.mu);
    if (s.stopping.load(std::memory_order_relaxed)) {
      wake = false;
    } else {
      s.queue.push_back(std::move(task));
      s.queued.store(true, std::memory_order_release);
      wake = s.sleeping;
    }
  }
  if (task) {
    task->cancel();  // refused after stop()
    return;
  }
  if (wake) s.wake.notify_one();
}

bool ThreadExecutor::has_queued() const { return shared_->queued.load(std::memory_order_acquire); }

void ThreadExecutor::begin_stop() {
  Shared& s = *shared_;
  std::vector<std::unique_ptr<CallTask>> dropped;
  {
    std::lock_guard<std::mutex> lock(s.mu);
    if (s.stopping.exchange(true)) return;
    dropped.swap(s.queue);
  }
  s.wake.notify_one();
  for (auto& task : dropped) task->cancel();
}

void ThreadExecutor::finish_stop(Clock::time_point deadline) {
  Shared& s = *shared_;
  if (!s.thread.joinable()) return;
  if (s.thread.get_id() == std::this_thread::get_id()) {
    s.thread.detach();  // stopped from inside one of its own calls: it ends after that call
    return;
  }
  bool exited;
  {
    std::unique_lock<std::mutex> lock(s.mu);
    exited = s.finished.wait_until(lock, deadline, [&] { return s.exited; });
  }
  if (exited) {
    s.thread.join();
  } else {
    s.thread.detach();  // a call still running past stop_timeout finishes on its own
  }
}

}  // namespace concurry::internal
