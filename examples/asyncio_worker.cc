// asyncio mode: coroutine methods interleave on the worker's event loop.
// Run: bazel run //examples:asyncio_worker
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "concurry/concurry.h"

using namespace std::chrono_literals;

class Fetcher : public concurry::Worker {
 public:
  // A coroutine method: co_await suspends it; the loop serves other calls meanwhile.
  concurry::Async<std::string> fetch(int id) {
    co_await concurry::sleep(10ms);  // stands in for network I/O: a timer, not a sleep
    ++done_;
    co_return "page " + std::to_string(id);
  }
  // Awaiting another worker's future.
  concurry::Async<int> length_of(concurry::Future<std::string> page) {
    std::string text = co_await page;
    co_return static_cast<int>(text.size());
  }
  int done() const { return done_; }  // plain methods run on the same loop

 private:
  int done_ = 0;
};
CONCURRY_WORKER(Fetcher, fetch, length_of, done);

int main() {
  auto fetcher = concurry::options<Fetcher>({.mode = "asyncio"}).init();
  auto start = std::chrono::steady_clock::now();
  std::vector<concurry::Future<std::string>> pages;
  for (int i = 0; i < 100; ++i) pages.push_back(fetcher.fetch(i));
  std::vector<std::string> all = concurry::gather(pages);
  auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start);
  std::printf("fetched %zu pages concurrently: %s in %s\n", all.size(),
              ms.count() < 500 ? "well under 100 x 10 ms" : "slowly",
              all.back().c_str());
  std::printf("done() -> %d\n", fetcher.done().result());

  // The same coroutine method in thread mode runs each call to completion: same results.
  auto threaded = concurry::options<Fetcher>({.mode = "thread"}).init();
  std::printf("thread mode fetch(7) -> %s\n", threaded.fetch(7).result().c_str());

  // Futures compose across modes: a thread worker's result awaited by the asyncio worker.
  std::printf("length_of(threaded.fetch(42)) -> %d\n",
              fetcher.length_of(threaded.fetch(42)).result());

  // Coroutine task functions work in every mode.
  auto tasks = concurry::TaskWorker::options({.mode = "asyncio"}).init();
  auto doubled = tasks.submit(
      [](int x) -> concurry::Async<int> {
        co_await concurry::sleep(1ms);
        co_return 2 * x;
      },
      21);
  std::printf("coroutine task -> %d\n", doubled.result());
  return 0;
}
