// Thread-mode worker throughput, latency and memory, against asio::thread_pool + std::promise
// doing the same work in the same run.
//   bazel run -c opt //tests/bench:thread_worker_bench [-- calls]
// Prints calls/s for each, the time ratio (ours / baseline; target <= 1.5), one-at-a-time round
// trip latency, and peak RSS growth with every call in flight at once (target < 300 MB).
#include <sys/resource.h>

#include <asio/post.hpp>
#include <asio/thread_pool.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <latch>
#include <vector>

#include "concurry/concurry.h"

namespace {

class Adder {
 public:
  int add(int k) { return total_ += k; }
  int wait_on(std::latch* gate) {
    gate->wait();
    return 0;
  }

 private:
  int total_ = 0;
};

}  // namespace

CONCURRY_LOCAL_WORKER(Adder, add, wait_on);

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

long peak_rss_kb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

double ours_pipelined(int calls) {
  auto w = concurry::options<Adder>({.mode = "thread"}).init();
  std::vector<concurry::Future<int>> futures;
  futures.reserve(calls);
  auto start = Clock::now();
  for (int i = 0; i < calls; ++i) futures.push_back(w.add(1));
  auto values = concurry::gather(futures);
  double t = seconds_since(start);
  if (values.back() != calls) std::abort();
  return t;
}

double baseline_pipelined(int calls) {
  asio::thread_pool pool(1);
  Adder adder;
  std::vector<std::future<int>> futures;
  futures.reserve(calls);
  auto start = Clock::now();
  for (int i = 0; i < calls; ++i) {
    std::promise<int> p;
    futures.push_back(p.get_future());
    asio::post(pool, [p = std::move(p), &adder]() mutable { p.set_value(adder.add(1)); });
  }
  int last = 0;
  for (auto& f : futures) last = f.get();
  double t = seconds_since(start);
  if (last != calls) std::abort();
  pool.join();
  return t;
}

double ours_round_trip(int calls) {
  auto w = concurry::options<Adder>({.mode = "thread"}).init();
  auto start = Clock::now();
  for (int i = 0; i < calls; ++i) w.add(1).result();
  return seconds_since(start) / calls;
}

double baseline_round_trip(int calls) {
  asio::thread_pool pool(1);
  Adder adder;
  auto start = Clock::now();
  for (int i = 0; i < calls; ++i) {
    std::promise<int> p;
    auto f = p.get_future();
    asio::post(pool, [p = std::move(p), &adder]() mutable { p.set_value(adder.add(1)); });
    f.get();
  }
  double t = seconds_since(start) / calls;
  pool.join();
  return t;
}

// Every call in flight at once: the worker is held on a latch while all are submitted.
long ours_in_flight_kb(int calls) {
  long before = peak_rss_kb();
  auto w = concurry::options<Adder>({.mode = "thread"}).init();
  std::latch gate(1);
  auto held = w.wait_on(&gate);
  std::vector<concurry::Future<int>> futures;
  futures.reserve(calls);
  for (int i = 0; i < calls; ++i) futures.push_back(w.add(1));
  long peak = peak_rss_kb();
  gate.count_down();
  concurry::gather(futures);
  return peak - before;
}

}  // namespace

int main(int argc, char** argv) {
  int calls = argc > 1 ? std::atoi(argv[1]) : 1000000;
  // Memory first, so the peak RSS reflects this phase alone.
  long in_flight_kb = ours_in_flight_kb(calls);
  ours_pipelined(calls / 10);  // warm-up
  baseline_pipelined(calls / 10);
  double ours = 1e9, base = 1e9;
  for (int rep = 0; rep < 3; ++rep) {  // best of three, alternating
    ours = std::min(ours, ours_pipelined(calls));
    base = std::min(base, baseline_pipelined(calls));
  }
  int rt_calls = 20000;
  double ours_rt = ours_round_trip(rt_calls);
  double base_rt = baseline_round_trip(rt_calls);

  std::printf("pipelined, %d calls then gather (best of 3)\n", calls);
  std::printf("  concurry thread worker   %8.3f s  %10.0f calls/s\n", ours, calls / ours);
  std::printf("  asio::thread_pool+promise%8.3f s  %10.0f calls/s\n", base, calls / base);
  std::printf("  time ratio ours/baseline %8.2f  (target <= 1.5)\n", ours / base);
  std::printf("round trip, one call at a time (%d calls)\n", rt_calls);
  std::printf("  concurry thread worker   %8.2f us\n", ours_rt * 1e6);
  std::printf("  asio::thread_pool+promise%8.2f us\n", base_rt * 1e6);
  std::printf("  latency ratio ours/baseline %5.2f\n", ours_rt / base_rt);
  std::printf("memory with %d calls in flight: peak RSS grew %.1f MB (target < 300 MB)\n", calls,
              in_flight_kb / 1024.0);
  return 0;
}
