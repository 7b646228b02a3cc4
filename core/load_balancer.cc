#include "concurry/core/load_balancer.h"

#include "concurry/core/errors.h"

namespace concurry {

LoadBalancer::LoadBalancer(LoadBalancing algorithm, size_t workers, uint64_t seed)
    : algorithm_(algorithm), active_(workers, 0), total_(workers, 0), rng_(seed) {
  if (workers == 0) throw InvalidOptionError("a load balancer needs at least one worker");
  if (algorithm_ == LoadBalancing::kLeastActive || algorithm_ == LoadBalancing::kLeastTotal) {
    for (size_t i = 0; i < workers; ++i) order_.emplace_hint(order_.end(), 0, i);
  }
}

void LoadBalancer::move_in_order(size_t worker, size_t from, size_t to) {
  order_.erase({from, worker});
  order_.emplace(to, worker);
}

size_t LoadBalancer::pick() {
  size_t n = active_.size();
  size_t chosen = 0;
  switch (algorithm_) {
    case LoadBalancing::kRoundRobin:
      chosen = static_cast<size_t>(dispatched_ % n);
      break;
    case LoadBalancing::kRandom:
      chosen = std::uniform_int_distribution<size_t>(0, n - 1)(rng_);
      break;
    case LoadBalancing::kLeastActive:
      chosen = order_.begin()->second;
      move_in_order(chosen, active_[chosen], active_[chosen] + 1);
      break;
    case LoadBalancing::kLeastTotal:
      chosen = order_.begin()->second;
      move_in_order(chosen, total_[chosen], total_[chosen] + 1);
      break;
  }
  ++active_[chosen];
  ++total_[chosen];
  ++dispatched_;
  return chosen;
}

void LoadBalancer::completed(size_t worker) {
  if (worker >= active_.size() || active_[worker] == 0) return;  // unknown or already balanced
  if (algorithm_ == LoadBalancing::kLeastActive) {
    move_in_order(worker, active_[worker], active_[worker] - 1);
  }
  --active_[worker];
}

}  // namespace concurry
