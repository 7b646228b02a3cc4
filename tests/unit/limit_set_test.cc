// LimitSet on a fake clock: every algorithm, requests, update/release rules, waiting, fairness,
// sharing across a pool, the injected LimitSet& of task functions.
#include "concurry/core/limit_set.h"

#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <thread>
#include <vector>

#include "concurry/concurry.h"

namespace concurry {
namespace {

using namespace std::chrono_literals;

struct Fixture : ::testing::Test {
  std::shared_ptr<FakeClock> clock = std::make_shared<FakeClock>();
  LimitSet rate(const char* algorithm, double capacity, Duration window) {
    return LimitSet({RateLimit{.key = "t", .window = window, .capacity = capacity,
                               .algorithm = algorithm}},
                    clock);
  }
  int take_all(const LimitSet& set, double amount = 1) {
    int n = 0;
    while (true) {
      auto a = set.try_acquire({{"t", amount}});
      if (!a) return n;
      a->update({{"t", amount}});
      ++n;
      if (n > 10000) return n;
    }
  }
};

using LimitSetTest = Fixture;

TEST_F(LimitSetTest, TokenBucketTenThenRefusalThenOneAfter150ms) {
  LimitSet set = rate("token_bucket", 10, 1s);
  EXPECT_EQ(take_all(set), 10);
  clock->advance(150ms);  // refills 1.5 tokens
  EXPECT_EQ(take_all(set), 1);
}

TEST_F(LimitSetTest, SlidingAndFixedWindowTenPerHalfSecond) {
  for (const char* algorithm : {"sliding_window", "fixed_window"}) {
    LimitSet set = rate(algorithm, 10, 500ms);
    EXPECT_EQ(take_all(set), 10) << algorithm;
    clock->advance(100ms);
    EXPECT_EQ(take_all(set), 0) << algorithm;
    clock->advance(500ms);
    EXPECT_EQ(take_all(set), 10) << algorithm;
  }
}

TEST_F(LimitSetTest, SlidingWindowFreesOldEventsOneByOne) {
  LimitSet set = rate("sliding", 2, 1s);
  EXPECT_EQ(take_all(set), 2);
  clock->advance(600ms);
  EXPECT_EQ(take_all(set), 0);
  clock->advance(500ms);  // both first events are now older than the window
  EXPECT_EQ(take_all(set), 2);
}

TEST_F(LimitSetTest, LeakyBucketDrainsAtItsRate) {
  LimitSet set = rate("leaky_bucket", 4, 1s);
  EXPECT_EQ(take_all(set), 4);
  clock->advance(500ms);  // drains 2
  EXPECT_EQ(take_all(set), 2);
}

TEST_F(LimitSetTest, GcraBurstThenEmissionInterval) {
  LimitSet set = rate("gcra", 10, 1s);
  EXPECT_EQ(take_all(set), 10);
  clock->advance(100ms);  // one emission interval
  EXPECT_EQ(take_all(set), 1);
  clock->advance(250ms);
  EXPECT_EQ(take_all(set), 2);
}

TEST_F(LimitSetTest, UnusedTokensAreRefunded) {
  for (const char* algorithm : {"token_bucket", "gcra"}) {
    LimitSet set = rate(algorithm, 10, 1s);
    {
      auto a = set.acquire({{"t", 8}});
      a.update({{"t", 2.5}});  // fractional usage: 5.5 come back
    }
    EXPECT_EQ(take_all(set, 0.5), 15) << algorithm;  // 7.5 tokens left, in halves
  }
  LimitSet windows = rate("sliding_window", 10, 1s);
  {
    auto a = windows.acquire({{"t", 8}});
    a.update({{"t", 2}});
  }
  EXPECT_EQ(take_all(windows), 2);  // windows count what was taken
}

TEST_F(LimitSetTest, MissingUpdateAndUpdateRules) {
  LimitSet set = rate("token_bucket", 10, 1s);
  auto a = set.acquire({{"t", 1}});
  try {
    a.release();
    FAIL() << "expected LimitError";
  } catch (const LimitError& e) {
    EXPECT_STREQ(e.what(), "Not all limits in the LimitSet were updated. Missing: [t]");
  }
  EXPECT_FALSE(a.held());
  auto b = set.acquire({{"t", 1}});
  EXPECT_THROW(b.update({{"other", 1}}), LimitError);
  b.update({{"t", 1}});
  EXPECT_NO_THROW(b.release());
  { auto c = set.acquire({{"t", 1}}); }  // destructor: no throw, outside a call nothing fails
}

TEST_F(LimitSetTest, RequestRules) {
  LimitSet set({CallLimit{.window = 1s, .capacity = 5}, RateLimit{.key = "tokens", .capacity = 10},
                ResourceLimit{.key = "conn", .capacity = 2}},
               clock);
  EXPECT_THROW(set.acquire(), LimitError);  // empty request with a RateLimit present
  EXPECT_THROW(set.acquire({{"tokens", 11}}), LimitError);  // exceeds capacity
  try {
    set.acquire({{"tokenz", 1}});
    FAIL();
  } catch (const LimitError& e) {
    EXPECT_NE(std::string(e.what()).find("'tokenz'"), std::string::npos);
  }
  auto a = set.acquire({{"tokens", 3}});  // partial: call_count and conn added at 1
  EXPECT_EQ(a.requested(), (LimitRequest{{"call_count", 1}, {"conn", 1}, {"tokens", 3}}));
  a.update({{"tokens", 3}});
  LimitSet no_rate({CallLimit{.capacity = 3}, ResourceLimit{.key = "conn", .capacity = 1}}, clock);
  auto b = no_rate.acquire();  // empty: every CallLimit and ResourceLimit at 1
  EXPECT_EQ(b.requested(), (LimitRequest{{"call_count", 1}, {"conn", 1}}));
  EXPECT_FALSE(no_rate.try_acquire().has_value());  // conn is taken
  b.release();
  EXPECT_TRUE(no_rate.try_acquire().has_value());
  EXPECT_THROW(LimitSet({ResourceLimit{.key = "r", .capacity = 0.5}}), InvalidOptionError);
  EXPECT_THROW(LimitSet({RateLimit{.key = "k", .capacity = 1, .algorithm = "bucket"}}),
               InvalidOptionError);
  EXPECT_THROW(LimitSet({RateLimit{.key = "k"}, ResourceLimit{.key = "k"}}), InvalidOptionError);
}

TEST_F(LimitSetTest, EmptySetAlwaysSucceeds) {
  LimitSet empty;
  EXPECT_TRUE(empty.empty());
  auto a = empty.acquire({{"anything", 100}});
  a.update({{"anything", 1}});
  a.release();
  EXPECT_TRUE(empty.try_acquire().has_value());
}

TEST_F(LimitSetTest, AcquireWaitsForRefillAndTimesOut) {
  LimitSet set = rate("token_bucket", 1, 1s);
  auto first = set.acquire({{"t", 1}});
  first.update({{"t", 1}});
  std::atomic<bool> got{false};
  std::thread waiter([&] {
    auto a = set.acquire({{"t", 1}}, 10s);
    a.update({{"t", 1}});
    got = true;
  });
  std::this_thread::sleep_for(20ms);
  EXPECT_FALSE(got.load());
  clock->advance(1s);
  waiter.join();
  EXPECT_TRUE(got.load());
  std::atomic<bool> timed_out{false};
  std::thread late([&] {
    try {
      set.acquire({{"t", 1}}, 500ms);
    } catch (const TimeoutError&) {
      timed_out = true;
    }
  });
  std::this_thread::sleep_for(10ms);
  clock->advance(600ms);  // past the deadline, and only 0.6 tokens refilled
  late.join();
  EXPECT_TRUE(timed_out.load());
}

TEST_F(LimitSetTest, ResourceWaitersAreServedInOrder) {
  LimitSet set({ResourceLimit{.key = "slot", .capacity = 1}}, clock);
  auto held = std::make_unique<Acquisition>(set.acquire());
  std::vector<int> order;
  std::mutex mu;
  std::vector<std::thread> waiters;
  for (int i = 0; i < 3; ++i) {
    waiters.emplace_back([&, i] {
      auto a = set.acquire();
      std::lock_guard<std::mutex> lock(mu);
      order.push_back(i);
    });
    std::this_thread::sleep_for(20ms);  // queue them in a known order
  }
  EXPECT_FALSE(set.try_acquire().has_value());  // try_acquire does not jump the queue
  held.reset();
  for (auto& t : waiters) t.join();
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2}));
}

// A waiter whose caller left (its CancelCheck says so) ends with CancelledError and gives its
// place in line to the next; without this a cancelled RPC at the head stayed first in line and
// took the slot when it came free, for no one.
TEST_F(LimitSetTest, ACancelledWaiterLeavesTheLineAndTheNextGetsTheSlot) {
  LimitSet set({ResourceLimit{.key = "slot", .capacity = 1}}, clock);
  auto held = std::make_unique<Acquisition>(set.acquire());
  const auto& service = set.service();
  std::atomic<bool> gone{false};
  std::atomic<int> outcome{0};  // 1: CancelledError, 2: granted (wrong)
  std::thread first([&] {
    internal::Grant g = service->normalize({});
    try {
      service->acquire(g, std::nullopt, true, [&] { return gone.load(); });
      outcome = 2;
    } catch (const CancelledError&) {
      outcome = 1;
    }
  });
  std::this_thread::sleep_for(20ms);  // first in line
  std::atomic<bool> second_got{false};
  std::thread second([&] {
    auto a = set.acquire({}, Duration(30.0));
    second_got = true;
  });
  gone = true;
  first.join();
  EXPECT_EQ(outcome.load(), 1);
  held.reset();
  second.join();
  EXPECT_TRUE(second_got.load());
  EXPECT_TRUE(set.try_acquire().has_value());  // the second gave it back: nothing leaked
}

class Api : public Worker {
 public:
  int call(int i) {
    auto acq = limits().acquire();
    return i;
  }
  int forget(int) {
    auto acq = limits().acquire({{"tokens", 1}});
    return 1;  // no update(): the call fails with LimitError
  }
};

}  // namespace
}  // namespace concurry

CONCURRY_LOCAL_WORKER(concurry::Api, forget);

namespace concurry {
namespace {

// Drives `clock` forward 100 ms at a time until every future in `fs` is done; returns the
// simulated seconds that took. Time moves only once the calls have settled (no future completed
// for 20 ms of real time): a fixed real-time pace let a loaded machine's starved threads fall
// behind the clock, so a 1 s budget once measured 2.7 s.
double simulated_seconds(FakeClock& clock, const std::vector<Future<int>>& fs) {
  auto done = [&] {
    size_t n = 0;
    for (const auto& f : fs) n += f.done() ? 1 : 0;
    return n;
  };
  auto start = clock.now();
  for (int step = 0; step < 10000 && done() < fs.size(); ++step) {
    size_t seen = done();
    auto quiet_since = std::chrono::steady_clock::now();
    while (seen < fs.size() && std::chrono::steady_clock::now() - quiet_since < 20ms) {
      std::this_thread::sleep_for(1ms);
      if (size_t now = done(); now != seen) {
        seen = now;
        quiet_since = std::chrono::steady_clock::now();
      }
    }
    if (seen == fs.size()) break;
    clock.advance(100ms);
  }
  return std::chrono::duration<double>(clock.now() - start).count();
}

TEST_F(LimitSetTest, SharedSetIsOneBudgetAcrossAPool) {
  LimitSet shared({CallLimit{.window = 1s, .capacity = 20}}, clock);
  auto pool = options<Api>({.mode = "thread", .max_workers = 4, .limits = shared}).init();
  std::vector<Future<int>> fs;
  for (int i = 0; i < 100; ++i) fs.push_back(pool.call(&Api::call, i));
  double t = simulated_seconds(*clock, fs);
  EXPECT_GE(t, 4.0);  // 20 per second for 100 calls
  EXPECT_EQ(gather(fs).size(), 100u);
}

TEST_F(LimitSetTest, PrivateSetsGiveEachWorkerItsOwnBudget) {
  Limits per_worker(std::vector<Limit>{CallLimit{.window = 1s, .capacity = 20}}, clock);
  auto pool = options<Api>({.mode = "thread", .max_workers = 4, .limits = per_worker}).init();
  std::vector<Future<int>> fs;
  for (int i = 0; i < 100; ++i) fs.push_back(pool.call(&Api::call, i));
  double t = simulated_seconds(*clock, fs);
  EXPECT_LT(t, 2.0);  // 4 x 20 per second: 25 calls per worker need ~1 s
  EXPECT_EQ(gather(fs).size(), 100u);
}

TEST_F(LimitSetTest, WorkersAlwaysHaveLimitsAndMissingUpdateFailsTheCall) {
  auto plain = options<Api>({.mode = "thread"}).init();
  EXPECT_EQ(plain.call(&Api::call, 3).result(5s), 3);  // empty set: succeeds at once
  auto metered = options<Api>({.mode = "thread",
                               .limits = {RateLimit{.key = "tokens", .capacity = 5}}})
                     .init();
  try {
    metered.forget(1).result(5s);
    FAIL() << "expected LimitError";
  } catch (const LimitError& e) {
    EXPECT_NE(std::string(e.what()).find("Missing: [tokens]"), std::string::npos);
  }
}

TEST_F(LimitSetTest, TaskFunctionsReceiveTheWorkersLimits) {
  LimitSet shared({ResourceLimit{.key = "gpu", .capacity = 1}}, clock);
  auto tw = TaskWorker::options({.mode = "thread", .limits = shared}).init();
  auto f = tw.submit(
      [](int x, LimitSet& limits) {
        auto acq = limits.acquire({{"gpu", 1}});
        return x * 2;
      },
      21);
  EXPECT_EQ(f.result(5s), 42);
  EXPECT_TRUE(shared.try_acquire().has_value());  // released again
}

}  // namespace
}  // namespace concurry
