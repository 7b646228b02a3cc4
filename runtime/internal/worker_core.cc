#include "concurry/runtime/internal/worker_core.h"

namespace concurry::internal {

WorkerCore::WorkerCore(std::string name, ResolvedOptions options, const InstanceFactory& factory)
    : name_(std::move(name)),
      options_(std::move(options)),
      dispatcher_(make_dispatcher(options_, factory)) {}

WorkerCore::~WorkerCore() { stop(); }

void WorkerCore::stop() {
  if (stopped_.exchange(true, std::memory_order_acq_rel)) return;
  dispatcher_->stop(Duration(options_.stop_timeout));
}

void WorkerCore::execute_when_ready(std::unique_ptr<CallTask> task,
                                    std::vector<std::shared_ptr<StateBase>> inputs) {
  if (dispatcher_->is_inline()) {
    // sync mode runs at the call: wait for the inputs here, on the caller's thread.
    for (auto& input : inputs) input->wait();
    dispatcher_->dispatch(std::move(task));
    return;
  }
  // Dispatch once the last input completes, from whichever thread completes it. The extra count
  // keeps the call from leaving before every callback is registered.
  struct Pending {
    std::unique_ptr<CallTask> task;
    std::atomic<size_t> remaining;
  };
  auto pending = std::make_shared<Pending>();
  pending->task = std::move(task);
  pending->remaining.store(inputs.size() + 1);
  auto self = shared_from_this();
  auto arrive = [pending, self] {
    if (pending->remaining.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      self->dispatcher_->dispatch(std::move(pending->task));
    }
  };
  for (auto& input : inputs) input->add_callback(arrive);
  arrive();
}

}  // namespace concurry::internal
