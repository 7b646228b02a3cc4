// process mode, spawn context: the worker is a fresh run of this test binary, which
// concurry::init() (first line of main below) turns into a worker host.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <string>

#include "concurry/concurry.h"

namespace spawn_test {

class Counter {
 public:
  explicit Counter(int start) : n_(start) {}
  int add(int k) { return n_ += k; }
  int pid() const { return static_cast<int>(::getpid()); }
  int fail() { throw std::invalid_argument("from a spawned worker"); }

 private:
  int n_;
};

int square(int x) { return x * x; }

}  // namespace spawn_test

CONCURRY_WORKER(spawn_test::Counter, CONCURRY_INIT(int), add, pid, fail);
CONCURRY_FUNCTION(spawn_test::square);

namespace concurry {
namespace {

using namespace std::chrono_literals;

TEST(SpawnTest, WorkerIsAFreshRunOfThisProgram) {
  auto c = options<spawn_test::Counter>({.mode = "process", .mp_context = "spawn"}).init(5);
  int child = c.pid().result(10s);
  EXPECT_NE(child, static_cast<int>(::getpid()));
  EXPECT_EQ(c.add(2).result(10s), 7);
  EXPECT_EQ(c.add(3).result(10s), 10);
  EXPECT_THROW(c.fail().result(10s), std::invalid_argument);
  c.stop();
  EXPECT_TRUE(::waitpid(child, nullptr, WNOHANG) < 0 && errno == ECHILD);  // reaped
}

TEST(SpawnTest, TaskWorkerAndPools) {
  auto tw = TaskWorker::options({.mode = "process", .mp_context = "spawn"}).init();
  EXPECT_EQ(tw.submit(&spawn_test::square, 12).result(10s), 144);
  auto pool = options<spawn_test::Counter>(
                  {.mode = "process", .max_workers = 2, .mp_context = "spawn"})
                  .init(0);
  EXPECT_NE(pool.pid().result(10s), pool.pid().result(10s));
}

}  // namespace
}  // namespace concurry

int main(int argc, char** argv) {
  concurry::init(argc, argv);  // a spawned worker stops here and serves its parent
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
