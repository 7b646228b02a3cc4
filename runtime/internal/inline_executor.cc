#include "concurry/core/errors.h"
#include "concurry/runtime/internal/executor.h"

namespace concurry::internal {

void InlineExecutor::execute(std::unique_ptr<CallTask> task) {
  if (stopped_.load(std::memory_order_acquire)) {
    task->cancel();
    return;
  }
  while (task) {
    task->run(instance_.get());
    task = on_complete_ ? on_complete_() : nullptr;
  }
}

void InlineExecutor::begin_stop() { stopped_.store(true, std::memory_order_release); }

}  // namespace concurry::internal
