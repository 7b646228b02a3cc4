#include "concurry/core/errors.h"
#include "concurry/runtime/internal/executor.h"

namespace concurry::internal {

void InlineExecutor::execute(std::unique_ptr<CallTask> task) {
  if (stopped_.load(std::memory_order_acquire)) {
    task->cancel();
    return;
  }
  std::unique_ptr<CallTask> next;
  const std::function<void()> finished = [&] { next = on_complete_(); };
  while (task) {
    task->run(instance_.get(), on_complete_ ? &finished : nullptr);
    task = std::move(next);
  }
}

void InlineExecutor::begin_stop() { stopped_.store(true, std::memory_order_release); }

}  // namespace concurry::internal
