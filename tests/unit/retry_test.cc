// Retries: attempt counts, retry_on filters and predicates, per-method maps, validation with
// RetryValidationError, wait formulas and jitter bounds, and retries through real workers.
#include "concurry/core/retry.h"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <string>

#include "concurry/concurry.h"

namespace retry_test {

class Flaky : public concurry::Worker {
 public:
  // Fails until the n-th call, then returns the attempt count.
  int fetch(int succeed_on) {
    ++calls_;
    if (calls_ < succeed_on) throw std::runtime_error("transient " + std::to_string(calls_));
    return calls_;
  }
  int typed(int) {
    ++calls_;
    throw std::invalid_argument("bad input");
  }
  std::string answer(int good_on) {
    ++calls_;
    return calls_ >= good_on ? "{\"ok\":1}" : "garbage";
  }
  int calls() const { return calls_; }

 private:
  int calls_ = 0;
};

}  // namespace retry_test

CONCURRY_WORKER(retry_test::Flaky, fetch, typed, answer, calls);

namespace concurry {
namespace {

using retry_test::Flaky;
using namespace std::chrono_literals;

RetryPolicy policy(int retries) {
  RetryPolicy p;
  p.num_retries = retries;
  p.wait = 0;
  p.jitter = 0;
  return p;
}

TEST(RetryLoopTest, AttemptsAreRetriesPlusOne) {
  int calls = 0;
  auto always_fails = [&]() -> int {
    ++calls;
    throw std::runtime_error("down");
  };
  EXPECT_THROW(internal::run_with_retries<int>(policy(3), "m", always_fails, [](Duration) {}),
               std::runtime_error);
  EXPECT_EQ(calls, 4);
  calls = 0;
  auto third_time = [&] { return ++calls < 3 ? throw std::runtime_error("x"), 0 : calls; };
  EXPECT_EQ(internal::run_with_retries<int>(policy(5), "m", third_time, [](Duration) {}), 3);
}

TEST(RetryLoopTest, RetryOnFiltersTypesAndPredicates) {
  RetryPolicy p = policy(5);
  p.retry_on = {retry_on<std::runtime_error>()};
  int calls = 0;
  auto wrong_type = [&]() -> int {
    ++calls;
    throw std::invalid_argument("not retried");
  };
  EXPECT_THROW(internal::run_with_retries<int>(p, "m", wrong_type, [](Duration) {}),
               std::invalid_argument);
  EXPECT_EQ(calls, 1);  // refused at once
  // Derived types match: std::range_error is a std::runtime_error.
  calls = 0;
  auto derived = [&]() -> int {
    if (++calls < 2) throw std::range_error("retried");
    return 7;
  };
  EXPECT_EQ(internal::run_with_retries<int>(p, "m", derived, [](Duration) {}), 7);
  // A predicate sees the attempt number and the method.
  std::vector<int> seen;
  p.retry_on = {[&](const RetryContext& ctx) {
    seen.push_back(ctx.attempt);
    EXPECT_EQ(ctx.method, "fetch");
    EXPECT_NE(ctx.exception, nullptr);
    return ctx.attempt < 2;
  }};
  calls = 0;
  auto fails = [&]() -> int {
    ++calls;
    throw std::runtime_error("x");
  };
  EXPECT_THROW(internal::run_with_retries<int>(p, "fetch", fails, [](Duration) {}),
               std::runtime_error);
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(seen, (std::vector<int>{1, 2}));
}

TEST(RetryLoopTest, ValidationFailuresGiveRetryValidationError) {
  RetryPolicy p = policy(2);
  p.until = {until<int>([](const int& r, const RetryContext&) { return r > 10; })};
  int n = 0;
  try {
    internal::run_with_retries<int>(p, "compute", [&] { return ++n; }, [](Duration) {});
    FAIL() << "expected RetryValidationError";
  } catch (const RetryValidationError& e) {
    EXPECT_EQ(e.attempts(), 3);
    EXPECT_EQ(e.results_as<int>(), (std::vector<int>{1, 2, 3}));
    ASSERT_EQ(e.validation_errors().size(), 3u);
    EXPECT_NE(e.validation_errors()[0].find("attempt 1"), std::string::npos);
  }
  n = 10;
  EXPECT_EQ(internal::run_with_retries<int>(p, "compute", [&] { return ++n; }, [](Duration) {}),
            11);
  // A validator for another result type does not apply to this method.
  RetryPolicy other = policy(1);
  other.until = {until<std::string>([](const std::string&, const RetryContext&) { return false; })};
  EXPECT_EQ(internal::run_with_retries<int>(other, "m", [] { return 1; }, [](Duration) {}), 1);
}

TEST(RetryWaitTest, FormulasWithoutJitter) {
  std::mt19937_64 rng(1);
  auto w = [&](RetryAlgorithm a, int attempt) { return retry_wait(a, 0.5, 0, attempt, rng).count(); };
  EXPECT_DOUBLE_EQ(w(RetryAlgorithm::kLinear, 1), 0.5);
  EXPECT_DOUBLE_EQ(w(RetryAlgorithm::kLinear, 3), 1.5);
  EXPECT_DOUBLE_EQ(w(RetryAlgorithm::kExponential, 1), 0.5);
  EXPECT_DOUBLE_EQ(w(RetryAlgorithm::kExponential, 4), 4.0);
  double fib[] = {1, 1, 2, 3, 5, 8};
  for (int a = 1; a <= 6; ++a) EXPECT_DOUBLE_EQ(w(RetryAlgorithm::kFibonacci, a), 0.5 * fib[a - 1]);
}

TEST(RetryWaitTest, JitterStaysWithinBounds) {
  std::mt19937_64 rng(2);
  double lo = 1e9, hi = 0;
  for (int i = 0; i < 2000; ++i) {
    double d = retry_wait(RetryAlgorithm::kExponential, 1.0, 0.3, 3, rng).count();
    lo = std::min(lo, d);
    hi = std::max(hi, d);
  }
  EXPECT_GE(lo, 4.0 * 0.7);
  EXPECT_LE(hi, 4.0);
  EXPECT_LT(lo, 4.0 * 0.75);  // the range is really used
  EXPECT_GT(hi, 4.0 * 0.95);
  double full = retry_wait(RetryAlgorithm::kLinear, 1.0, 1.0, 1, rng).count();
  EXPECT_GE(full, 0.0);
  EXPECT_LE(full, 1.0);
}

TEST(RetryWaitTest, LoopSleepsTheComputedWaits) {
  RetryPolicy p = policy(3);
  p.wait = 0.1;
  p.algorithm = RetryAlgorithm::kLinear;
  std::vector<double> slept;
  EXPECT_THROW(internal::run_with_retries<int>(
                   p, "m", []() -> int { throw std::runtime_error("x"); },
                   [&](Duration d) { slept.push_back(d.count()); }),
               std::runtime_error);
  ASSERT_EQ(slept.size(), 3u);
  EXPECT_DOUBLE_EQ(slept[0], 0.1);
  EXPECT_DOUBLE_EQ(slept[1], 0.2);
  EXPECT_NEAR(slept[2], 0.3, 1e-12);
}

TEST(RetryWorkerTest, RetriesRunWhereTheMethodRuns) {
  for (const char* mode : {"sync", "thread"}) {
    auto w = options<Flaky>({.mode = mode, .num_retries = 3, .retry_wait = 0.001}).init();
    EXPECT_EQ(w.fetch(3).result(5s), 3) << mode;  // two failures, then success
    auto v = options<Flaky>({.mode = mode, .num_retries = 1, .retry_wait = 0.001}).init();
    EXPECT_THROW(v.fetch(5).result(5s), std::runtime_error) << mode;
    EXPECT_EQ(v.calls().result(), 2) << mode;
  }
}

TEST(RetryWorkerTest, PerMethodMapsAndFilters) {
  auto w = options<Flaky>({.mode = "thread",
                           .num_retries = PerMethod<int>{{"*", 0}, {"fetch", 4}},
                           .retry_on = PerMethod<RetryFilters>{{"*", {retry_on<std::runtime_error>()}}},
                           .retry_wait = 0.001})
               .init();
  EXPECT_EQ(w.fetch(4).result(5s), 4);
  EXPECT_THROW(w.typed(1).result(5s), std::invalid_argument);  // not a runtime_error: no retry
  EXPECT_EQ(w.calls().result(), 5);                             // 4 fetch + 1 typed
}

TEST(RetryWorkerTest, RetryUntilThroughAWorker) {
  auto w = options<Flaky>({.mode = "thread",
                           .num_retries = 5,
                           .retry_wait = 0.001,
                           .retry_until = {until<std::string>([](const std::string& r,
                                                                 const RetryContext&) {
                             return r.front() == '{';
                           })}})
               .init();
  EXPECT_EQ(w.answer(3).result(5s), "{\"ok\":1}");
  auto strict = options<Flaky>({.mode = "thread",
                                .num_retries = 1,
                                .retry_wait = 0.001,
                                .retry_until = {until<std::string>(
                                    [](const std::string&, const RetryContext&) { return false; })}})
                    .init();
  try {
    strict.answer(1).result(5s);
    FAIL() << "expected RetryValidationError";
  } catch (const RetryValidationError& e) {
    EXPECT_EQ(e.attempts(), 2);
    EXPECT_EQ(e.results_as<std::string>().size(), 2u);
  }
}

TEST(RetryWorkerTest, TaskWorkerUsesSubmitAsMethodName) {
  std::atomic<int> calls{0};
  auto tw = TaskWorker::options({.mode = "thread",
                                 .num_retries = PerMethod<int>{{"*", 0}, {"submit", 2}},
                                 .retry_wait = 0.001})
                .init();
  auto f = tw.submit([&] {
    if (++calls < 3) throw std::runtime_error("again");
    return calls.load();
  });
  EXPECT_EQ(f.result(5s), 3);
}

TEST(RetryWorkerTest, QueueSlotIsTakenOnceAcrossRetries) {
  auto w = options<Flaky>({.mode = "thread", .max_queued_tasks = 1, .num_retries = 3,
                           .retry_wait = 0.001})
               .init();
  EXPECT_EQ(w.fetch(4).result(5s), 4);
  EXPECT_EQ(w.stats().in_flight, 0u);
  EXPECT_EQ(w.stats().total_dispatched, 1u);  // one submission, four attempts
}

}  // namespace
}  // namespace concurry
