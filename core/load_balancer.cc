#include "concurry/core/load_balancer.h"

#include "concurry/core/errors.h"

namespace concurry {

LoadBalancer::LoadBalancer(LoadBalancing algorithm, size_t workers, uint64_t seed)
    : algorithm_(algorithm), active_(workers, 0), total_(workers, 0), down_(workers, false),
      rng_(seed) {
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
  if (down_[a] != down_[b]) return down_[a] ? b : a;  // an available member beats any other
  if (active_[b] < active_[a] || (active_[b] == active_[a] && b < a)) return b;
  return a;
}

void LoadBalancer::set_available(size_t worker, bool available) {
  if (worker >= down_.size() || down_[worker] == !available) return;
  down_[worker] = !available;
  if (available) {
    --down_count_;
  } else {
    ++down_count_;
    cursor_valid_ = false;
  }
  if (algorithm_ == LoadBalancing::kLeastActive) tree_update(worker);
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
      do {
        chosen = static_cast<size_t>(rr_++ % n);
      } while (down_[chosen] && down_count_ < n);
      break;
    case LoadBalancing::kRandom:
      chosen = std::uniform_int_distribution<size_t>(0, n - 1)(rng_);
      for (size_t k = 0; k < n && down_[chosen]; ++k) chosen = (chosen + 1) % n;
      break;
    case LoadBalancing::kLeastActive:
      chosen = tree_[1];
      break;
    case LoadBalancing::kLeastTotal:
      if (cursor_valid_) {
        // Totals only grow, one pick at a time: members below the cursor are at the minimum + 1,
        // the rest at the minimum, so the cursor is the lowest index among the minima.
        chosen = cursor_;
        cursor_ = (cursor_ + 1) % n;
      } else {
        // Since a member was unavailable the totals may differ by more than one: scan.
        bool found = false;
        for (size_t i = 0; i < n; ++i) {
          if (down_[i] && down_count_ < n) continue;
          if (!found || total_[i] < total_[chosen]) chosen = i;
          found = true;
        }
      }
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
