// Process mode, edge cases of issue 14: faults the other chaos tests do not make. Each test counts
// every future (values / each error / unresolved) within a bound and asserts what a user relies
// on: every future resolves, restarts stop when used up, stop() returns, later calls fail fast.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "concurry/concurry.h"
#include "tests/chaos/load.h"
#include "tests/chaos/watchdog.h"

namespace redteam {

inline bool exists(const std::string& p) { return ::access(p.c_str(), F_OK) == 0; }
inline void touch(const std::string& p) {
  int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd >= 0) ::close(fd);
}
inline void append_line(const std::string& p, const std::string& line) {
  int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return;
  std::string l = line + "\n";
  if (::write(fd, l.data(), l.size()) < 0) {
  }
  ::close(fd);
}

// `dir`: where it logs each construction (dir/ctor.log, one line per process) and looks for
// dir/poison: when that file exists the constructor fails — `how` 1: throws, 2: aborts.
class Victim {
 public:
  Victim(std::string dir, int how) : dir_(std::move(dir)) {
    if (!dir_.empty()) append_line(dir_ + "/ctor.log", std::to_string(::getpid()));
    if (!dir_.empty() && exists(dir_ + "/poison")) {
      if (how == 2) std::abort();
      throw std::runtime_error("poisoned constructor");
    }
  }
  int slow(int ms) {
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    return ms;
  }
  int pid() const { return static_cast<int>(::getpid()); }
  int64_t work(int64_t seq) { return seq; }
  // Aborts the first time (the marker file does not exist yet), answers the pid after that.
  int crash_once(std::string marker) {
    if (!exists(marker)) {
      touch(marker);
      std::abort();
    }
    return static_cast<int>(::getpid());
  }
  int crash() { std::abort(); }

 private:
  std::string dir_;
};

}  // namespace redteam

CONCURRY_WORKER(redteam::Victim, CONCURRY_INIT(std::string, int), slow, pid, work, crash_once,
                crash);

namespace chaos {
namespace {

using redteam::Victim;
using namespace std::chrono_literals;

const concurry::Duration kBound(8.0);

std::string fresh(const std::string& name) {
  const char* base = std::getenv("TEST_TMPDIR");
  std::filesystem::path dir = std::filesystem::path(base ? base : "/tmp") / ("rt_" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

int lines_of(const std::string& path) {
  std::ifstream in(path);
  std::string l;
  int n = 0;
  while (std::getline(in, l)) ++n;
  return n;
}

template <class T>
Tally settle(const std::vector<concurry::Future<T>>& fs, concurry::Duration bound = kBound) {
  auto deadline = std::chrono::steady_clock::now() + bound;
  Tally t;
  for (const auto& f : fs) {
    auto left = std::chrono::duration<double>(deadline - std::chrono::steady_clock::now());
    f.wait(concurry::Duration(std::max(0.0, left.count())));
    t.add<T>(f);
  }
  return t;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::string stats_text(const concurry::PoolStats& s) {
  return "total_workers " + std::to_string(s.total_workers) + ", in_flight " +
         std::to_string(s.in_flight) + ", queued " + std::to_string(s.queued);
}

// ---------------------------------------------------------------------------------------------
// A1. On-demand process workers with retries: the docs promise "with retries a call runs at
// least once: a call in flight when its worker died is sent again". An on-demand call whose
// worker aborts once must succeed on its retry (a fresh worker), not fail WorkerCrashedError.
TEST(ProcessEdges, OnDemandRetriedCrashSucceedsOnAFreshWorker) {
  Watchdog dog(40s);
  const std::string dir = fresh("ondemand_retry");
  concurry::Options o{.mode = "process", .on_demand = true};
  o.num_retries = 3;
  o.retry_wait = 0.01;
  auto w = concurry::options<Victim>(o).init(std::string(), 0);
  std::vector<concurry::Future<int>> fs;
  for (int i = 0; i < 4; ++i) fs.push_back(w.crash_once(dir + "/m" + std::to_string(i)));
  Tally t = settle(fs);
  std::printf("on-demand, num_retries 3, each call aborting once: %s\n", t.str().c_str());
  EXPECT_EQ(t.unresolved, 0) << t.str();
  EXPECT_EQ(t.value, 4) << "the retry of a crashed on-demand call did not run again\n" << t.str();
  dog.phase("teardown");
}

// A2. On-demand process workers, default options, crashing: every future resolves, the slots
// come back (later calls succeed), nothing stays in flight.
TEST(ProcessEdges, OnDemandCrashesWithDefaultOptionsResolveAndFreeTheirSlots) {
  Watchdog dog(40s);
  auto w = concurry::options<Victim>({.mode = "process", .on_demand = true})
               .init(std::string(), 0);
  std::vector<concurry::Future<int>> crashes, after;
  for (int i = 0; i < 8; ++i) crashes.push_back(w.crash());
  Tally c = settle(crashes, concurry::Duration(20.0));
  for (int i = 0; i < 4; ++i) after.push_back(w.slow(1));
  Tally a = settle(after, concurry::Duration(20.0));
  std::printf("8 aborting on-demand calls: %s\n4 calls after them: %s\n", c.str().c_str(),
              a.str().c_str());
  EXPECT_EQ(c.unresolved, 0) << c.str();
  EXPECT_EQ(c.crashed, 8) << c.str();
  EXPECT_EQ(a.value, 4) << a.str();
  auto st = w.stats();
  EXPECT_EQ(st.in_flight, 0u) << stats_text(st);
  dog.phase("teardown");
}

// A3. A pool of 2 with max_restarts = 2 whose replacements' constructors always fail (throw:
// param 1, abort: param 2). Both members are killed with slow calls in flight and queued. Every
// future resolves; restarts stop (at most 2 + 2×2 constructions); later calls fail fast with
// WorkerCrashedError; stop() returns promptly.
class PoisonedReplacement : public ::testing::TestWithParam<int> {};

TEST_P(PoisonedReplacement, EveryFutureResolvesRestartsStopAndLaterCallsFailFast) {
  Watchdog dog(60s);
  const std::string dir = fresh("poison" + std::to_string(GetParam()));
  concurry::Options o{.mode = "process", .max_workers = 2};
  o.max_restarts = 2;
  o.num_retries = 3;
  o.retry_wait = 0.02;
  o.stop_timeout = 3.0;
  auto pool = concurry::options<Victim>(o).init(dir, GetParam());
  std::set<int> pids;
  for (int i = 0; i < 6 && pids.size() < 2; ++i) pids.insert(pool.pid().result(kBound));
  ASSERT_EQ(pids.size(), 2u);
  redteam::touch(dir + "/poison");
  std::vector<concurry::Future<int>> fs;
  for (int i = 0; i < 30; ++i) fs.push_back(pool.slow(100));
  std::this_thread::sleep_for(50ms);
  dog.phase("kill both members");
  for (int p : pids) ::kill(p, SIGKILL);
  Tally t = settle(fs, concurry::Duration(15.0));
  std::printf("pool of 2, both killed, replacements' constructors fail (%s): %s\n",
              GetParam() == 1 ? "throw" : "abort", t.str().c_str());
  EXPECT_EQ(t.unresolved, 0) << t.str();
  EXPECT_EQ(t.value + t.crashed, t.total()) << t.str();

  dog.phase("restarts stop");
  std::this_thread::sleep_for(1500ms);
  int ctors = lines_of(dir + "/ctor.log");
  std::this_thread::sleep_for(1000ms);
  int ctors_later = lines_of(dir + "/ctor.log");
  std::printf("constructions: %d, 1 s later %d\n", ctors, ctors_later);
  EXPECT_LE(ctors, 2 + 2 * 2) << "more replacements than max_restarts allows";
  EXPECT_EQ(ctors, ctors_later) << "replacements go on after the restarts were used up";

  dog.phase("later calls");
  auto t0 = std::chrono::steady_clock::now();
  std::string later = outcome(pool.pid(), concurry::Duration(5.0));
  double took = seconds_since(t0);
  std::printf("a later call: %s after %.3f s\n", later.c_str(), took);
  EXPECT_EQ(later.rfind("WorkerCrashedError", 0), 0u) << later;
  EXPECT_LT(took, 1.0);
  auto st = pool.stats();
  EXPECT_EQ(st.in_flight, 0u) << stats_text(st);
  EXPECT_EQ(st.queued, 0u) << stats_text(st);

  dog.phase("stop");
  t0 = std::chrono::steady_clock::now();
  pool.stop();
  EXPECT_LT(seconds_since(t0), 4.0) << "stop() of a pool whose members are all dead";
  dog.phase("teardown");
}

INSTANTIATE_TEST_SUITE_P(Ctor, PoisonedReplacement, ::testing::Values(1, 2),
                         [](const auto& info) { return info.param == 1 ? "Throws" : "Aborts"; });

// A4. stop() races a death: a pool of 2 (with and without restarts) has 10 slow calls in flight
// and 20 queued; stop() begins on another thread and a member is kill -9'd 30 ms into it.
// stop() returns within stop_timeout + slack; every future resolves (value, WorkerCrashedError,
// or cancelled — the queued ones); no replacement is started after stop().
class StopRacesDeath : public ::testing::TestWithParam<int> {};

TEST_P(StopRacesDeath, StopReturnsEveryFutureResolvesNoReplacementAfterStop) {
  Watchdog dog(60s);
  const std::string dir = fresh("stoprace" + std::to_string(GetParam()));
  concurry::Options o{.mode = "process", .max_workers = 2};
  o.max_restarts = GetParam();
  if (GetParam() > 0) {
    o.num_retries = 3;
    o.retry_wait = 0.02;
  }
  o.stop_timeout = 3.0;
  auto pool = concurry::options<Victim>(o).init(dir, 0);
  std::set<int> pids;
  for (int i = 0; i < 6 && pids.size() < 2; ++i) pids.insert(pool.pid().result(kBound));
  ASSERT_EQ(pids.size(), 2u);
  std::vector<concurry::Future<int>> fs;
  for (int i = 0; i < 30; ++i) fs.push_back(pool.slow(400));
  std::this_thread::sleep_for(50ms);
  dog.phase("stop() and kill -9");
  auto t0 = std::chrono::steady_clock::now();
  std::atomic<double> stop_took{-1};
  std::thread stopper([&] {
    pool.stop();
    stop_took = seconds_since(t0);
  });
  std::this_thread::sleep_for(30ms);
  ::kill(*pids.begin(), SIGKILL);
  stopper.join();
  Tally t = settle(fs);
  std::printf("stop() took %.3f s; futures: %s\n", stop_took.load(), t.str().c_str());
  EXPECT_LT(stop_took.load(), 3.0 + 2.0);
  EXPECT_EQ(t.unresolved, 0) << t.str();
  EXPECT_EQ(t.value + t.crashed + t.cancelled + t.stopped, t.total()) << t.str();
  std::this_thread::sleep_for(500ms);
  int ctors = lines_of(dir + "/ctor.log");
  EXPECT_EQ(ctors, 2) << "a replacement was constructed although the pool was stopping";
  // No worker of this pool outlives stop(): the survivor is gone too.
  for (int p : pids) EXPECT_NE(::kill(p, 0), 0) << "worker " << p << " still alive after stop()";
  dog.phase("teardown");
}

INSTANTIATE_TEST_SUITE_P(Restarts, StopRacesDeath, ::testing::Values(0, 1),
                         [](const auto& info) {
                           return info.param ? "WithRestarts" : "WithoutRestarts";
                         });

// A5. Every member of a pool dies under load (max_restarts 0): every future resolves as a value
// or WorkerCrashedError; later calls fail fast; nothing stays in flight or queued.
TEST(ProcessEdges, EveryMemberKilledUnderLoadResolvesAndLaterCallsFailFast) {
  Watchdog dog(60s);
  auto pool = concurry::options<Victim>({.mode = "process", .max_workers = 2})
                  .init(std::string(), 0);
  std::set<int> pids;
  for (int i = 0; i < 6 && pids.size() < 2; ++i) pids.insert(pool.pid().result(kBound));
  ASSERT_EQ(pids.size(), 2u);
  Load load(1, [&](int, int64_t seq) { return pool.work(seq); }, 2, 64, 8000);
  load.start();
  std::this_thread::sleep_for(600ms);
  dog.phase("kill -9 both members");
  for (int p : pids) ::kill(p, SIGKILL);
  std::this_thread::sleep_for(600ms);
  load.stop();
  dog.phase("drain");
  load.drain(kBound);
  Tally all = load.tally();
  std::printf("both members killed under load: %s\n", all.str().c_str());
  EXPECT_EQ(all.unresolved, 0) << all.str();
  EXPECT_EQ(all.wrong, 0) << all.str();
  EXPECT_EQ(all.value + all.crashed, all.total()) << all.str();
  auto t0 = std::chrono::steady_clock::now();
  std::string later = outcome(pool.pid(), concurry::Duration(5.0));
  EXPECT_EQ(later.rfind("WorkerCrashedError", 0), 0u) << later;
  EXPECT_LT(seconds_since(t0), 1.0);
  auto st = pool.stats();
  EXPECT_EQ(st.in_flight, 0u) << stats_text(st);
  EXPECT_EQ(st.queued, 0u) << stats_text(st);
  dog.phase("teardown");
}

// A6. A single worker (max_workers 1) with max_restarts 1 and retries, kill -9'd under load:
// no call is lost (the replacement serves them). Then the replacement is killed too (restarts
// used up): every future resolves, later calls fail fast with WorkerCrashedError.
TEST(ProcessEdges, SingleWorkerWithARestartKilledTwiceUnderLoad) {
  Watchdog dog(60s);
  concurry::Options o{.mode = "process"};
  o.max_restarts = 1;
  o.num_retries = 5;
  o.retry_wait = 0.05;
  auto w = concurry::options<Victim>(o).init(std::string(), 0);
  int first = w.pid().result(kBound);
  Load load(1, [&](int, int64_t seq) { return w.work(seq); }, 2, 64, 8000);
  load.start();
  std::this_thread::sleep_for(600ms);
  dog.phase("first kill");
  ::kill(first, SIGKILL);
  std::this_thread::sleep_for(800ms);
  load.stop();
  load.drain(kBound);
  Tally one = load.tally();
  std::printf("first kill (a restart left): %s\n", one.str().c_str());
  EXPECT_EQ(one.unresolved, 0) << one.str();
  EXPECT_EQ(one.value, one.total()) << "calls lost despite retries and a restart\n" << one.str();

  dog.phase("second kill");
  std::string got = outcome(w.pid(), kBound);
  ASSERT_EQ(got, "value");
  int second = w.pid().result(kBound);
  EXPECT_NE(second, first);
  Load load2(1, [&](int, int64_t seq) { return w.work(seq); }, 2, 64, 8000);
  load2.start();
  std::this_thread::sleep_for(400ms);
  ::kill(second, SIGKILL);
  std::this_thread::sleep_for(600ms);
  load2.stop();
  load2.drain(kBound);
  Tally two = load2.tally();
  std::printf("second kill (no restart left): %s\n", two.str().c_str());
  EXPECT_EQ(two.unresolved, 0) << two.str();
  EXPECT_EQ(two.value + two.crashed, two.total()) << two.str();
  auto t0 = std::chrono::steady_clock::now();
  std::string later = outcome(w.pid(), concurry::Duration(5.0));
  EXPECT_EQ(later.rfind("WorkerCrashedError", 0), 0u) << later;
  EXPECT_LT(seconds_since(t0), 1.0);
  dog.phase("teardown");
}

}  // namespace
}  // namespace chaos

int main(int argc, char** argv) {
  concurry::init(argc, argv);
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
