// LoadBalancer: picks the pool member for the next call (REFERENCE.md):
//   round_robin   counter % n
//   least_active  the lowest index among the members with the fewest calls in flight
//   least_total   the lowest index among the members with the fewest calls ever dispatched
//   random        uniform
// pick() records the dispatch; completed(i) records that a call on member i finished. pick()
// and completed() cost O(log n) for least_* and O(1) otherwise, so pools of thousands are fine.
// Not thread-safe: the owner (a pool, the cluster head) serializes calls. Used by local pools
// and by the head's pool dispatch alike.
#ifndef CONCURRY_CORE_LOAD_BALANCER_H_
#define CONCURRY_CORE_LOAD_BALANCER_H_

#include <cstddef>
#include <cstdint>
#include <random>
#include <set>
#include <utility>
#include <vector>

#include "concurry/core/option_values.h"

namespace concurry {

class LoadBalancer {
 public:
  // `workers` must be >= 1. `seed` makes `random` reproducible.
  LoadBalancer(LoadBalancing algorithm, size_t workers, uint64_t seed = std::random_device{}());

  size_t pick();
  void completed(size_t worker);

  LoadBalancing algorithm() const { return algorithm_; }
  size_t size() const { return active_.size(); }
  size_t active(size_t worker) const { return active_[worker]; }
  size_t total(size_t worker) const { return total_[worker]; }
  uint64_t total_dispatched() const { return dispatched_; }

 private:
  // (count, index) ordered: begin() is the lowest index among the minima.
  using Ordered = std::set<std::pair<size_t, size_t>>;
  void move_in_order(size_t worker, size_t from, size_t to);

  LoadBalancing algorithm_;
  std::vector<size_t> active_;
  std::vector<size_t> total_;
  Ordered order_;  // by active_ (least_active) or total_ (least_total); unused otherwise
  uint64_t dispatched_ = 0;
  std::mt19937_64 rng_;
};

}  // namespace concurry

#endif  // CONCURRY_CORE_LOAD_BALANCER_H_
