// Future<T> / Promise<T>: values, errors, timeouts, cancellation, callbacks, then, threads.
#include "concurry/core/future.h"

#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <stdexcept>
#include <thread>
#include <vector>

namespace concurry {
namespace {

using namespace std::chrono_literals;

TEST(FutureTest, ValueIsReadableManyTimesFromManyThreads) {
  Promise<int> p;
  Future<int> f = p.future();
  EXPECT_FALSE(f.done());
  std::vector<std::thread> readers;
  std::atomic<int> sum{0};
  for (int i = 0; i < 4; ++i) readers.emplace_back([f, &sum] { sum += f.result(); });
  p.set_value(21);
  for (auto& t : readers) t.join();
  EXPECT_EQ(sum.load(), 84);
  EXPECT_EQ(f.result(), 21);
  EXPECT_TRUE(f.done());
  EXPECT_EQ(f.exception(), nullptr);
}

TEST(FutureTest, ExceptionComesBackAsItself) {
  Promise<int> p;
  p.set_exception(std::make_exception_ptr(std::out_of_range("index 9")));
  Future<int> f = p.future();
  EXPECT_THROW(f.result(), std::out_of_range);
  EXPECT_NE(f.exception(), nullptr);
}

TEST(FutureTest, ResultTimeoutThrowsTimeoutError) {
  Promise<int> p;
  Future<int> f = p.future();
  EXPECT_THROW(f.result(10ms), TimeoutError);
  EXPECT_THROW(f.exception(10ms), TimeoutError);
  EXPECT_FALSE(f.wait(1ms));
  p.set_value(1);
  EXPECT_EQ(f.result(10ms), 1);
}

TEST(FutureTest, CancelPendingFuture) {
  Promise<int> p;
  Future<int> f = p.future();
  EXPECT_TRUE(f.cancel());
  EXPECT_TRUE(f.cancelled());
  EXPECT_TRUE(f.done());
  EXPECT_THROW(f.result(), CancelledError);
  EXPECT_FALSE(p.set_value(3));  // too late: the future stays cancelled
  EXPECT_THROW(f.result(), CancelledError);
}

TEST(FutureTest, RunningFutureCannotBeCancelled) {
  Promise<int> p;
  Future<int> f = p.future();
  ASSERT_TRUE(p.start());
  EXPECT_TRUE(f.running());
  EXPECT_FALSE(f.cancel());
  p.set_value(5);
  EXPECT_EQ(f.result(), 5);
}

TEST(FutureTest, DoneCallbackRunsOnceAndAtOnceWhenAlreadyDone) {
  Promise<int> p;
  Future<int> f = p.future();
  int calls = 0;
  int seen = 0;
  f.add_done_callback([&](const Future<int>& g) {
    ++calls;
    seen = g.result();
  });
  EXPECT_EQ(calls, 0);
  p.set_value(8);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(seen, 8);
  bool ran_now = false;
  f.add_done_callback([&](const Future<int>&) { ran_now = true; });
  EXPECT_TRUE(ran_now);
}

TEST(FutureTest, ThenChainsValuesAndPropagatesErrors) {
  Promise<int> p;
  Future<std::string> s = p.future().then([](int v) { return std::to_string(v * 2); });
  p.set_value(21);
  EXPECT_EQ(s.result(), "42");

  Promise<int> q;
  bool called = false;
  Future<int> t = q.future().then([&](int v) {
    called = true;
    return v;
  });
  q.set_exception(std::make_exception_ptr(std::runtime_error("boom")));
  EXPECT_THROW(t.result(), std::runtime_error);
  EXPECT_FALSE(called);

  Future<int> thrown = make_ready_future(1).then([](int) -> int { throw std::logic_error("x"); });
  EXPECT_THROW(thrown.result(), std::logic_error);
}

TEST(FutureTest, VoidFuture) {
  Promise<void> p;
  Future<void> f = p.future();
  int after = 0;
  Future<int> g = f.then([&] { return ++after; });
  p.set_value();
  f.result();
  EXPECT_EQ(g.result(), 1);
}

TEST(FutureTest, BrokenPromiseFailsTheFuture) {
  Future<int> f;
  {
    Promise<int> p;
    f = p.future();
  }
  EXPECT_THROW(f.result(), Error);
}

TEST(FutureTest, InvalidFutureThrows) {
  Future<int> f;
  EXPECT_FALSE(f.valid());
  EXPECT_THROW(f.done(), Error);
}

TEST(FutureTest, ManyWaitersOnManyFutures) {
  // Waiters share striped condition variables: each must still wake for its own future.
  constexpr int kN = 200;
  std::vector<Promise<int>> promises(kN);
  std::vector<std::thread> waiters;
  std::atomic<int> ok{0};
  std::latch started(kN);
  for (int i = 0; i < kN; ++i) {
    waiters.emplace_back([f = promises[i].future(), i, &ok, &started] {
      started.count_down();
      if (f.result() == i) ++ok;
    });
  }
  started.wait();
  for (int i = kN - 1; i >= 0; --i) promises[i].set_value(i);
  for (auto& t : waiters) t.join();
  EXPECT_EQ(ok.load(), kN);
}

}  // namespace
}  // namespace concurry
