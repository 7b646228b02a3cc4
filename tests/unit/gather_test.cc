// gather / wait / as_completed over vectors, maps and tuples.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "concurry/concurry.h"

namespace concurry {
namespace {

using namespace std::chrono_literals;

std::vector<Promise<int>> promises(int n) { return std::vector<Promise<int>>(n); }
std::vector<Future<int>> futures_of(const std::vector<Promise<int>>& ps) {
  std::vector<Future<int>> fs;
  for (const auto& p : ps) fs.push_back(p.future());
  return fs;
}

TEST(GatherTest, KeepsInputOrder) {
  auto ps = promises(3);
  auto fs = futures_of(ps);
  ps[2].set_value(30);
  ps[0].set_value(10);
  ps[1].set_value(20);
  EXPECT_EQ(gather(fs), (std::vector<int>{10, 20, 30}));
  EXPECT_TRUE(gather(std::vector<Future<int>>{}).empty());
}

TEST(GatherTest, FirstErrorInInputOrderOrReturnExceptions) {
  auto ps = promises(3);
  auto fs = futures_of(ps);
  ps[0].set_value(1);
  ps[1].set_exception(std::make_exception_ptr(std::logic_error("one")));
  ps[2].set_exception(std::make_exception_ptr(std::runtime_error("two")));
  EXPECT_THROW(gather(fs), std::logic_error);
  std::vector<Result<int>> rs = gather(fs, {.return_exceptions = true});
  ASSERT_EQ(rs.size(), 3u);
  EXPECT_TRUE(rs[0].ok());
  EXPECT_EQ(rs[0].value(), 1);
  EXPECT_FALSE(rs[1].ok());
  EXPECT_THROW(rs[1].value(), std::logic_error);
  EXPECT_THROW(rs[2].value(), std::runtime_error);
}

TEST(GatherTest, TimeoutThrows) {
  auto ps = promises(2);
  ps[0].set_value(1);
  EXPECT_THROW(gather(futures_of(ps), {.timeout = 20ms}), TimeoutError);
  EXPECT_THROW(gather(futures_of(ps), {.timeout = 20ms, .progress = [](size_t, size_t, Duration) {}}),
               TimeoutError);
}

TEST(GatherTest, MapsAndTuples) {
  std::map<std::string, Future<int>> m = {{"a", make_ready_future(1)}, {"b", make_ready_future(2)}};
  std::map<std::string, int> values = gather(m);
  EXPECT_EQ(values, (std::map<std::string, int>{{"a", 1}, {"b", 2}}));
  auto [i, s] = gather(std::tuple{make_ready_future(7), make_ready_future(std::string("x"))});
  EXPECT_EQ(i, 7);
  EXPECT_EQ(s, "x");
  std::map<std::string, Future<int>> bad = {
      {"ok", make_ready_future(1)},
      {"bad", make_failed_future<int>(std::make_exception_ptr(std::runtime_error("no")))}};
  auto outcomes = gather(bad, {.return_exceptions = true});
  EXPECT_TRUE(outcomes.at("ok").ok());
  EXPECT_FALSE(outcomes.at("bad").ok());
}

TEST(GatherTest, ProgressCountsEveryFuture) {
  auto ps = promises(3);
  size_t last = 0;
  for (auto& p : ps) p.set_value(1);
  gather(futures_of(ps), {.progress = [&](size_t done, size_t, Duration) { last = done; }});
  EXPECT_EQ(last, 3u);
}

TEST(WaitTest, FirstCompletedReturnsEarly) {
  auto ps = promises(3);
  auto fs = futures_of(ps);
  ps[1].set_value(5);
  auto [done, not_done] = wait(fs, {.timeout = 5s, .return_when = ReturnWhen::kFirstCompleted});
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].result(), 5);
  EXPECT_EQ(not_done.size(), 2u);
}

TEST(WaitTest, FirstExceptionAndAll) {
  auto ps = promises(3);
  auto fs = futures_of(ps);
  ps[0].set_value(1);
  ps[2].set_exception(std::make_exception_ptr(std::runtime_error("x")));
  auto r = wait(fs, {.timeout = 5s, .return_when = "first_exception"});
  EXPECT_EQ(r.done.size(), 2u);
  EXPECT_EQ(r.not_done.size(), 1u);
  EXPECT_THROW(wait(fs, {.timeout = 20ms}), TimeoutError);  // all_completed, one still pending
  ps[1].set_value(2);
  r = wait(fs);
  EXPECT_EQ(r.done.size(), 3u);
  EXPECT_THROW(wait(fs, {.return_when = "firts"}), InvalidOptionError);
}

TEST(WaitTest, FirstCompletedTimeoutReturnsWhatIsDone) {
  auto ps = promises(2);
  auto r = wait(futures_of(ps), {.timeout = 20ms, .return_when = "first_completed"});
  EXPECT_TRUE(r.done.empty());
  EXPECT_EQ(r.not_done.size(), 2u);
}

TEST(AsCompletedTest, YieldsInCompletionOrder) {
  auto ps = promises(3);
  auto fs = futures_of(ps);
  auto in_order = as_completed(fs);  // watching from here on
  ps[2].set_value(2);
  ps[0].set_value(0);
  ps[1].set_value(1);
  std::vector<size_t> order;
  for (auto& [index, value] : in_order) {
    EXPECT_EQ(static_cast<int>(index), value);
    order.push_back(index);
  }
  EXPECT_EQ(order, (std::vector<size_t>{2, 0, 1}));
  std::map<std::string, Future<int>> m = {{"x", make_ready_future(1)}};
  for (auto& [key, value] : as_completed(m)) {
    EXPECT_EQ(key, "x");
    EXPECT_EQ(value, 1);
  }
  int count = 0;
  for (auto& item : as_completed(std::vector<Future<int>>{})) count += item.second;
  EXPECT_EQ(count, 0);
}

TEST(AsCompletedTest, TimeoutAndErrors) {
  auto ps = promises(2);
  auto fs = futures_of(ps);
  ps[0].set_value(1);
  std::vector<int> got;
  EXPECT_THROW(
      {
        for (auto& [i, v] : as_completed(fs, {.timeout = 20ms})) got.push_back(v);
      },
      TimeoutError);
  EXPECT_EQ(got, (std::vector<int>{1}));
  ps[1].set_exception(std::make_exception_ptr(std::out_of_range("x")));
  EXPECT_THROW(
      {
        for (auto& [i, v] : as_completed(std::vector<Future<int>>{fs[1]})) got.push_back(v);
      },
      std::out_of_range);
}

}  // namespace
}  // namespace concurry
