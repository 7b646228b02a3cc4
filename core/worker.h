// concurry::Worker: an optional base class for worker classes. Any class can be a worker;
// deriving from Worker gives its methods limits(): the worker's LimitSet, as Options::limits
// says (a shared set, a private one per worker, or an empty one that always succeeds at no
// cost). limits() is attached right after construction: use it in methods, not in the
// constructor.
#ifndef CONCURRY_CORE_WORKER_H_
#define CONCURRY_CORE_WORKER_H_

#include <utility>

#include "concurry/core/limit_set.h"

namespace concurry {

namespace internal {
struct WorkerAccess;
}  // namespace internal

class Worker {
 public:
  virtual ~Worker() = default;

  // This worker's limits. Always usable; empty unless the options gave limits.
  const LimitSet& limits() const { return limits_; }

 private:
  friend struct internal::WorkerAccess;
  LimitSet limits_;
};

namespace internal {
struct WorkerAccess {
  static void attach_limits(Worker& worker, LimitSet limits) { worker.limits_ = std::move(limits); }
};
}  // namespace internal

}  // namespace concurry

#endif  // CONCURRY_CORE_WORKER_H_
