// LoadBalancer: picks the pool member for the next call (REFERENCE.md):
//   round_robin   counter % n
//   least_active  the lowest index among the members with the fewest calls in flight
//   least_total   the lowest index among the members with the fewest calls ever dispatched
//   random        uniform
// pick() records the dispatch; completed(i) records that a call on member i finished. A member
// set unavailable (its worker died) is never picked until it is available again; pick() needs at
// least one available member. pick() and
// completed() cost O(log n) for least_active (an array-backed min-tree) and O(1) otherwise
// (least_total only ever raises the minimum by one, so its choice advances like a cursor), so
// pools of thousands are fine.
// Not thread-safe: the owner (a pool, the cluster head) serializes calls. Used by local pools
// and by the head's pool dispatch alike.
#ifndef CONCURRY_CORE_LOAD_BALANCER_H_
#define CONCURRY_CORE_LOAD_BALANCER_H_

#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

#include "concurry/core/option_values.h"

namespace concurry {

class LoadBalancer {
 public:
  // `workers` must be >= 1. `seed` makes `random` reproducible.
  LoadBalancer(LoadBalancing algorithm, size_t workers, uint64_t seed = std::random_device{}());

  size_t pick();
  void completed(size_t worker);
  void set_available(size_t worker, bool available);
  bool available(size_t worker) const { return !down_[worker]; }
  size_t available_count() const { return active_.size() - down_count_; }

  LoadBalancing algorithm() const { return algorithm_; }
  size_t size() const { return active_.size(); }
  size_t active(size_t worker) const { return active_[worker]; }
  size_t total(size_t worker) const { return total_[worker]; }
  uint64_t total_dispatched() const { return dispatched_; }

 private:
  // Leaves hold active counts; each inner node holds the index of its subtree's minimum (lowest
  // index on ties), so the root is the least-active member.
  void tree_update(size_t worker);
  size_t better(size_t a, size_t b) const;

  LoadBalancing algorithm_;
  std::vector<size_t> active_;
  std::vector<size_t> total_;
  std::vector<size_t> tree_;  // least_active only: 2 * leaves entries
  size_t leaves_ = 0;
  size_t cursor_ = 0;         // least_total: every member below it is one call ahead
  bool cursor_valid_ = true;  // least_total: false once a member was unavailable (then: scan)
  uint64_t rr_ = 0;           // round_robin: the next turn
  std::vector<bool> down_;
  size_t down_count_ = 0;
  uint64_t dispatched_ = 0;
  std::mt19937_64 rng_;
};

}  // namespace concurry

#endif  // CONCURRY_CORE_LOAD_BALANCER_H_
