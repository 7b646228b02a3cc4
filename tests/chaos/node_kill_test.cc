// Chaos: kill -9 of a node holding several actors, under a pipelined load of >= 5k calls/s
// from three client threads. Real concurry-head / concurry-node on loopback.
//   - without retries or restarts: every future resolves, as a value or WorkerCrashedError;
//     the survivors' calls all succeed, before, during and after; no call runs twice.
//   - with retries and max_restarts = 1: every future is a value (no call lost) and every
//     restarted actor answers on the surviving node (the head shows it ALIVE there).
//   - the same for a pool of 8 dispatched by the head.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "concurry/concurry.h"
#include "tests/chaos/chaos_fixture.h"
#include "tests/chaos/chaos_workers.h"
#include "tests/chaos/load.h"

namespace chaos {
namespace {

constexpr int kActors = 8;     // over two nodes (spread): four on each
constexpr int kVictim = 1;     // the node killed
constexpr int kSurvivor = 0;

concurry::Options recorder_options(bool recover) {
  concurry::Options o{.mode = "cluster", .resources = {{"cpu", 0.5}}, .placement = "spread"};
  if (recover) {
    o.num_retries = 5;
    o.retry_wait = 0.1;  // seconds, exponential: a retry must wait for the actor's fate itself
    o.max_restarts = 1;
  }
  return o;
}

struct Actors {
  std::vector<concurry::Handle<ChaosRecorder>> handles;
  std::vector<int> node;  // where each started (index into ChaosCluster::nodes)

  int on(int n) const { return static_cast<int>(std::count(node.begin(), node.end(), n)); }
};

Actors start_actors(const ChaosCluster& c, const concurry::Options& o, const std::string& dir) {
  Actors a;
  for (int i = 0; i < kActors; ++i) {
    a.handles.push_back(concurry::options<ChaosRecorder>(o).init("a" + std::to_string(i), dir));
  }
  for (auto& h : a.handles) a.node.push_back(c.node_of(h.pid().result(concurry::Duration(15.0))));
  return a;
}

struct Fault {
  double rate = 0;      // calls/s before the kill
  int64_t kill_ns = 0;  // CLOCK_MONOTONIC once kill() returned
  // Calls made this long after kill() returned certainly met a dead node (SIGKILL is queued by
  // then, not necessarily acted on by every thread of the node).
  static constexpr int64_t kMargin = 20'000'000;
};

// Load for `before`, kill -9 of the victim node, load for `after`, stop and drain.
Fault load_and_kill(Watchdog& dog, ChaosCluster& c, Load& load, std::chrono::milliseconds before,
                  std::chrono::milliseconds after) {
  Fault run;
  dog.phase("load");
  load.start();
  std::this_thread::sleep_for(before);
  run.rate = load.rate();
  dog.phase("kill -9 node " + std::to_string(kVictim) + " at " + std::to_string(load.completed()) +
            " calls, " + std::to_string(static_cast<long>(run.rate)) + " calls/s");
  c.nodes[kVictim]->signal(SIGKILL);
  run.kill_ns = now_ns();
  std::this_thread::sleep_for(after);
  dog.phase("stop the load");
  load.stop();
  dog.phase("drain " + std::to_string(load.submitted()) + " calls");
  load.drain(concurry::Duration(20.0));
  return run;
}

// The load's outcomes: all, the killed node's actors (and those of their calls made after
// `after_ns`), the surviving node's actors; printed.
struct Split {
  Tally all, victim, victim_after, survivor;
};
Split split(const Load& load, const Actors& actors, int64_t after_ns, double rate,
            const char* victim_name, const char* after_name) {
  auto on_victim = [&](const Load::Call& call) { return actors.node[call.target] == kVictim; };
  Split out{load.tally(), load.tally(on_victim),
            load.tally([&](const Load::Call& call) {
              return on_victim(call) && call.submitted_ns > after_ns;
            }),
            load.tally([&](const Load::Call& call) { return !on_victim(call); })};
  std::printf("rate before the kill: %.0f calls/s\nall: %s\n%s: %s\n  of which made %s: %s\n"
              "surviving node's actors: %s\n",
              rate, out.all.str().c_str(), victim_name, out.victim.str().c_str(), after_name,
              out.victim_after.str().c_str(), out.survivor.str().c_str());
  return out;
}

TEST(NodeKillTest, WithoutRetriesEveryFutureIsAValueOrWorkerCrashedError) {
  Watchdog dog(55s);
  ChaosCluster c("kill_plain");
  Session session(c.address);
  const std::string dir = fresh_dir("kill_plain");
  Actors actors = start_actors(c, recorder_options(false), dir);
  ASSERT_GE(actors.on(kVictim), 2) << "spread placement should put several actors on each node";
  ASSERT_GE(actors.on(kSurvivor), 2);

  Load load(kActors, [&](int t, int64_t seq) { return actors.handles[t].work(seq); });
  Fault run = load_and_kill(dog, c, load, 2000ms, 1500ms);
  auto [all, victim, victim_after, survivor] =
      split(load, actors, run.kill_ns + Fault::kMargin, run.rate, "killed node's actors",
            "after the kill");

  EXPECT_GE(run.rate, kMinRate);
  EXPECT_EQ(all.unresolved, 0) << all.str();
  EXPECT_EQ(all.wrong, 0) << all.str();
  EXPECT_EQ(victim.value + victim.crashed, victim.total())
      << "the killed node's calls: a value or WorkerCrashedError, nothing else\n" << victim.str();
  EXPECT_GT(victim.crashed, 0) << victim.str();
  EXPECT_EQ(victim_after.value, 0) << "a dead node answered\n" << victim_after.str();
  EXPECT_EQ(survivor.value, survivor.total())
      << "every call to the surviving node's actors succeeds\n" << survivor.str();

  // How fast the killed node's calls failed: those in flight at the kill (from the kill), and
  // those made afterwards (from their call).
  int64_t in_flight_ms = 0, later_ms = 0;
  load.each([&](const Load::Call& call) {
    if (actors.node[call.target] != kVictim || call.completed_ns() == 0) return;
    if (call.submitted_ns <= run.kill_ns) {
      if (call.future.exception(concurry::Duration(0))) {
        in_flight_ms = std::max(in_flight_ms, (call.completed_ns() - run.kill_ns) / 1000000);
      }
    } else {
      later_ms = std::max(later_ms, (call.completed_ns() - call.submitted_ns) / 1000000);
    }
  });
  std::printf("the killed node's calls failed within %lld ms of the kill (those in flight), "
              "within %lld ms of being made (later ones)\n",
              static_cast<long long>(in_flight_ms), static_cast<long long>(later_ms));
  // The broken connection is the answer for calls in flight (no need to wait for the head): the
  // issue measured ~7 ms.
  EXPECT_LE(in_flight_ms, 1000) << "calls in flight on the killed node failed only after "
                                << in_flight_ms << " ms";

  // Without retries a call runs at most once; a value means it ran.
  Delivery d = delivery(read_exec_logs(dir), load);
  std::printf("delivery: %s\n", d.str().c_str());
  EXPECT_EQ(d.ran_twice, 0) << d.str();
  EXPECT_EQ(d.value_never_ran, 0) << d.str();

  dog.phase("after the kill");
  for (int i = 0; i < kActors; ++i) {
    std::string got = outcome(actors.handles[i].work(-1), concurry::Duration(10.0));
    if (actors.node[i] == kVictim) {
      EXPECT_EQ(got.rfind("WorkerCrashedError", 0), 0u) << "actor a" << i << ": " << got;
    } else {
      EXPECT_EQ(got, "value") << "actor a" << i << " on the surviving node";
    }
  }
  dog.phase("teardown");
}

TEST(NodeKillTest, WithRetriesAndRestartsNoCallIsLostAndRestartedActorsAnswer) {
  Watchdog dog(55s);
  ChaosCluster c("kill_restart");
  Session session(c.address);
  const std::string dir = fresh_dir("kill_restart");
  Actors actors = start_actors(c, recorder_options(true), dir);
  const int moved = actors.on(kVictim);
  ASSERT_GE(moved, 2);
  ASSERT_GE(actors.on(kSurvivor), 2);

  Load load(kActors, [&](int t, int64_t seq) { return actors.handles[t].work(seq); });
  // After the kill: the head declares the node dead (1.5 s) and restarts its actors; the load
  // goes on past that.
  Fault run = load_and_kill(dog, c, load, 2000ms, 4000ms);
  auto [all, victim, victim_after, survivor] = split(
      load, actors, run.kill_ns + 3'000'000'000, run.rate, "restarted actors", "3 s after the kill");

  EXPECT_GE(run.rate, kMinRate);
  EXPECT_EQ(all.unresolved, 0) << all.str();
  EXPECT_EQ(all.value, all.total()) << "calls lost despite retries and restarts\n" << all.str();
  EXPECT_GT(victim_after.total(), 0) << "no load reached the restarted actors";
  // With retries a call runs at least once (some twice: those whose node died after running
  // them and before their reply arrived).
  Delivery d = delivery(read_exec_logs(dir), load);
  std::printf("delivery: %s\n", d.str().c_str());
  EXPECT_EQ(d.value_never_ran, 0) << d.str();

  dog.phase("restarted actors");
  const int survivor_pid = c.nodes[kSurvivor]->pid();
  const std::string survivor_id = c.node_ids[kSurvivor];
  // The head: every actor ALIVE on the survivor, the moved ones restarted once.
  int alive_there = 0, restarted = 0;
  bool settled = eventually(
      [&] {
        alive_there = restarted = 0;
        auto reply = c.status();
        for (const auto& a : reply.actors()) {
          if (a.class_name() != "ChaosRecorder") continue;
          if (a.state() == "ALIVE" && a.node_id() == survivor_id) ++alive_there;
          if (a.state() == "ALIVE" && a.restarts() == 1) ++restarted;
        }
        return alive_there == kActors && restarted == moved;
      },
      10s);
  EXPECT_TRUE(settled) << "head status: " << alive_there << " of " << kActors
                       << " actors ALIVE on the surviving node, " << restarted << " of " << moved
                       << " restarted";
  // Every actor answers new calls, from the surviving node.
  for (int i = 0; i < kActors; ++i) {
    auto pid = actors.handles[i].pid();
    std::string got = outcome(pid, concurry::Duration(15.0));
    EXPECT_EQ(got, "value") << "actor a" << i << (actors.node[i] == kVictim ? " (restarted)" : "");
    if (got == "value") {
      EXPECT_EQ(pid.result(concurry::Duration(0)), survivor_pid) << "actor a" << i;
    }
    EXPECT_EQ(outcome(actors.handles[i].work(-1), concurry::Duration(15.0)), "value")
        << "actor a" << i;
  }
  dog.phase("teardown");
}

// The same fault for a cluster pool (calls dispatched by the head): members on both nodes,
// retries and max_restarts = 1. No call is lost, the lost members come back on the survivor.
TEST(NodeKillTest, PoolWithRetriesAndRestartsLosesNoCall) {
  Watchdog dog(55s);
  ChaosCluster c("kill_pool");
  Session session(c.address);
  const std::string dir = fresh_dir("kill_pool");
  concurry::Options o = recorder_options(true);
  o.max_workers = kActors;
  auto pool = concurry::options<ChaosRecorder>(o).init("pool", dir);
  int moved = 0;
  {
    auto reply = c.status();
    for (const auto& a : reply.actors()) moved += a.node_id() == c.node_ids[kVictim] ? 1 : 0;
  }
  ASSERT_GE(moved, 2) << "spread placement should put several members on each node";
  ASSERT_LE(moved, kActors - 2);

  Load load(1, [&](int, int64_t seq) { return pool.work(seq); });
  Fault run = load_and_kill(dog, c, load, 2000ms, 4000ms);
  Tally all = load.tally();
  Tally late = load.tally([&](const Load::Call& call) {
    return call.submitted_ns > run.kill_ns + 3'000'000'000;
  });
  Delivery d = delivery(read_exec_logs(dir), load);
  std::printf("rate before the kill: %.0f calls/s\nall: %s\n  of which made 3 s after the kill: "
              "%s\ndelivery: %s\n",
              run.rate, all.str().c_str(), late.str().c_str(), d.str().c_str());
  EXPECT_GE(run.rate, kMinRate);
  EXPECT_EQ(all.unresolved, 0) << all.str();
  EXPECT_EQ(all.value, all.total()) << "calls lost despite retries and restarts\n" << all.str();
  EXPECT_EQ(d.value_never_ran, 0) << d.str();

  dog.phase("restarted members");
  int alive_there = 0, restarted = 0;
  bool settled = eventually(
      [&] {
        alive_there = restarted = 0;
        auto reply = c.status();
        for (const auto& a : reply.actors()) {
          if (a.state() == "ALIVE" && a.node_id() == c.node_ids[kSurvivor]) ++alive_there;
          if (a.state() == "ALIVE" && a.restarts() == 1) ++restarted;
        }
        return alive_there == kActors && restarted == moved;
      },
      10s);
  EXPECT_TRUE(settled) << "head status: " << alive_there << " of " << kActors
                       << " members ALIVE on the surviving node, " << restarted << " of " << moved
                       << " restarted";
  std::vector<concurry::Future<int>> pids;
  for (int i = 0; i < 2 * kActors; ++i) pids.push_back(pool.pid());
  Tally after;
  std::set<int> answered;
  for (auto& f : pids) {
    f.wait(concurry::Duration(15.0));
    after.add<int>(f);
    if (f.done() && !f.exception(concurry::Duration(0))) answered.insert(f.result());
  }
  EXPECT_EQ(after.value, 2 * kActors) << after.str();
  EXPECT_EQ(answered, (std::set<int>{static_cast<int>(c.nodes[kSurvivor]->pid())}));
  EXPECT_EQ(pool.stats().total_workers, static_cast<size_t>(kActors));
  dog.phase("teardown");
}

}  // namespace
}  // namespace chaos
