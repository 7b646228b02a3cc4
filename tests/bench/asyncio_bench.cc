// asyncio mode: many timer-bound calls on one worker, and the per-call overhead of a trivial
// coroutine method against raw asio::co_spawn, in the same run.
//   bazel run -c opt //tests/bench:asyncio_bench
// (1) 1,000 calls that each await a 10 ms timer, submitted from the caller's thread and
//     gathered there: asyncio worker (target <= 15 ms) vs the same calls on a thread worker
//     (target: asyncio >= 100x faster).
// (2) 200,000 trivial coroutine calls + gather vs 200,000 asio::co_spawn of a trivial awaitable
//     on an io_context thread, each completing a std::promise (target <= 2x).
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/use_awaitable.hpp>
#include <chrono>
#include <cstdio>
#include <future>
#include <thread>
#include <vector>

#include "concurry/concurry.h"

namespace {

class Io : public concurry::Worker {
 public:
  concurry::Async<int> wait_10ms(int i) {
    co_await concurry::sleep(std::chrono::milliseconds(10));
    co_return i;
  }
  concurry::Async<int> trivial(int i) { co_return i + 1; }
};

}  // namespace

CONCURRY_LOCAL_WORKER(Io, wait_10ms, trivial);

namespace {

using Clock = std::chrono::steady_clock;

double timed_calls(const char* mode, int calls) {
  auto w = concurry::options<Io>({.mode = mode}).init();
  w.trivial(0).result();  // started and warm
  std::vector<concurry::Future<int>> fs;
  fs.reserve(calls);
  auto start = Clock::now();
  for (int i = 0; i < calls; ++i) fs.push_back(w.wait_10ms(i));
  concurry::gather(fs);
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double ours_trivial(int calls) {
  auto w = concurry::options<Io>({.mode = "asyncio"}).init();
  w.trivial(0).result();
  std::vector<concurry::Future<int>> fs;
  fs.reserve(calls);
  auto start = Clock::now();
  for (int i = 0; i < calls; ++i) fs.push_back(w.trivial(i));
  concurry::gather(fs);
  return std::chrono::duration<double>(Clock::now() - start).count();
}

asio::awaitable<int> raw_trivial(int i) { co_return i + 1; }

double raw_co_spawn(int calls) {
  asio::io_context context;
  auto work = asio::make_work_guard(context);
  std::thread loop([&] { context.run(); });
  std::vector<std::future<int>> fs;
  fs.reserve(calls);
  auto start = Clock::now();
  for (int i = 0; i < calls; ++i) {
    auto p = std::make_shared<std::promise<int>>();
    fs.push_back(p->get_future());
    asio::co_spawn(context, raw_trivial(i), [p](std::exception_ptr, int v) { p->set_value(v); });
  }
  for (auto& f : fs) f.get();
  double t = std::chrono::duration<double>(Clock::now() - start).count();
  work.reset();
  loop.join();
  return t;
}

}  // namespace

int main() {
  constexpr int kTimerCalls = 1000;
  double asyncio = 1e9;
  for (int rep = 0; rep < 3; ++rep) asyncio = std::min(asyncio, timed_calls("asyncio", kTimerCalls));
  double thread = timed_calls("thread", kTimerCalls);
  std::printf("(1) %d calls awaiting a 10 ms timer, submitted and gathered by the caller\n",
              kTimerCalls);
  std::printf("  asyncio worker (best of 3) %9.1f ms   (target <= 15 ms)\n", asyncio * 1e3);
  std::printf("  thread worker              %9.1f ms\n", thread * 1e3);
  std::printf("  speed-up                   %9.0fx   (target >= 100x)\n", thread / asyncio);

  constexpr int kTrivial = 200000;
  ours_trivial(kTrivial / 10);
  raw_co_spawn(kTrivial / 10);
  double ours = 1e9, raw = 1e9;
  for (int rep = 0; rep < 3; ++rep) {
    ours = std::min(ours, ours_trivial(kTrivial));
    raw = std::min(raw, raw_co_spawn(kTrivial));
  }
  std::printf("(2) %d trivial coroutine calls + gather (best of 3)\n", kTrivial);
  std::printf("  concurry asyncio worker    %9.1f ns/call\n", ours / kTrivial * 1e9);
  std::printf("  raw asio::co_spawn+promise %9.1f ns/call\n", raw / kTrivial * 1e9);
  std::printf("  ratio ours/raw             %9.2f   (target <= 2)\n", ours / raw);
  return 0;
}
