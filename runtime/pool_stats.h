// PoolStats: what handle.stats() reports, for a single worker (a pool of one) or a pool.
#ifndef CONCURRY_RUNTIME_POOL_STATS_H_
#define CONCURRY_RUNTIME_POOL_STATS_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace concurry {

struct PoolStats {
  size_t total_workers = 0;       // persistent members (0 for an on-demand pool)
  int max_workers = 1;            // as configured (0 = unlimited on-demand)
  bool on_demand = false;
  size_t on_demand_active = 0;    // on-demand workers alive now
  std::string algorithm;          // "RoundRobin", "LeastActiveLoad", "LeastTotalLoad", "Random"
  uint64_t total_dispatched = 0;  // calls handed to a member (or to an on-demand worker)
  bool stopped = false;
  std::optional<int> max_queued_tasks;  // per-worker in-flight limit; nullopt = bypassed
  size_t in_flight = 0;           // calls handed to members and not finished
  size_t queued = 0;              // calls waiting client-side for a slot
};

}  // namespace concurry

#endif  // CONCURRY_RUNTIME_POOL_STATS_H_
