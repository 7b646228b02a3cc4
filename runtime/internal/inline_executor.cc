#include "concurry/core/errors.h"
#include "concurry/runtime/internal/executor.h"

namespace concurry::internal {

void InlineExecutor::execute(std::unique_ptr<CallTask> task) {
  if (stopped_) {
    task->cancel();
    return;
  }
  task->run(instance_.get());
}

void InlineExecutor::stop(Duration) {
  stopped_ = true;
  instance_.reset();
}

}  // namespace concurry::internal
