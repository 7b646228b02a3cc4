// TaskWorker and task(): submit, map in input order, bound functions, errors, progress.
#include <gtest/gtest.h>

#include <functional>
#include <latch>
#include <stdexcept>
#include <string>
#include <vector>

#include "concurry/concurry.h"

namespace concurry {
namespace {

using namespace std::chrono_literals;

int square(int x) { return x * x; }
int add(int a, int b) { return a + b; }

class TaskWorkerModeTest : public ::testing::TestWithParam<const char*> {};

TEST_P(TaskWorkerModeTest, SubmitAnyCallable) {
  auto tw = TaskWorker::options({.mode = GetParam()}).init();
  EXPECT_EQ(tw.submit(&square, 7).result(), 49);
  EXPECT_EQ(tw.submit([](const std::string& s) { return s + "!"; }, "hi").result(), "hi!");
  int captured = 5;
  EXPECT_EQ(tw.submit([captured](int x) { return captured + x; }, 1).result(), 6);
  tw.submit([] {}).result();
}

TEST_P(TaskWorkerModeTest, MapKeepsInputOrder) {
  auto tw = TaskWorker::options({.mode = GetParam()}).init();
  std::vector<int> xs;
  for (int i = 0; i < 50; ++i) xs.push_back(i);
  std::vector<int> out = tw.map(&square, xs).result();
  ASSERT_EQ(out.size(), 50u);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(out[i], i * i);
  std::vector<int> sums = tw.map(&add, std::vector<int>{1, 2, 3}, std::vector<int>{10, 20}).result();
  EXPECT_EQ(sums, (std::vector<int>{11, 22}));  // zips to the shortest range
  EXPECT_TRUE(tw.map(&square, std::vector<int>{}).result().empty());
}

TEST_P(TaskWorkerModeTest, MapFailsWithFirstErrorInInputOrder) {
  auto tw = TaskWorker::options({.mode = GetParam()}).init();
  auto f = tw.map(
      [](int x) {
        if (x == 2) throw std::domain_error("two");
        if (x == 4) throw std::range_error("four");
        return x;
      },
      std::vector<int>{1, 2, 3, 4});
  EXPECT_THROW(f.result(), std::domain_error);
}

TEST_P(TaskWorkerModeTest, BoundFunction) {
  auto sq = task(&square, {.mode = GetParam()});
  EXPECT_EQ(sq(3).result(), 9);
  EXPECT_EQ(sq.submit(4).result(), 16);
  EXPECT_EQ(sq.map(std::vector<int>{1, 2}).result(), (std::vector<int>{1, 4}));
  EXPECT_EQ(sq.submit(&add, 1, 2).result(), 3);  // another function, given explicitly
  auto bound = TaskWorker::options({.mode = GetParam()}).init([](int x) { return x + 1; });
  EXPECT_EQ(bound(1).result(), 2);
}

TEST_P(TaskWorkerModeTest, NoFunctionIsAClearError) {
  auto tw = TaskWorker::options({.mode = GetParam()}).init();
  int (*none)(int) = nullptr;
  try {
    tw.submit(none, 1);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no function to run"), std::string::npos);
  }
  std::function<int(int)> empty;
  EXPECT_THROW(tw.submit(empty, 1), Error);
  EXPECT_THROW(task(empty, {.mode = GetParam()}), Error);
}

TEST_P(TaskWorkerModeTest, FutureArgumentsUnwrap) {
  auto tw = TaskWorker::options({.mode = GetParam()}).init();
  Future<int> three = tw.submit(&add, 1, 2);
  EXPECT_EQ(tw.submit(&square, three).result(), 9);
}

INSTANTIATE_TEST_SUITE_P(Modes, TaskWorkerModeTest, ::testing::Values("sync", "thread"));

TEST(TaskWorkerTest, ProgressCallbackSeesEveryCompletion) {
  auto tw = TaskWorker::options({.mode = "thread"}).init();
  std::vector<size_t> seen;
  size_t total_seen = 0;
  auto f = tw.map(&square, std::vector<int>{1, 2, 3, 4},
                  {.progress = [&](size_t done, size_t total, Duration) {
                    seen.push_back(done);
                    total_seen = total;
                  }});
  EXPECT_EQ(f.result(), (std::vector<int>{1, 4, 9, 16}));
  EXPECT_EQ(seen, (std::vector<size_t>{1, 2, 3, 4}));
  EXPECT_EQ(total_seen, 4u);
}

TEST(TaskWorkerTest, MapTimeout) {
  auto tw = TaskWorker::options({.mode = "thread"}).init();
  std::latch release(1);
  auto f = tw.map(
      [&](int x) {
        release.wait();
        return x;
      },
      std::vector<int>{1, 2}, {.timeout = 50ms});
  EXPECT_THROW(f.result(5s), TimeoutError);
  release.count_down();
}

TEST(TaskWorkerTest, PerMethodOptionsUseSubmit) {
  EXPECT_NO_THROW(TaskWorker::options({.mode = "thread", .num_retries = PerMethod<int>{{"*", 0}, {"submit", 0}}}).init());
  EXPECT_THROW(TaskWorker::options({.mode = "thread", .num_retries = PerMethod<int>{{"*", 0}, {"run", 0}}}).init(),
               InvalidOptionError);
}

TEST(TaskWorkerTest, StopRefusesLaterCalls) {
  auto tw = TaskWorker::options({.mode = "thread"}).init();
  tw.stop();
  EXPECT_THROW(tw.submit(&square, 2).result(), WorkerStoppedError);
}

}  // namespace
}  // namespace concurry
