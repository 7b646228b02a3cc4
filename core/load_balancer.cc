#include "concurry/core/load_balancer.h"

#include "concurry/core/errors.h"

namespace concurry {

LoadBalancer::LoadBalancer(LoadBalancing algorithm, size_t workers, uint64_t seed)
    : algorithm_(algorithm), active_(workers, 0), total_(workers, 0), rng_(seed) {
  if (workers == 0) throw InvalidOptionError("a load balancer needs at least one worker");
  if (algorithm_ == LoadBalancing::kLeastActive) {
    leaves_ = 1;
    while (leaves_ < workers) leaves_ *= 2;
    tree_.assign(2 * leaves_, 0);
    for (size_t i = 0; i < leaves_; ++i) tree_[leaves_ + i] = i < workers ? i : workers - 1;
    for (size_t node = leaves_ - 1; node >= 1; --node) {
      tree_[node] = better(tree_[2 * node], tree_[2 * node + 1]);
    }
  }
}

size_t LoadBalancer::better(size_t a, size_t b) const {
  if (active_[b] < active_[a] || (active_[b] == active_[a] && b < a)) return b;
  return a;
}

void LoadBalancer::tree_update(size_t worker) {
  for (size_t node = (leaves_ + worker) / 2; node >= 1; node /= 2) {
    tree_[node] = better(tree_[2 * node], tree_[2 * node + 1]);
  }
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
      chosen = tree_[1];
      break;
    case LoadBalancing::kLeastTotal:
      // Totals only grow, one pick at a time: members below the cursor are at the minimum + 1,
      // the rest at the minimum, so the cursor is the lowest index among the minima.
      chosen = cursor_;
      cursor_ = (cursor_ + 1) % n;
      break;
  }
  ++active_[chosen];
  ++total_[chosen];
  ++dispatched_;
  if (algorithm_ == LoadBalancing::kLeastActive) tree_update(chosen);
  return chosen;
}

void LoadBalancer::completed(size_t worker) {
  if (worker >= active_.size() || active_[worker] == 0) return;  // unknown or already balanced
  --active_[worker];
  if (algorithm_ == LoadBalancing::kLeastActive) tree_update(worker);
}

}  // namespace concurry
