#include "concurry/runtime/internal/worker_core.h"

namespace concurry::internal {

WorkerCore::WorkerCore(std::string name, ResolvedOptions options, const InstanceFactory& factory)
    : name_(std::move(name)),
      options_(std::move(options)),
      dispatcher_(make_dispatcher(options_, factory)) {
  const Options& o = options_.merged;
  for (const auto& [method, n] : o.num_retries.entries()) retrying_ = retrying_ || n > 0;
  for (const auto& [method, validators] : o.retry_until.entries()) {
    retrying_ = retrying_ || !validators.empty();
  }
}

std::shared_ptr<const RetryPolicy> WorkerCore::policy_for(const char* method) {
  std::lock_guard<std::mutex> lock(policies_mu_);
  auto it = policies_.find(method);
  if (it == policies_.end()) {
    auto policy = std::make_shared<const RetryPolicy>(RetryPolicy::for_method(options_.merged, method));
    it = policies_.emplace(method, policy->active() ? policy : nullptr).first;
  }
  return it->second;
}

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
