// Acquire + release cost of a LimitSet, against a mutex-guarded counter in the same run.
//   bazel run -c opt //tests/bench:limits_bench
// Rows: no limits at all (the loop alone), an empty LimitSet (target: within noise of no
// limits), an uncontended token bucket, and a token bucket with two threads contending.
#include <chrono>
#include <cstdio>
#include <mutex>
#include <thread>
#include <vector>

#include "concurry/concurry.h"

namespace {

using Clock = std::chrono::steady_clock;
constexpr int kOps = 2000000;

template <class F>
double ns_per_op(int threads, F&& body) {
  std::vector<std::thread> pool;
  auto start = Clock::now();
  for (int t = 0; t < threads; ++t) pool.emplace_back([&] { body(kOps / threads); });
  for (auto& t : pool) t.join();
  return std::chrono::duration<double, std::nano>(Clock::now() - start).count() / kOps;
}

volatile long sink = 0;

}  // namespace

int main() {
  double none = ns_per_op(1, [](int n) {
    for (int i = 0; i < n; ++i) sink = sink + 1;
  });
  std::mutex mu;
  long counter = 0;
  auto mutex_counter = [&](int n) {
    for (int i = 0; i < n; ++i) {
      std::lock_guard<std::mutex> lock(mu);
      ++counter;
    }
  };
  double mutex1 = ns_per_op(1, mutex_counter);
  double mutex2 = ns_per_op(2, mutex_counter);

  concurry::LimitSet empty;
  double empty_ns = ns_per_op(1, [&](int n) {
    for (int i = 0; i < n; ++i) {
      auto a = empty.acquire();
      sink = sink + 1;
    }
  });
  // Capacity high enough never to refuse: the cost of the bookkeeping, not of waiting.
  concurry::LimitSet bucket({concurry::RateLimit{
      .key = "t", .window = std::chrono::seconds(1), .capacity = 1e12, .algorithm = "token_bucket"}});
  auto use_bucket = [&](int n) {
    for (int i = 0; i < n; ++i) {
      auto a = bucket.acquire({{"t", 1}});
      a.update({{"t", 1}});
    }
  };
  double bucket1 = ns_per_op(1, use_bucket);
  double bucket2 = ns_per_op(2, use_bucket);

  std::printf("acquire+release, ns per operation (%d operations)\n", kOps);
  std::printf("  no limits (loop only)            %8.1f\n", none);
  std::printf("  empty LimitSet                   %8.1f   (%.2fx no limits)\n", empty_ns,
              empty_ns / none);
  std::printf("  mutex-guarded counter, 1 thread  %8.1f\n", mutex1);
  std::printf("  token bucket, uncontended        %8.1f   (%.2fx mutex counter)\n", bucket1,
              bucket1 / mutex1);
  std::printf("  mutex-guarded counter, 2 threads %8.1f\n", mutex2);
  std::printf("  token bucket, 2 threads          %8.1f   (%.2fx mutex counter)\n", bucket2,
              bucket2 / mutex2);
  return 0;
}
