// Coroutine methods and asyncio mode: interleaving, same results in every mode, exceptions,
// stop with suspended calls, awaiting other workers' futures, async gather/wait, async limits,
// retries that wait on timers, coroutine task functions.
#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "concurry/concurry.h"

namespace async_test {

using namespace std::chrono_literals;

class Pinger : public concurry::Worker {
 public:
  // first() signals A then waits for B; second() waits for A then signals B. Both finish only
  // if the worker runs them interleaved.
  concurry::Async<int> first() {
    a_.set_value();
    co_await b_.future();
    co_return 1;
  }
  concurry::Async<int> second() {
    co_await a_.future();
    b_.set_value();
    co_return 2;
  }
  concurry::Async<int> add_later(int k, int ms) {
    co_await concurry::sleep(std::chrono::milliseconds(ms));
    co_return n_ += k;
  }
  concurry::Async<int> fail_later() {
    co_await concurry::sleep(1ms);
    throw std::out_of_range("late failure");
  }
  concurry::Async<void> wait_forever(std::shared_ptr<concurry::Promise<void>> never) {
    co_await never->future();
  }
  concurry::Async<int> plus_remote(concurry::Future<int> remote) {
    int v = co_await remote;
    co_return v + 1;
  }
  concurry::Async<std::vector<int>> gather_all(std::vector<concurry::Future<int>> fs) {
    co_return co_await concurry::async_gather(std::move(fs));
  }
  // g++ 12 cannot keep a braced initializer list alive across a co_await ("array used as
  // initializer"): the request is named first.
  concurry::Async<int> hold_gpu(std::shared_ptr<concurry::Promise<void>> release) {
    const concurry::LimitRequest one_gpu{{"gpu", 1}};
    auto gpu = co_await limits().async_acquire(one_gpu);
    co_await release->future();
    co_return 1;
  }
  concurry::Async<int> want_gpu() {
    const concurry::LimitRequest one_gpu{{"gpu", 1}};
    auto gpu = co_await limits().async_acquire(one_gpu);
    co_return 2;
  }
  int plain(int x) { return x * 10; }
  concurry::Async<int> flaky() {
    ++attempts_;
    co_await concurry::sleep(1ms);
    if (attempts_ < 3) throw std::runtime_error("try again");
    co_return attempts_;
  }
  int get() const { return n_; }

 private:
  concurry::Promise<void> a_, b_;
  int n_ = 0;
  int attempts_ = 0;
};

int square(int x) { return x * x; }

}  // namespace async_test

CONCURRY_LOCAL_WORKER(async_test::Pinger, first, second, add_later, fail_later, wait_forever,
                      plus_remote, gather_all, hold_gpu, want_gpu, plain, flaky, get);

namespace concurry {
namespace {

using async_test::Pinger;
using namespace std::chrono_literals;

TEST(AsyncioTest, CallsInterleaveAtSuspensionPoints) {
  auto w = options<Pinger>({.mode = "asyncio"}).init();
  Future<int> a = w.first();
  Future<int> b = w.second();
  EXPECT_EQ(a.result(5s), 1);
  EXPECT_EQ(b.result(5s), 2);
}

TEST(AsyncioTest, ManyTimersRunConcurrently) {
  auto w = options<Pinger>({.mode = "asyncio"}).init();
  std::vector<Future<int>> fs;
  for (int i = 0; i < 200; ++i) fs.push_back(w.add_later(1, 20));
  gather(fs, {.timeout = 10s});
  EXPECT_EQ(w.get().result(), 200);
}

class EveryMode : public ::testing::TestWithParam<const char*> {};

TEST_P(EveryMode, CoroutineMethodsGiveTheSameResults) {
  auto w = options<Pinger>({.mode = GetParam()}).init();
  EXPECT_EQ(w.add_later(2, 1).result(5s), 2);
  EXPECT_EQ(w.add_later(3, 0).result(5s), 5);
  EXPECT_EQ(w.plain(4).result(5s), 40);
  EXPECT_THROW(w.fail_later().result(5s), std::out_of_range);
  EXPECT_EQ(w.get().result(5s), 5);  // still serving after the exception
}

TEST_P(EveryMode, AwaitsAnotherWorkersFuture) {
  auto producer = options<Pinger>({.mode = "thread"}).init();
  auto w = options<Pinger>({.mode = GetParam()}).init();
  Future<int> remote = producer.add_later(41, 5);
  EXPECT_EQ(w.plus_remote(remote).result(5s), 42);
  std::vector<Future<int>> fs = {make_ready_future(1), producer.plain(2)};
  EXPECT_EQ(w.gather_all(fs).result(5s), (std::vector<int>{1, 20}));
}

TEST_P(EveryMode, CoroutineTaskFunctions) {
  auto tw = TaskWorker::options({.mode = GetParam()}).init();
  auto f = tw.submit(
      [](int x) -> Async<int> {
        co_await sleep(1ms);
        co_return x * 3;
      },
      5);
  EXPECT_EQ(f.result(5s), 15);
  auto sq = task(&async_test::square, {.mode = GetParam()});
  EXPECT_EQ(sq(9).result(5s), 81);
}

INSTANTIATE_TEST_SUITE_P(Modes, EveryMode, ::testing::Values("sync", "thread", "asyncio"));

TEST(AsyncioTest, StopCancelsSuspendedCalls) {
  auto w = options<Pinger>({.mode = "asyncio"}).init();
  auto never = std::make_shared<Promise<void>>();
  Future<void> stuck = w.wait_forever(never);
  EXPECT_EQ(w.plain(1).result(5s), 10);  // the loop still serves
  EXPECT_FALSE(stuck.done());
  w.stop();
  ASSERT_TRUE(stuck.wait(5s));
  EXPECT_TRUE(stuck.cancelled());
  EXPECT_THROW(stuck.result(), CancelledError);
  never->set_value();  // a late completion resumes nothing
}

TEST(AsyncioTest, AsyncLimitWaitDoesNotBlockTheLoop) {
  LimitSet gpus({ResourceLimit{.key = "gpu", .capacity = 1}});
  auto w = options<Pinger>({.mode = "asyncio", .limits = gpus}).init();
  auto release = std::make_shared<Promise<void>>();
  Future<int> holder = w.hold_gpu(release);
  Future<int> waiter = w.want_gpu();                // suspends: the gpu is taken
  EXPECT_EQ(w.plain(7).result(5s), 70);             // the loop keeps serving meanwhile
  EXPECT_FALSE(waiter.done());
  release->set_value();
  EXPECT_EQ(holder.result(5s), 1);
  EXPECT_EQ(waiter.result(5s), 2);
}

TEST(AsyncioTest, RetryWaitsAreTimersNotSleeps) {
  auto w = options<Pinger>({.mode = "asyncio", .num_retries = 3, .retry_wait = 0.001}).init();
  EXPECT_EQ(w.flaky().result(5s), 3);
  // A long retry wait must leave the loop free for other calls.
  auto slow = options<Pinger>({.mode = "asyncio", .num_retries = 1, .retry_wait = 30.0,
                               .retry_jitter = 0.0})
                  .init();
  Future<int> retrying = slow.flaky();       // fails once, then waits 30 s on a timer
  EXPECT_EQ(slow.plain(2).result(5s), 20);   // served during that wait
  slow.stop();                               // cancels the waiting retry
  ASSERT_TRUE(retrying.wait(5s));
  EXPECT_TRUE(retrying.cancelled());
}

TEST(AsyncioTest, AsyncWaitInsideCoroutines) {
  auto tw = TaskWorker::options({.mode = "asyncio"}).init();
  Promise<int> never;
  std::vector<Future<int>> fs = {make_ready_future(1), never.future()};
  // g++ 12 mishandles temporaries inside a co_await expression: options are named first.
  auto first = tw.submit([fs]() -> Async<size_t> {
    WaitOptions first_done{.timeout = 5s, .return_when = "first_completed"};
    auto r = co_await async_wait(fs, first_done);
    co_return r.done.size();
  });
  EXPECT_EQ(first.result(5s), 1u);
  auto all = tw.submit([fs]() -> Async<bool> {
    WaitOptions all_done{.timeout = 20ms};
    try {
      co_await async_wait(fs, all_done);
    } catch (const TimeoutError&) {
      co_return true;
    }
    co_return false;
  });
  EXPECT_TRUE(all.result(5s));
  never.set_value(2);
  auto gathered = tw.submit([fs]() -> Async<int> {
    auto values = co_await async_gather(fs);
    co_return values[0] + values[1];
  });
  EXPECT_EQ(gathered.result(5s), 3);
}

TEST(AsyncioTest, Validation) {
  EXPECT_THROW(options<Pinger>({.mode = "asyncio", .max_workers = 2}).init(), InvalidOptionError);
  EXPECT_THROW(options<Pinger>({.mode = "async", .on_demand = true}).init(), InvalidOptionError);
  auto w = options<Pinger>({.mode = "asyncio"}).init();
  EXPECT_FALSE(w.stats().max_queued_tasks.has_value());  // the submission queue is bypassed
}

}  // namespace
}  // namespace concurry
