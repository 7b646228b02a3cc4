// Pools: the same Handle, spread over several workers; on-demand workers; the submission queue.
// Run: bazel run //examples:pools
#include <cstdio>
#include <string>
#include <vector>

#include "concurry/concurry.h"

class Compute : public concurry::Worker {
 public:
  int compute(int x) { return 2 * x; }
};
CONCURRY_WORKER(Compute, compute);

int main() {
  // max_workers > 1 makes init() return a pool behind the same Handle type.
  auto pool = concurry::options<Compute>({.mode = "thread", .max_workers = 3}).init();
  std::vector<concurry::Future<int>> futures;
  for (int i = 0; i < 9; ++i) futures.push_back(pool.compute(i));
  std::vector<int> values = concurry::gather(futures);
  std::printf("round robin over 3 workers:");
  for (int v : values) std::printf(" %d", v);
  concurry::PoolStats s = pool.stats();
  std::printf("\nalgorithm %s, total_workers %zu, total_dispatched %llu\n", s.algorithm.c_str(),
              s.total_workers, static_cast<unsigned long long>(s.total_dispatched));

  // Another algorithm, by name or alias.
  auto least = concurry::options<Compute>(
                   {.mode = "thread", .max_workers = 4, .load_balancing = "active"})
                   .init();
  std::printf("least_active pool: compute(21) -> %d, algorithm %s\n", least.compute(21).result(),
              least.stats().algorithm.c_str());

  // On-demand: a fresh worker per call, stopped when its call completes.
  auto on_demand = concurry::options<Compute>({.mode = "thread", .on_demand = true}).init();
  int ten = on_demand.compute(5).result();
  concurry::PoolStats od = on_demand.stats();
  std::printf("on-demand: compute(5) -> %d, total_workers %zu, on_demand_active %zu\n", ten,
              od.total_workers, od.on_demand_active);

  // The submission queue: at most 2 calls in flight per worker; the rest wait client-side.
  auto queued = concurry::options<Compute>(
                    {.mode = "thread", .max_workers = 1, .max_queued_tasks = 2})
                    .init();
  std::vector<concurry::Future<int>> five;
  for (int i = 1; i <= 5; ++i) five.push_back(queued.compute(i));
  std::vector<int> in_order = concurry::gather(five);
  std::printf("max_queued_tasks 2: %d %d %d %d %d\n", in_order[0], in_order[1], in_order[2],
              in_order[3], in_order[4]);

  pool.stop();
  try {
    pool.compute(1).result();
  } catch (const concurry::WorkerStoppedError& e) {
    std::printf("after stop: %s\n", e.what());
  }
  return 0;
}
