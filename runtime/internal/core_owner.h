// CoreOwner: the RAII ownership of a WorkerCore shared by Handle<T> and TaskWorker. Move-only;
// stops the worker when destroyed or assigned over. Internal.
#ifndef CONCURRY_RUNTIME_INTERNAL_CORE_OWNER_H_
#define CONCURRY_RUNTIME_INTERNAL_CORE_OWNER_H_

#include <memory>
#include <utility>

#include "concurry/core/errors.h"
#include "concurry/runtime/internal/worker_core.h"

namespace concurry::internal {

class CoreOwner {
 public:
  CoreOwner() = default;
  explicit CoreOwner(std::shared_ptr<WorkerCore> core) : core_(std::move(core)) {}
  CoreOwner(CoreOwner&&) noexcept = default;
  CoreOwner& operator=(CoreOwner&& other) noexcept {
    if (this != &other) {
      stop();
      core_ = std::move(other.core_);
    }
    return *this;
  }
  ~CoreOwner() { stop(); }

  // Stops the worker: queued calls are cancelled, the running one may finish. Idempotent.
  void stop() {
    if (core_) core_->stop();
  }
  bool is_stopped() const { return !core_ || core_->stopped(); }
  // Workers, algorithm, dispatch counts, queue state; a single worker reports a pool of one.
  PoolStats stats() const { return owned_core().stats(); }
  // The options after precedence and defaults.
  const ResolvedOptions& resolved_options() const { return owned_core().options(); }

 protected:
  // The core, or concurry::Error for an empty (moved-from or default) owner.
  WorkerCore& owned_core() const {
    if (!core_) throw Error("call on an empty (moved-from or default-constructed) worker handle");
    return *core_;
  }

 private:
  std::shared_ptr<WorkerCore> core_;
};

}  // namespace concurry::internal

#endif  // CONCURRY_RUNTIME_INTERNAL_CORE_OWNER_H_
