// Handle<T> in sync and thread modes: typed calls, call(), blocking view and option, stop,
// exceptions, per-worker state, future unwrapping, validation at init.
#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <stdexcept>
#include <string>
#include <thread>

#include "concurry/concurry.h"

namespace handle_test {

class Counter : public concurry::Worker {
 public:
  explicit Counter(int start = 0) : n_(start) {}
  int add(int k) { return n_ += k; }
  int get() const { return n_; }
  std::string describe(const std::string& prefix) const { return prefix + std::to_string(n_); }
  void reset() { n_ = 0; }
  int fail(int code) {
    if (code == 1) throw std::invalid_argument("bad code");
    return code;
  }
  std::thread::id where() const { return std::this_thread::get_id(); }
  // Blocks until the test releases it.
  int hold(std::latch* entered, std::latch* release) {
    entered->count_down();
    release->wait();
    return ++n_;
  }

 private:
  int n_;
};

class Plain {  // not registered: reachable through call()
 public:
  int twice(int x) const { return 2 * x; }
};

class WithDefaults {
 public:
  static concurry::Options default_options() { return {.mode = "thread", .blocking = true}; }
  int one() { return 1; }
};

}  // namespace handle_test

// hold() takes pointers and where() returns a thread id: local modes only.
CONCURRY_LOCAL_WORKER(handle_test::Counter, add, get, describe, reset, fail, where,
                      hold);
CONCURRY_LOCAL_WORKER(handle_test::WithDefaults, one);

namespace concurry {
namespace {

using handle_test::Counter;
using namespace std::chrono_literals;

class HandleModeTest : public ::testing::TestWithParam<const char*> {};

TEST_P(HandleModeTest, TypedCallsReturnFutures) {
  auto c = options<Counter>({.mode = GetParam()}).init(5);
  Future<int> f = c.add(2);
  EXPECT_EQ(f.result(), 7);
  EXPECT_EQ(c.call(&Counter::add, 3).result(), 10);
  EXPECT_EQ(c.describe("n=").result(), "n=10");
  c.reset().result();
  EXPECT_EQ(c.get().result(), 0);
}

TEST_P(HandleModeTest, BlockingViewReturnsValues) {
  auto c = options<Counter>({.mode = GetParam()}).init(1);
  auto b = c.blocking();
  int v = b.add(1);
  EXPECT_EQ(v, 2);
  EXPECT_EQ(b.call(&Counter::get), 2);
  EXPECT_THROW(b.fail(1), std::invalid_argument);
}

TEST_P(HandleModeTest, MethodExceptionComesBackAsItself) {
  auto c = options<Counter>({.mode = GetParam()}).init(0);
  Future<int> f = c.fail(1);
  EXPECT_THROW(f.result(), std::invalid_argument);
  EXPECT_EQ(c.fail(4).result(), 4);  // the worker keeps serving
}

TEST_P(HandleModeTest, CallsAfterStopFail) {
  auto c = options<Counter>({.mode = GetParam()}).init(0);
  c.stop();
  c.stop();  // idempotent
  EXPECT_TRUE(c.is_stopped());
  try {
    c.add(1).result();
    FAIL() << "expected WorkerStoppedError";
  } catch (const WorkerStoppedError& e) {
    EXPECT_STREQ(e.what(), "Worker is stopped");
  }
}

TEST_P(HandleModeTest, EachWorkerHasItsOwnState) {
  auto a = options<Counter>({.mode = GetParam()}).init(0);
  auto b = options<Counter>({.mode = GetParam()}).init(0);
  a.add(1);
  EXPECT_EQ(a.add(1).result(), 2);
  EXPECT_EQ(b.add(1).result(), 1);
}

TEST_P(HandleModeTest, UnregisteredClassWorksThroughCall) {
  auto p = options<handle_test::Plain>({.mode = GetParam()}).init();
  EXPECT_EQ(p.call(&handle_test::Plain::twice, 21).result(), 42);
}

TEST_P(HandleModeTest, FutureArgumentsAreUnwrapped) {
  auto producer = options<Counter>({.mode = GetParam()}).init(10);
  auto consumer = options<Counter>({.mode = GetParam()}).init(1);
  Future<int> ten = producer.get();
  EXPECT_EQ(consumer.add(ten).result(), 11);
}

TEST_P(HandleModeTest, FailedInputFailsTheCall) {
  auto producer = options<Counter>({.mode = GetParam()}).init(0);
  auto consumer = options<Counter>({.mode = GetParam()}).init(1);
  Future<int> bad = producer.fail(1);
  EXPECT_THROW(consumer.add(bad).result(), std::invalid_argument);
  EXPECT_EQ(consumer.get().result(), 1);  // the failed call never ran
}

INSTANTIATE_TEST_SUITE_P(Modes, HandleModeTest, ::testing::Values("sync", "thread"));

TEST(HandleTest, SyncRunsOnCallerThreadThreadModeOnItsOwn) {
  auto s = options<Counter>({.mode = "sync"}).init();
  auto t = options<Counter>({.mode = "thread"}).init();
  EXPECT_EQ(s.where().result(), std::this_thread::get_id());
  auto worker_thread = t.where().result();
  EXPECT_NE(worker_thread, std::this_thread::get_id());
  EXPECT_EQ(t.where().result(), worker_thread);  // one thread per worker
}

TEST(HandleTest, ThreadModeRunsCallsInSubmissionOrder) {
  // With the default queue (100 in flight) and a tight one: calls that waited client-side for a
  // slot must never overtake calls already queued at the worker.
  for (int limit : {100, 2}) {
    auto c = options<Counter>({.mode = "thread", .max_queued_tasks = limit}).init(0);
    std::vector<Future<std::string>> seen;
    for (int i = 1; i <= 300; ++i) {
      c.add(i);
      seen.push_back(c.describe(""));
    }
    int expected = 0;
    for (int i = 1; i <= 300; ++i) {
      expected += i;
      ASSERT_EQ(seen[i - 1].result(), std::to_string(expected)) << "limit " << limit;
    }
  }
}

TEST(HandleTest, UnwrapDoesNotBlockTheCaller) {
  // The input is still pending when the call is made; the call must return at once and run
  // once the input completes.
  auto c = options<Counter>({.mode = "thread"}).init(1);
  Promise<int> input;
  Future<int> out = c.add(input.future());
  EXPECT_FALSE(out.wait(20ms));
  input.set_value(41);
  EXPECT_EQ(out.result(5s), 42);
}

TEST(HandleTest, UnwrapOffRefusesFutureForValueParameter) {
  auto c = options<Counter>({.mode = "thread", .unwrap_futures = false}).init(1);
  Future<int> f = c.add(make_ready_future(1));
  EXPECT_THROW(f.result(), InvalidOptionError);
}

TEST(HandleTest, StopCancelsQueuedCalls) {
  auto c = options<Counter>({.mode = "thread"}).init(0);
  std::latch entered(1), release(1);
  Future<int> running = c.hold(&entered, &release);
  entered.wait();
  std::vector<Future<int>> queued;
  for (int i = 0; i < 5; ++i) queued.push_back(c.add(1));
  std::thread stopper([&] { c.stop(); });
  // stop() cancels the queued calls before it waits for the running one.
  for (auto& f : queued) {
    ASSERT_TRUE(f.wait(5s));
    EXPECT_TRUE(f.cancelled());
    EXPECT_THROW(f.result(), CancelledError);
  }
  release.count_down();
  stopper.join();
  EXPECT_EQ(running.result(), 1);  // the running call finished
}

TEST(HandleTest, BlockingOptionWaitsBeforeReturning) {
  auto c = options<Counter>({.mode = "thread", .blocking = true}).init(0);
  Future<int> f = c.add(3);
  EXPECT_TRUE(f.done());
  EXPECT_EQ(f.result(), 3);
}

TEST(HandleTest, ClassDefaultOptionsApplyAndCallOptionsWin) {
  auto w = options<handle_test::WithDefaults>().init();
  EXPECT_EQ(w.resolved_options().mode, Mode::kThread);
  EXPECT_TRUE(w.resolved_options().blocking);
  auto s = options<handle_test::WithDefaults>({.mode = "sync"}).init();
  EXPECT_EQ(s.resolved_options().mode, Mode::kSync);
  EXPECT_EQ(s.one().result(), 1);
}

TEST(HandleTest, DestructorStops) {
  Future<int> later;
  {
    auto c = options<Counter>({.mode = "thread"}).init(0);
    later = c.add(1);
  }
  // Either it ran before the stop or it was cancelled by it; it never hangs.
  ASSERT_TRUE(later.wait(5s));
}

TEST(HandleTest, ValidationErrorsAtInit) {
  auto message = [](auto&& fn) -> std::string {
    try {
      fn();
    } catch (const InvalidOptionError& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_NE(message([] { options<Counter>({.mode = "thred"}).init(); }).find("did you mean 'thread'"),
            std::string::npos);
  EXPECT_NE(message([] { options<Counter>({.mode = "sync", .max_workers = 2}).init(); })
                .find("max_workers must be 1 for sync mode"),
            std::string::npos);
  EXPECT_NE(message([] {
              options<Counter>({.mode = "thread", .num_retries = PerMethod<int>{{"add", 1}}}).init();
            }).find("\"*\""),
            std::string::npos);
  EXPECT_NE(message([] {
              options<Counter>({.mode = "thread", .num_retries = PerMethod<int>{{"*", 0}, {"ad", 1}}})
                  .init();
            }).find("names method 'ad'"),
            std::string::npos);
  // A typo'd cluster placement is refused at init, before anything is contacted.
  EXPECT_NE(message([] { options<Counter>({.mode = "cluster", .placement = "spraed"}).init(); })
                .find("placement"),
            std::string::npos);
  // A class without CONCURRY_WORKER registration cannot cross a process boundary.
  EXPECT_NE(message([] { options<Counter>({.mode = "process", .mp_context = "fork"}).init(); })
                .find("needs the class registered with CONCURRY_WORKER"),
            std::string::npos);
  EXPECT_NE(message([] { options<Counter>({.mode = "thread", .resources = {{"cpu", 1}}}).init(); })
                .find("cluster mode only"),
            std::string::npos);
}

}  // namespace
}  // namespace concurry
