// Pools: round-robin results and stats, least_active avoiding a blocked member, on-demand
// workers, the submission queue, stop with queued calls, task() pools, validation.
#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "concurry/concurry.h"

namespace pool_test {

class Compute {
 public:
  Compute() : serial_(++constructed) {}
  static inline std::atomic<int> constructed{0};
  int serial() const { return serial_; }
  int compute(int x) { return 2 * x; }
  std::thread::id where() { return std::this_thread::get_id(); }
  // Blocks on `release` after counting down `entered`.
  int hold(std::latch* entered, std::latch* release) {
    entered->count_down();
    release->wait();
    return 1;
  }
  // Records how many calls of this worker run at once, and how many were handed to it.
  int record(int i, std::atomic<int>* running, std::atomic<int>* max_running) {
    int now = ++*running;
    int seen = max_running->load();
    while (now > seen && !max_running->compare_exchange_weak(seen, now)) {
    }
    --*running;
    return i;
  }

 private:
  int serial_;
};

}  // namespace pool_test

CONCURRY_LOCAL_WORKER(pool_test::Compute, serial, compute, where, hold, record);

namespace concurry {
namespace {

using pool_test::Compute;
using namespace std::chrono_literals;

TEST(PoolTest, RoundRobinNineCallsOnThreeWorkers) {
  auto pool = options<Compute>({.mode = "thread", .max_workers = 3}).init();
  std::vector<Future<int>> futures;
  for (int i = 0; i < 9; ++i) futures.push_back(pool.compute(i));
  EXPECT_EQ(gather(futures), (std::vector<int>{0, 2, 4, 6, 8, 10, 12, 14, 16}));
  PoolStats s = pool.stats();
  EXPECT_EQ(s.algorithm, "RoundRobin");
  EXPECT_EQ(s.total_dispatched, 9u);
  EXPECT_EQ(s.total_workers, 3u);
  EXPECT_EQ(s.max_workers, 3);
  EXPECT_FALSE(s.on_demand);
  EXPECT_FALSE(s.stopped);
  EXPECT_EQ(s.max_queued_tasks, 100);
}

TEST(PoolTest, MembersAreDistinctWorkers) {
  auto pool = options<Compute>({.mode = "thread", .max_workers = 3}).init();
  std::set<std::thread::id> threads;
  for (int i = 0; i < 3; ++i) threads.insert(pool.where().result());
  EXPECT_EQ(threads.size(), 3u);
}

TEST(PoolTest, LeastActiveSendsNewCallsToIdleWorker) {
  auto pool = options<Compute>(
                  {.mode = "thread", .max_workers = 2, .load_balancing = "least_active"})
                  .init();
  std::latch entered(1), release(1);
  Future<int> blocked = pool.hold(&entered, &release);  // member 0, now busy
  entered.wait();
  std::thread::id idle = pool.where().result();  // member 1
  // Member 0 is still busy: every further call must go to member 1 and complete.
  for (int i = 0; i < 5; ++i) {
    Future<std::thread::id> f = pool.where();
    ASSERT_TRUE(f.wait(5s)) << "a call was sent to the blocked worker";
    EXPECT_EQ(f.result(), idle);
  }
  release.count_down();
  EXPECT_EQ(blocked.result(), 1);
  EXPECT_EQ(pool.stats().algorithm, "LeastActiveLoad");
}

TEST(PoolTest, OnDemandPool) {
  auto pool = options<Compute>({.mode = "thread", .on_demand = true}).init();
  PoolStats s = pool.stats();
  EXPECT_EQ(s.total_workers, 0u);
  EXPECT_TRUE(s.on_demand);
  EXPECT_EQ(s.algorithm, "Random");  // the default for on-demand pools
  EXPECT_EQ(pool.compute(5).result(), 10);
  // The worker is stopped and its slot freed before the result becomes visible.
  EXPECT_EQ(pool.stats().on_demand_active, 0u);
  EXPECT_EQ(pool.stats().total_dispatched, 1u);
}

TEST(PoolTest, OnDemandCreatesAWorkerPerCall) {
  auto pool = options<Compute>({.mode = "thread", .max_workers = 0, .on_demand = true}).init();
  std::vector<Future<int>> fs;
  for (int i = 0; i < 6; ++i) fs.push_back(pool.serial());
  std::set<int> instances;
  for (auto& f : fs) instances.insert(f.result(5s));
  EXPECT_EQ(instances.size(), 6u);  // every call had its own worker instance
}

TEST(PoolTest, OnDemandSlotLimitAndWaitTimeout) {
  global_config().set_on_demand_slot_wait(Duration(0.05));
  {
    auto pool = options<Compute>({.mode = "thread", .max_workers = 2, .on_demand = true}).init();
    std::latch entered(2), release(1);
    Future<int> a = pool.hold(&entered, &release);
    Future<int> b = pool.hold(&entered, &release);
    entered.wait();
    Future<int> c = pool.compute(1);  // no slot: waits, then fails
    EXPECT_EQ(pool.stats().on_demand_active, 2u);
    try {
      c.result(5s);
      FAIL() << "expected TimeoutError";
    } catch (const TimeoutError& e) {
      EXPECT_NE(std::string(e.what()).find("no on-demand worker slot"), std::string::npos);
    }
    release.count_down();
    EXPECT_EQ(a.result(5s) + b.result(5s), 2);
    EXPECT_EQ(pool.compute(4).result(5s), 8);  // slots free again
  }
  global_config().reset();
}

TEST(PoolTest, SubmissionQueueLimitsCallsInFlight) {
  auto w = options<Compute>({.mode = "thread", .max_workers = 1, .max_queued_tasks = 2}).init();
  std::latch entered(1), release(1);
  Future<int> blocked = w.hold(&entered, &release);
  entered.wait();
  std::atomic<int> running{0}, max_running{0};
  std::vector<Future<int>> futures;
  auto start = Clock::now();
  for (int i = 1; i <= 5; ++i) futures.push_back(w.record(i, &running, &max_running));
  // All five returned at once, without waiting for the blocked call.
  EXPECT_LT(Clock::now() - start, 1s);
  for (auto& f : futures) EXPECT_FALSE(f.done());
  PoolStats s = w.stats();
  EXPECT_EQ(s.in_flight, 2u);  // the blocked call and one more
  EXPECT_EQ(s.queued, 4u);     // the rest wait client-side
  release.count_down();
  EXPECT_EQ(gather(futures, {.timeout = 5s}), (std::vector<int>{1, 2, 3, 4, 5}));
  EXPECT_EQ(max_running.load(), 1);  // one worker: calls ran one at a time
  EXPECT_EQ(blocked.result(), 1);
  EXPECT_EQ(w.stats().in_flight, 0u);  // slots free before results become visible
}

TEST(PoolTest, SubmissionQueueIsPerWorker) {
  auto pool = options<Compute>(
                  {.mode = "thread", .max_workers = 2, .max_queued_tasks = 1})
                  .init();
  std::latch entered(2), release(1);
  Future<int> a = pool.hold(&entered, &release);  // member 0
  Future<int> b = pool.hold(&entered, &release);  // member 1
  entered.wait();
  Future<int> c = pool.compute(1);
  Future<int> d = pool.compute(2);
  PoolStats s = pool.stats();
  EXPECT_EQ(s.in_flight, 2u);
  EXPECT_EQ(s.queued, 2u);
  release.count_down();
  EXPECT_EQ(c.result(5s), 2);
  EXPECT_EQ(d.result(5s), 4);
}

TEST(PoolTest, StopCancelsQueuedCalls) {
  auto pool = options<Compute>({.mode = "thread", .max_workers = 2, .max_queued_tasks = 1}).init();
  std::latch entered(2), release(1);
  Future<int> a = pool.hold(&entered, &release);
  Future<int> b = pool.hold(&entered, &release);
  entered.wait();
  std::vector<Future<int>> queued;
  for (int i = 0; i < 6; ++i) queued.push_back(pool.compute(i));
  std::thread stopper([&] { pool.stop(); });
  for (auto& f : queued) {
    ASSERT_TRUE(f.wait(5s));
    EXPECT_TRUE(f.cancelled());
  }
  release.count_down();
  stopper.join();
  EXPECT_EQ(a.result() + b.result(), 2);
  EXPECT_TRUE(pool.stats().stopped);
  try {
    pool.compute(1).result();
    FAIL() << "expected WorkerStoppedError";
  } catch (const WorkerStoppedError& e) {
    EXPECT_STREQ(e.what(), "Worker pool is stopped");
  }
}

TEST(PoolTest, SyncAndAsyncioBypassTheQueue) {
  // A limit given for sync mode is ignored (sync runs at the call), never a deadlock.
  auto sync = options<Compute>({.mode = "sync", .max_queued_tasks = 2}).init();
  for (int i = 0; i < 5; ++i) EXPECT_EQ(sync.compute(i).result(5s), 2 * i);
  EXPECT_FALSE(sync.stats().max_queued_tasks.has_value());
  auto loop = options<Compute>({.mode = "asyncio", .max_queued_tasks = 2}).init();
  EXPECT_EQ(loop.compute(4).result(5s), 8);
  EXPECT_FALSE(loop.stats().max_queued_tasks.has_value());
}

TEST(PoolTest, BlockingBypassesTheQueue) {
  auto pool = options<Compute>(
                  {.mode = "thread", .blocking = true, .max_workers = 2, .max_queued_tasks = 1})
                  .init();
  EXPECT_EQ(pool.compute(3).result(), 6);
  EXPECT_FALSE(pool.stats().queued);
}

TEST(PoolTest, EveryAlgorithmServesCalls) {
  for (const char* lb : {"round_robin", "least_active", "least_total", "random"}) {
    auto pool = options<Compute>({.mode = "thread", .max_workers = 4, .load_balancing = lb}).init();
    std::vector<Future<int>> fs;
    for (int i = 0; i < 100; ++i) fs.push_back(pool.compute(i));
    auto values = gather(fs, {.timeout = 10s});
    for (int i = 0; i < 100; ++i) EXPECT_EQ(values[i], 2 * i) << lb;
    EXPECT_EQ(pool.stats().total_dispatched, 100u) << lb;
  }
}

TEST(PoolTest, TaskWorkerPools) {
  std::mutex mu;
  std::set<std::thread::id> threads;
  auto where = [&](int x) {
    std::this_thread::sleep_for(2ms);
    std::lock_guard<std::mutex> lock(mu);
    threads.insert(std::this_thread::get_id());
    return x;
  };
  auto sq = task(where, {.mode = "thread", .max_workers = 4});
  std::vector<int> xs(40);
  for (int i = 0; i < 40; ++i) xs[i] = i;
  EXPECT_EQ(sq.map(xs).result(10s), xs);  // input order
  EXPECT_EQ(threads.size(), 4u);          // spread over four workers
  auto on_demand = task([](int x) { return x + 1; }, {.mode = "thread"});
  EXPECT_TRUE(on_demand.stats().on_demand);  // task()'s default in thread mode
  EXPECT_EQ(on_demand(1).result(5s), 2);
  auto sync = task([](int x) { return x; }, {.mode = "sync"});
  EXPECT_FALSE(sync.stats().on_demand);
}

TEST(PoolTest, ValidationErrors) {
  auto message = [](auto&& fn) -> std::string {
    try {
      fn();
    } catch (const InvalidOptionError& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_NE(message([] { options<Compute>({.mode = "sync", .max_workers = 2}).init(); })
                .find("max_workers must be 1 for sync mode"),
            std::string::npos);
  EXPECT_NE(message([] { options<Compute>({.mode = "sync", .on_demand = true}).init(); })
                .find("on_demand is not supported for sync mode"),
            std::string::npos);
  EXPECT_NE(message([] { options<Compute>({.mode = "thread", .max_workers = 0}).init(); })
                .find("needs on_demand = true"),
            std::string::npos);
  EXPECT_NE(message([] {
              options<Compute>({.mode = "thread", .max_workers = 2, .load_balancing = "leastactive"})
                  .init();
            }).find("did you mean 'least_active'"),
            std::string::npos);
}

}  // namespace
}  // namespace concurry
