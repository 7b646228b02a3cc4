#include "concurry/runtime/internal/async_driver.h"

#include <asio/executor_work_guard.hpp>
#include <thread>
#include <vector>

#include "concurry/runtime/internal/asio_scheduler.h"

namespace concurry {
namespace internal {
namespace {

// The loop one thread uses to run coroutine calls to completion (sync and thread modes).
class BlockingLoop final : public Scheduler {
 public:
  void post(std::function<void()> fn) override { asio_post(context, std::move(fn)); }
  void post_after(Duration delay, std::function<void()> fn) override {
    asio_post_after(context, delay, std::move(fn));
  }
  bool is_worker_loop() const override { return false; }

  asio::io_context context;
};

}  // namespace

void run_blocking(const std::function<void()>& start, const bool& finished) {
  // One loop per nesting level on this thread, reused across calls.
  thread_local std::vector<std::shared_ptr<BlockingLoop>> loops;
  thread_local size_t depth = 0;
  if (loops.size() <= depth) loops.push_back(std::make_shared<BlockingLoop>());
  BlockingLoop& loop = *loops[depth];
  ++depth;
  struct Leave {
    size_t& d;
    ~Leave() { --d; }
  } leave{depth};
  SchedulerScope scope(&loop);
  loop.context.restart();
  auto work = asio::make_work_guard(loop.context);  // futures may resume us from other threads
  start();
  while (!finished) loop.context.run_one();
}

}  // namespace internal
}  // namespace concurry
