#include "concurry/runtime/internal/timer.h"

#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

namespace concurry::internal {
namespace {

class TimerThread {
 public:
  TimerThread() : thread_([this] { loop(); }) { thread_.detach(); }

  void add(Clock::time_point due, std::function<void()> callback) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      due_.emplace(due, std::move(callback));
    }
    cv_.notify_one();
  }

 private:
  void loop() {
    std::unique_lock<std::mutex> lock(mu_);
    while (true) {
      if (due_.empty()) {
        cv_.wait(lock);
        continue;
      }
      auto first = due_.begin();
      if (first->first > Clock::now()) {
        cv_.wait_until(lock, first->first);
        continue;
      }
      auto callback = std::move(first->second);
      due_.erase(first);
      lock.unlock();
      callback();
      lock.lock();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::multimap<Clock::time_point, std::function<void()>> due_;
  std::thread thread_;
};

}  // namespace

void run_after(Duration delay, std::function<void()> callback) {
  static TimerThread* timer = new TimerThread();  // lives for the whole program
  timer->add(Clock::now() + std::chrono::duration_cast<Clock::duration>(delay),
             std::move(callback));
}

}  // namespace concurry::internal
