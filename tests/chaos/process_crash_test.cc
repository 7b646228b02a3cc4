// Chaos in process mode (no daemons), with DEFAULT options — forkserver, max_queued_tasks 5 per
// worker: a worker that aborts with calls in flight and more queued behind them, a pool member
// that aborts, and a pool member killed under a pipelined load. Every future must resolve within
// a bound; counts of each outcome are printed and asserted.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "concurry/concurry.h"
#include "tests/chaos/load.h"
#include "tests/chaos/watchdog.h"

namespace chaos_process {

class Crashy {
 public:
  int slow(int ms) {
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    return ms;
  }
  int add(int k) { return n_ += k; }
  int crash() { std::abort(); }
  int pid() const { return static_cast<int>(::getpid()); }
  int64_t work(int64_t seq) { return seq; }

 private:
  int n_ = 0;
};

// Takes the shared "slot" and keeps it, or waits for it.
class Holder : public concurry::Worker {
 public:
  bool hold() {
    held_ = limits().try_acquire({{"slot", 1}});
    return held_.has_value();
  }
  bool drop() {
    held_.reset();
    return true;
  }
  int wait_slot() {
    auto a = limits().acquire({{"slot", 1}});
    return 1;
  }
  int pid() const { return static_cast<int>(::getpid()); }

 private:
  std::optional<concurry::Acquisition> held_;
};

}  // namespace chaos_process

CONCURRY_WORKER(chaos_process::Crashy, CONCURRY_INIT(), slow, add, crash, pid, work);
CONCURRY_WORKER(chaos_process::Holder, CONCURRY_INIT(), hold, drop, wait_slot, pid);

namespace chaos {
namespace {

using chaos_process::Crashy;
using namespace std::chrono_literals;

// Every group of futures, all together: crashes are noticed in milliseconds, and the slow calls
// take 50 ms each, so this is a hang when it passes.
const concurry::Duration kBound(5.0);

// Waits for all of `fs` within kBound in all, then counts them.
Tally settle(const std::vector<concurry::Future<int>>& fs) {
  auto deadline = std::chrono::steady_clock::now() + kBound;
  Tally t;
  for (const auto& f : fs) {
    auto left = std::chrono::duration<double>(deadline - std::chrono::steady_clock::now());
    f.wait(concurry::Duration(std::max(0.0, left.count())));
    t.add<int>(f);
  }
  return t;
}

std::string stats_text(const concurry::PoolStats& s) {
  return "total_workers " + std::to_string(s.total_workers) + ", in_flight " +
         std::to_string(s.in_flight) + ", queued " + std::to_string(s.queued) +
         ", total_dispatched " + std::to_string(s.total_dispatched);
}

// The case: 5 slow calls fill the default queue (5 in flight), then the aborting call
// and 20 more are submitted behind them. 26 futures.
TEST(ProcessCrashTest, AWorkerAbortingWithTheDefaultQueueFullResolvesEveryFuture) {
  Watchdog dog(40s);
  auto w = concurry::options<Crashy>({.mode = "process"}).init();
  ASSERT_EQ(w.stats().max_queued_tasks, 5) << "this test is about the default queue";
  ASSERT_EQ(outcome(w.pid(), kBound), "value");
  std::vector<concurry::Future<int>> slow, behind;
  for (int i = 0; i < 5; ++i) slow.push_back(w.slow(50));
  concurry::Future<int> crash = w.crash();
  for (int i = 0; i < 20; ++i) behind.push_back(w.add(1));

  dog.phase("settle the calls made before and behind the crash");
  Tally s = settle(slow), b = settle(behind), x = settle({crash});
  std::printf("slow calls before the crash: %s\nthe crashing call: %s\ncalls behind it: %s\n",
              s.str().c_str(), x.str().c_str(), b.str().c_str());
  EXPECT_EQ(s.unresolved + x.unresolved + b.unresolved, 0)
      << "of 26 futures, unresolved " << s.unresolved + x.unresolved + b.unresolved;
  // A slow call ran before the crash: a value (or WorkerCrashedError if the reply was lost with
  // the process); nothing else.
  EXPECT_EQ(s.value + s.crashed, 5) << s.str();
  EXPECT_EQ(x.crashed, 1) << x.str();
  EXPECT_EQ(b.crashed, 20) << b.str();
  // Later calls fail at once the same way, and no slot is left taken.
  std::string later = outcome(w.add(1), 5s);
  EXPECT_EQ(later.rfind("WorkerCrashedError", 0), 0u) << later;
  auto st = w.stats();
  EXPECT_EQ(st.in_flight, 0u) << stats_text(st);
  EXPECT_EQ(st.queued, 0u) << stats_text(st);
  dog.phase("teardown");
}

// 10 slow calls (5 in flight on each member of a pool of two), the aborting call, 20 more: 31
// futures, settled and counted.
struct CrashRun {
  Tally slow, crash, behind;
  int unresolved() const { return slow.unresolved + crash.unresolved + behind.unresolved; }
};
CrashRun crash_among_calls(concurry::Handle<Crashy>& pool, Watchdog& dog) {
  std::vector<concurry::Future<int>> slow, behind;
  for (int i = 0; i < 10; ++i) slow.push_back(pool.slow(50));
  concurry::Future<int> crash = pool.crash();
  for (int i = 0; i < 20; ++i) behind.push_back(pool.add(1));
  dog.phase("settle the calls made before and behind the crash");
  CrashRun run{settle(slow), settle({crash}), settle(behind)};
  std::printf("slow calls: %s\nthe crashing call: %s\ncalls behind it: %s\n",
              run.slow.str().c_str(), run.crash.str().c_str(), run.behind.str().c_str());
  return run;
}

// 20 new pid() calls, counted, and the pids that answered.
std::pair<Tally, std::set<int>> new_calls(concurry::Handle<Crashy>& pool, Watchdog& dog) {
  dog.phase("new calls");
  std::vector<concurry::Future<int>> after;
  for (int i = 0; i < 20; ++i) after.push_back(pool.pid());
  Tally a = settle(after);
  std::set<int> answered;
  for (auto& f : after) {
    if (f.done() && !f.exception(concurry::Duration(0))) answered.insert(f.result(kBound));
  }
  std::printf("new calls after the crash: %s\n", a.str().c_str());
  return {a, answered};
}

std::set<int> member_pids(concurry::Handle<Crashy>& pool) {
  std::set<int> pids;
  for (int i = 0; i < 2; ++i) pids.insert(pool.pid().result(kBound));
  return pids;
}

// A pool of two: the crash among 31 calls; then the live member takes every new call.
TEST(ProcessCrashTest, APoolMemberAbortingResolvesEveryFutureAndTheLiveMemberTakesNewCalls) {
  Watchdog dog(40s);
  auto pool = concurry::options<Crashy>({.mode = "process", .max_workers = 2}).init();
  std::set<int> pids = member_pids(pool);
  ASSERT_EQ(pids.size(), 2u);
  CrashRun run = crash_among_calls(pool, dog);
  EXPECT_EQ(run.unresolved(), 0) << "of 31 futures, unresolved " << run.unresolved();
  EXPECT_EQ(run.slow.value + run.slow.crashed, 10) << run.slow.str();
  EXPECT_EQ(run.crash.crashed, 1) << run.crash.str();
  EXPECT_EQ(run.behind.value + run.behind.crashed, 20) << run.behind.str();
  EXPECT_GT(run.behind.value, 0) << "the live member answered none of the calls behind the crash\n"
                                 << run.behind.str();

  // New calls go to the live member, and succeed.
  auto [a, answered] = new_calls(pool, dog);
  EXPECT_EQ(a.value, 20) << a.str();
  EXPECT_EQ(answered.size(), 1u);
  for (int p : answered) EXPECT_TRUE(pids.count(p)) << p;
  auto st = pool.stats();
  EXPECT_EQ(st.in_flight, 0u) << stats_text(st);
  EXPECT_EQ(st.queued, 0u) << stats_text(st);
  dog.phase("teardown");
}

// With max_restarts = 1 a crashed member is replaced; calls with retries all succeed (the
// crashing call itself is not retried: it would crash the replacement too).
TEST(ProcessCrashTest, APoolWithRestartsReplacesTheCrashedMemberAndRetriedCallsSucceed) {
  Watchdog dog(40s);
  concurry::Options o{.mode = "process", .max_workers = 2};
  o.num_retries = concurry::PerMethod<int>{{"*", 3}, {"crash", 0}};
  o.retry_wait = 0.05;
  o.max_restarts = 1;
  auto pool = concurry::options<Crashy>(o).init();
  std::set<int> pids = member_pids(pool);
  ASSERT_EQ(pids.size(), 2u);
  CrashRun run = crash_among_calls(pool, dog);
  EXPECT_EQ(run.unresolved(), 0);
  EXPECT_EQ(run.slow.value, 10) << "retried calls are lost\n" << run.slow.str();
  EXPECT_EQ(run.behind.value, 20) << "retried calls are lost\n" << run.behind.str();
  EXPECT_EQ(run.crash.crashed, 1) << run.crash.str();

  EXPECT_EQ(pool.stats().total_workers, 2u) << stats_text(pool.stats());
  auto [a, answered] = new_calls(pool, dog);
  EXPECT_EQ(a.value, 20) << a.str();
  EXPECT_EQ(answered.size(), 2u) << "both members answer, the replacement among them";
  int fresh = 0;
  for (int p : answered) fresh += pids.count(p) ? 0 : 1;
  EXPECT_EQ(fresh, 1) << "one member is a new process";
  auto st = pool.stats();
  EXPECT_EQ(st.total_workers, 2u) << stats_text(st);
  EXPECT_EQ(st.in_flight, 0u) << stats_text(st);
  EXPECT_EQ(st.queued, 0u) << stats_text(st);
  dog.phase("teardown");
}

// A pool of two under a pipelined load from two threads (64 calls in flight each, unpaced, behind
// the default queue of 5 per member); one member is kill -9'd from outside after 0.7 s, the load goes
// on 0.7 s more, then every call is drained. `run` gets the outcomes, the members' pids before
// the kill and the killed one.
struct KillRun {
  Tally all;
  std::set<int> before;
  int killed = 0;
};

void kill_member_under_load(Watchdog& dog, concurry::Handle<Crashy>& pool, KillRun& run) {
  dog.phase("load");
  for (int i = 0; i < 2; ++i) run.before.insert(pool.pid().result(kBound));
  ASSERT_EQ(run.before.size(), 2u);
  run.killed = *run.before.begin();
  // No pace (the default 20,000 calls/s is slower than the pool, so its members sat idle between
  // calls and a kill could meet none): every thread keeps its 64 calls in flight, so each member
  // always holds its queue of 5 when the kill comes.
  Load load(1, [&](int, int64_t seq) { return pool.work(seq); }, 2, 64, /*max_rate=*/1e9);
  load.start();
  std::this_thread::sleep_for(700ms);
  const long at_kill = load.completed();
  const double rate = load.rate();
  dog.phase("kill -9 member " + std::to_string(run.killed));
  ::kill(run.killed, SIGKILL);
  std::this_thread::sleep_for(700ms);
  load.stop();
  dog.phase("drain " + std::to_string(load.submitted()) + " calls");
  load.drain(kBound);
  run.all = load.tally();
  std::printf("%.0f calls/s; member %d killed after %ld calls; all calls: %s\n", rate, run.killed,
              at_kill, run.all.str().c_str());
}

TEST(ProcessCrashTest, APoolMemberKilledUnderLoadResolvesEveryFuture) {
  Watchdog dog(40s);
  auto pool = concurry::options<Crashy>({.mode = "process", .max_workers = 2}).init();
  KillRun run;
  kill_member_under_load(dog, pool, run);
  if (HasFatalFailure()) return;
  EXPECT_EQ(run.all.unresolved, 0) << run.all.str();
  EXPECT_EQ(run.all.wrong, 0) << run.all.str();
  EXPECT_EQ(run.all.value + run.all.crashed, run.all.total()) << run.all.str();
  EXPECT_GT(run.all.crashed, 0) << "the kill met no call";
  dog.phase("new calls");
  std::vector<concurry::Future<int>> after;
  for (int i = 0; i < 20; ++i) after.push_back(pool.pid());
  Tally a = settle(after);
  std::set<int> answered;
  for (auto& f : after) {
    if (f.done() && !f.exception(concurry::Duration(0))) answered.insert(f.result(kBound));
  }
  std::printf("new calls after the kill: %s\n", a.str().c_str());
  EXPECT_EQ(a.value, 20) << "new calls go to the live member\n" << a.str();
  EXPECT_EQ(answered, (std::set<int>{*run.before.rbegin()}));
  dog.phase("teardown");
}

TEST(ProcessCrashTest, APoolWithRestartsLosesNoCallWhenAMemberIsKilledUnderLoad) {
  Watchdog dog(40s);
  concurry::Options o{.mode = "process", .max_workers = 2};
  o.num_retries = 5;
  o.retry_wait = 0.05;
  o.max_restarts = 1;
  auto pool = concurry::options<Crashy>(o).init();  // InvalidOptionError until process mode has it
  KillRun run;
  kill_member_under_load(dog, pool, run);
  if (HasFatalFailure()) return;
  EXPECT_EQ(run.all.unresolved, 0) << run.all.str();
  EXPECT_EQ(run.all.value, run.all.total()) << "calls lost despite retries and a restart\n"
                                            << run.all.str();
  EXPECT_EQ(pool.stats().total_workers, 2u) << stats_text(pool.stats());
  dog.phase("new calls");
  std::vector<concurry::Future<int>> after;
  for (int i = 0; i < 20; ++i) after.push_back(pool.pid());
  Tally a = settle(after);
  std::set<int> answered;
  for (auto& f : after) {
    if (f.done() && !f.exception(concurry::Duration(0))) answered.insert(f.result(kBound));
  }
  EXPECT_EQ(a.value, 20) << a.str();
  EXPECT_EQ(answered.size(), 2u);
  EXPECT_FALSE(answered.count(run.killed)) << "the killed member answered";
  dog.phase("teardown");
}

// A worker killed while its parent makes it wait for a shared limit: its future resolves at
// once and it leaves the line (the parent's wait watches the worker's socket). It once waited,
// unresolved, until the holder let go.
TEST(ProcessCrashTest, AWorkerKilledWhileWaitingForASharedLimitResolvesAtOnce) {
  Watchdog dog(40s);
  concurry::LimitSet slots({concurry::ResourceLimit{.key = "slot", .capacity = 1}});
  concurry::Options o{.mode = "process"};
  o.limits = slots;
  auto holder = concurry::options<chaos_process::Holder>(o).init();
  auto waiter = concurry::options<chaos_process::Holder>(o).init();
  ASSERT_TRUE(holder.hold().result(kBound));
  int waiter_pid = waiter.pid().result(kBound);
  concurry::Future<int> waiting = waiter.wait_slot();
  std::this_thread::sleep_for(200ms);  // it waits at the parent now
  ASSERT_FALSE(waiting.done()) << outcome(waiting, concurry::Duration(0));
  dog.phase("kill -9 the waiting worker");
  ::kill(waiter_pid, SIGKILL);
  std::string got = outcome(waiting, kBound);
  EXPECT_EQ(got.rfind("WorkerCrashedError", 0), 0u) << got;
  ASSERT_TRUE(holder.drop().result(kBound));
  EXPECT_TRUE(slots.try_acquire({{"slot", 1}}).has_value()) << "the dead waiter kept the slot";
  dog.phase("teardown");
}

}  // namespace
}  // namespace chaos

int main(int argc, char** argv) {
  concurry::init(argc, argv);  // the fork server: process mode's default context
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
