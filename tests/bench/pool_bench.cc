// Pool dispatch cost by algorithm and pool size, and 2-worker pool vs single-worker throughput.
//   bazel run -c opt //tests/bench:pool_bench
// (1) LoadBalancer pick()+completed() alone, ns per call, at 4, 64 and 1,024 workers.
// (2) Pool dispatch: every member is held busy on a latch while 100,000 calls are submitted, so
//     the time per call is the dispatch path itself (lock, pick, admit, enqueue) without thread
//     wake-ups; target: the cost at 1,024 within 2x the cost at 4.
// (3) 1,000,000 pipelined trivial calls + gather on a 2-worker pool vs a single worker.
#include <chrono>
#include <cstdio>
#include <latch>
#include <string>
#include <vector>

#include "concurry/concurry.h"
#include "concurry/core/load_balancer.h"

namespace {

class Adder {
 public:
  int add(int k) { return k + 1; }
  int hold(std::latch* gate) {
    gate->wait();
    return 0;
  }
};

}  // namespace

CONCURRY_LOCAL_WORKER(Adder, add, hold);

namespace {

using Clock = std::chrono::steady_clock;

double balancer_ns(concurry::LoadBalancing lb, size_t n) {
  concurry::LoadBalancer balancer(lb, n, 7);
  constexpr int kOps = 2000000;
  // Keep a window of calls in flight, completing the oldest, so least_* see real movement.
  std::vector<size_t> window(64);
  auto start = Clock::now();
  for (int i = 0; i < kOps; ++i) {
    size_t slot = i % window.size();
    if (i >= static_cast<int>(window.size())) balancer.completed(window[slot]);
    window[slot] = balancer.pick();
  }
  return std::chrono::duration<double, std::nano>(Clock::now() - start).count() / kOps;
}

double dispatch_ns(const char* lb, int n) {
  auto pool = concurry::options<Adder>({.mode = "thread",
                                        .max_workers = n,
                                        .load_balancing = lb,
                                        .max_queued_tasks = 0})
                  .init();
  std::latch gate(1);
  std::vector<concurry::Future<int>> held;
  // Occupy every member: one hold each spreads over all members for round robin and least_*;
  // random needs more draws to hit every member (20 per member misses one with p < 1e-5).
  int holds = std::string(lb) == "random" ? 20 * n : n;
  for (int i = 0; i < holds; ++i) held.push_back(pool.hold(&gate));
  constexpr int kCalls = 100000;
  std::vector<concurry::Future<int>> futures;
  futures.reserve(kCalls);
  auto start = Clock::now();
  for (int i = 0; i < kCalls; ++i) futures.push_back(pool.add(i));
  double ns = std::chrono::duration<double, std::nano>(Clock::now() - start).count() / kCalls;
  gate.count_down();
  concurry::gather(futures);
  return ns;
}

double pipelined_seconds(int workers, int calls) {
  auto pool = concurry::options<Adder>({.mode = "thread", .max_workers = workers}).init();
  std::vector<concurry::Future<int>> futures;
  futures.reserve(calls);
  auto start = Clock::now();
  for (int i = 0; i < calls; ++i) futures.push_back(pool.add(i));
  concurry::gather(futures);
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

int main() {
  const concurry::LoadBalancing algorithms[] = {
      concurry::LoadBalancing::kRoundRobin, concurry::LoadBalancing::kLeastActive,
      concurry::LoadBalancing::kLeastTotal, concurry::LoadBalancing::kRandom};
  std::printf("(1) LoadBalancer pick+completed, ns per call\n");
  std::printf("  %-14s %8s %8s %8s %10s\n", "algorithm", "n=4", "n=64", "n=1024", "1024/4");
  for (auto lb : algorithms) {
    double a = balancer_ns(lb, 4), b = balancer_ns(lb, 64), c = balancer_ns(lb, 1024);
    std::printf("  %-14s %8.1f %8.1f %8.1f %10.2f\n",
                std::string(concurry::to_string(lb)).c_str(), a, b, c, c / a);
  }
  std::printf("(2) pool dispatch with members busy, ns per call (target 1024/4 <= 2)\n");
  std::printf("  %-14s %8s %8s %8s %10s\n", "algorithm", "n=4", "n=64", "n=1024", "1024/4");
  for (auto lb : algorithms) {
    std::string name(concurry::to_string(lb));
    double a = dispatch_ns(name.c_str(), 4), b = dispatch_ns(name.c_str(), 64),
           c = dispatch_ns(name.c_str(), 1024);
    std::printf("  %-14s %8.1f %8.1f %8.1f %10.2f\n", name.c_str(), a, b, c, c / a);
  }
  constexpr int kCalls = 1000000;
  double one = pipelined_seconds(1, kCalls), two = pipelined_seconds(2, kCalls);
  std::printf("(3) %d pipelined trivial calls + gather\n", kCalls);
  std::printf("  single worker   %.3f s  %10.0f calls/s\n", one, kCalls / one);
  std::printf("  2-worker pool   %.3f s  %10.0f calls/s  (pool/single time %.2f)\n", two,
              kCalls / two, two / one);
  return 0;
}
