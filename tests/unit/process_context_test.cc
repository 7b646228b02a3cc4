// process mode, forkserver and spawn contexts: concurry::init() (first line of main below) forks
// the fork server, and turns spawned runs of this test binary into worker hosts.
#include <gtest/gtest.h>
#include <signal.h>
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

// Gone for good: no process, no zombie (a zombie still answers kill(pid, 0)).
bool gone(int pid) {
  for (int i = 0; i < 2000; ++i) {
    if (::kill(pid, 0) < 0 && errno == ESRCH) return true;
    ::usleep(1000);
  }
  return false;
}

TEST(ForkserverTest, DefaultContextAfterInit) {
  auto c = options<spawn_test::Counter>({.mode = "process"}).init(1);  // forkserver: the default
  int child = c.pid().result(10s);
  EXPECT_NE(child, static_cast<int>(::getpid()));
  EXPECT_EQ(c.add(1).result(10s), 2);
  EXPECT_THROW(c.fail().result(10s), std::invalid_argument);
  c.stop();
  EXPECT_TRUE(gone(child));  // the fork server reaped it
}

TEST(ForkserverTest, CrashIsReportedThroughTheServer) {
  auto c = options<spawn_test::Counter>({.mode = "process"}).init(0);
  int child = c.pid().result(10s);
  Future<int> slow = c.add(1);
  slow.result(10s);
  ::kill(child, SIGKILL);
  try {
    c.add(1).result(10s);
    FAIL() << "expected WorkerCrashedError";
  } catch (const WorkerCrashedError& e) {
    EXPECT_NE(std::string(e.what()).find("signal 9"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(gone(child));
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
