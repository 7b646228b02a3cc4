#include <asio/executor_work_guard.hpp>
#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "concurry/runtime/internal/asio_scheduler.h"
#include "concurry/runtime/internal/async_driver.h"
#include "concurry/runtime/internal/executor.h"

namespace concurry::internal {

class AsyncioExecutor::Loop final : public WorkerLoop {
 public:
  explicit Loop(std::shared_ptr<void> instance)
      : instance_(std::move(instance)), work_(asio::make_work_guard(context_)) {}

  void start() {
    auto self = std::static_pointer_cast<Loop>(shared_from_this());
    thread_ = std::thread([self] {
      {
        SchedulerScope scope(self.get());
        self->context_.run();
      }
      std::lock_guard<std::mutex> lock(self->mu_);
      self->exited_ = true;
      self->exited_cv_.notify_all();
    });
  }

  void post(std::function<void()> fn) override {
    if (stopping_.load(std::memory_order_acquire)) return;
    asio_post(context_, std::move(fn));
  }
  void post_after(Duration delay, std::function<void()> fn) override {
    if (stopping_.load(std::memory_order_acquire)) return;
    asio_post_after(context_, delay, std::move(fn));
  }

  uint64_t adopt(std::coroutine_handle<> root, std::function<void()> abandon) override {
    uint64_t token = next_token_++;  // loop thread only
    roots_.emplace(token, Root{root, std::move(abandon)});
    return token;
  }
  void release(uint64_t token) override { roots_.erase(token); }

  void execute(std::unique_ptr<CallTask> task) {
    bool schedule;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_.load(std::memory_order_relaxed)) {
        schedule = false;
      } else {
        queue_.push_back(std::move(task));
        schedule = !drain_scheduled_;
        drain_scheduled_ = true;
      }
    }
    if (task) {
      task->cancel();
      return;
    }
    if (schedule) {
      auto self = std::static_pointer_cast<Loop>(shared_from_this());
      asio_post(context_, [self] { self->drain(); });
    }
  }

  void begin_stop() {
    std::vector<std::unique_ptr<CallTask>> dropped;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_.exchange(true)) return;
      dropped.swap(queue_);
    }
    for (auto& task : dropped) task->cancel();
    // On the loop: cancel and free the coroutines still suspended, then let the loop end.
    auto self = std::static_pointer_cast<Loop>(shared_from_this());
    asio_post(context_, [self] { self->abandon_all(); });
    work_.reset();
  }

  void finish_stop(Clock::time_point deadline) {
    if (!thread_.joinable()) return;
    if (thread_.get_id() == std::this_thread::get_id()) {
      thread_.detach();
      return;
    }
    bool exited;
    {
      std::unique_lock<std::mutex> lock(mu_);
      exited = exited_cv_.wait_until(lock, deadline, [&] { return exited_; });
    }
    if (exited) {
      thread_.join();
    } else {
      thread_.detach();  // a plain method still running past stop_timeout ends on its own
    }
  }

 private:
  struct Root {
    std::coroutine_handle<> handle;
    std::function<void()> abandon;
  };

  void drain() {
    std::vector<std::unique_ptr<CallTask>> batch;
    {
      std::lock_guard<std::mutex> lock(mu_);
      batch.swap(queue_);
      drain_scheduled_ = false;
    }
    for (auto& task : batch) {
      if (stopping_.load(std::memory_order_acquire)) {
        task->cancel();
      } else {
        task->run(instance_.get());  // plain: runs now; coroutine: starts, adopted by this loop
      }
    }
  }

  void abandon_all() {
    auto roots = std::move(roots_);
    roots_.clear();
    for (auto& [token, root] : roots) {
      root.abandon();         // the call's future: cancelled
      root.handle.destroy();  // the frame and every coroutine it awaits
    }
    context_.stop();
    instance_.reset();  // the worker's destructor runs on its loop thread
  }

  std::shared_ptr<void> instance_;
  asio::io_context context_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::mutex mu_;
  std::condition_variable exited_cv_;
  bool exited_ = false;                          // guarded by mu_
  bool drain_scheduled_ = false;                 // guarded by mu_
  std::vector<std::unique_ptr<CallTask>> queue_;  // guarded by mu_
  std::map<uint64_t, Root> roots_;               // loop thread only
  uint64_t next_token_ = 1;                      // loop thread only
};

AsyncioExecutor::AsyncioExecutor(std::shared_ptr<void> instance)
    : loop_(std::make_shared<Loop>(std::move(instance))) {
  loop_->start();
}

AsyncioExecutor::~AsyncioExecutor() { stop(Duration(30.0)); }

void AsyncioExecutor::execute(std::unique_ptr<CallTask> task) { loop_->execute(std::move(task)); }
void AsyncioExecutor::begin_stop() { loop_->begin_stop(); }
void AsyncioExecutor::finish_stop(Clock::time_point deadline) { loop_->finish_stop(deadline); }

}  // namespace concurry::internal
