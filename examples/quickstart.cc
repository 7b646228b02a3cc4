// Quickstart: an ordinary class becomes a worker; calls return futures.
// Run: bazel run //examples:quickstart
#include <cstdio>
#include <string>
#include <vector>

#include "concurry/concurry.h"

// 1. An ordinary class.
class Counter : public concurry::Worker {
 public:
  explicit Counter(int start) : n_(start) {}
  int add(int k) { return n_ += k; }
  int get() const { return n_; }

 private:
  int n_;
};
// 2. Register its constructor signature and methods (at global scope, beside the class).
CONCURRY_WORKER(Counter, CONCURRY_INIT(int), add, get);

int square(int x) { return x * x; }
CONCURRY_FUNCTION(square);

int main(int argc, char** argv) {
  concurry::init(argc, argv);  // first line of main(): process mode's fork server

  // 3. Run it in a mode. The same code runs in "sync" (at the call), "thread" (its own thread),
  //    "asyncio" (its own event loop), "process" (its own OS process) and "cluster" (an actor
  //    on a cluster node; with no cluster address given, the embedded cluster in this process).
  for (const char* mode : {"sync", "thread", "asyncio", "process", "cluster"}) {
    auto counter = concurry::options<Counter>({.mode = mode}).init(5);
    concurry::Future<int> f = counter.add(2);  // returns at once
    int seven = f.result();                    // waits for the value
    int eight = counter.blocking().add(1);     // blocking view: values directly
    std::printf("%-7s worker: add(2) -> %d, add(1) -> %d\n", mode, seven, eight);
  }  // ~Handle stops the worker

  // 4. Futures compose: a future passed as an argument is awaited without blocking the caller.
  auto producer = concurry::options<Counter>({.mode = "thread"}).init(10);
  auto consumer = concurry::options<Counter>({.mode = "thread"}).init(1);
  std::printf("consumer.add(producer.get()) -> %d\n", consumer.add(producer.get()).result());

  // 5. A TaskWorker runs any function; map keeps input order.
  auto tasks = concurry::TaskWorker::options({.mode = "thread"}).init();
  std::vector<int> squares = tasks.map(&square, std::vector<int>{1, 2, 3, 4}).result();
  std::printf("map(square, 1..4) -> [%d, %d, %d, %d]\n", squares[0], squares[1], squares[2],
              squares[3]);

  // 6. task() binds a function; gather collects futures in input order.
  auto sq = concurry::task(&square, {.mode = "thread"});
  std::vector<concurry::Future<int>> futures;
  for (int i = 0; i < 5; ++i) futures.push_back(sq(i));
  std::vector<int> all = concurry::gather(futures, {.progress = true});
  int total = 0;
  for (int v : all) total += v;
  std::printf("gather(5 squares) -> sum %d\n", total);
  concurry::shutdown();  // stops the embedded cluster the cluster worker started
  return 0;
}
