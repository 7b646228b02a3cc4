// Edge cases of issue 14, cluster mode: a pause shorter than the heartbeat timeout (no false
// fencing), and stop() of handles whose calls are parked waiting for a relocation. Real
// concurry-head / concurry-node on loopback, counted outcomes, bounded waits.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "concurry/concurry.h"
#include "tests/chaos/chaos_fixture.h"
#include "tests/chaos/chaos_workers.h"
#include "tests/chaos/load.h"

namespace chaos {
namespace {

constexpr int kActors = 8;
constexpr int kVictim = 1;

// B1. SIGSTOP of a node for 0.6 s (well under the 1.5 s heartbeat timeout) under load, without
// retries: a pause is not a death. Every call is a value, no actor is restarted or fenced, and
// every actor is still the same process afterwards.
TEST(ClusterEdges, APauseShorterThanTheHeartbeatTimeoutFailsNoCall) {
  Watchdog dog(60s);
  ChaosCluster c("rt_brief_pause");
  Session session(c.address);
  const std::string dir = fresh_dir("rt_brief_pause");
  concurry::Options o{.mode = "cluster", .resources = {{"cpu", 0.5}}, .placement = "spread"};
  std::vector<concurry::Handle<ChaosRecorder>> hs;
  std::vector<int> pids;
  for (int i = 0; i < kActors; ++i) {
    hs.push_back(concurry::options<ChaosRecorder>(o).init("p" + std::to_string(i), dir));
  }
  for (auto& h : hs) pids.push_back(h.pid().result(concurry::Duration(15.0)));
  Load load(kActors, [&](int t, int64_t seq) { return hs[t].work(seq); });
  dog.phase("load");
  load.start();
  std::this_thread::sleep_for(1500ms);
  double rate = load.rate();
  dog.phase("SIGSTOP node 1 for 0.6 s");
  c.nodes[kVictim]->signal(SIGSTOP);
  std::this_thread::sleep_for(600ms);
  c.nodes[kVictim]->signal(SIGCONT);
  std::this_thread::sleep_for(2000ms);
  load.stop();
  dog.phase("drain");
  load.drain(concurry::Duration(20.0));
  Tally all = load.tally();
  std::printf("rate %.0f calls/s; a 0.6 s pause: %s\n", rate, all.str().c_str());
  EXPECT_EQ(all.unresolved, 0) << all.str();
  EXPECT_EQ(all.value, all.total()) << "a pause shorter than the heartbeat timeout failed calls\n"
                                    << all.str();
  dog.phase("actors after the pause");
  for (int i = 0; i < kActors; ++i) {
    auto f = hs[i].pid();
    std::string got = outcome(f, concurry::Duration(10.0));
    EXPECT_EQ(got, "value") << "actor p" << i;
    if (got == "value") {
      EXPECT_EQ(f.result(concurry::Duration(0)), pids[i]) << "actor p" << i << " was moved";
    }
  }
  EXPECT_EQ(c.count_actors("ChaosRecorder", "ALIVE"), kActors);
  dog.phase("teardown");
}

// B2. A node holding actors with max_restarts 1 and retries is kill -9'd; 200 ms later (before
// the head has declared it dead, so their calls are parked waiting for the relocation) their
// handles are stopped (stop_timeout 2 s). stop() returns within stop_timeout-ish bounds and
// every future resolves within a few seconds of it — none is left waiting for a relocation.
TEST(ClusterEdges, StopWhileCallsAreParkedForARelocationResolvesEveryFuture) {
  Watchdog dog(90s);
  ChaosCluster c("rt_stop_parked");
  Session session(c.address);
  const std::string dir = fresh_dir("rt_stop_parked");
  concurry::Options o{.mode = "cluster", .resources = {{"cpu", 0.5}}, .placement = "spread"};
  o.num_retries = 5;
  o.retry_wait = 0.1;
  o.max_restarts = 1;
  o.stop_timeout = 2.0;
  std::vector<concurry::Handle<ChaosRecorder>> hs;
  std::vector<int> node;
  for (int i = 0; i < kActors; ++i) {
    hs.push_back(concurry::options<ChaosRecorder>(o).init("s" + std::to_string(i), dir));
  }
  for (auto& h : hs) node.push_back(c.node_of(h.pid().result(concurry::Duration(15.0))));
  ASSERT_GE(std::count(node.begin(), node.end(), kVictim), 2);
  Load load(kActors, [&](int t, int64_t seq) { return hs[t].work(seq); });
  dog.phase("load");
  load.start();
  std::this_thread::sleep_for(1500ms);
  dog.phase("kill -9 node 1");
  c.nodes[kVictim]->signal(SIGKILL);
  std::this_thread::sleep_for(200ms);
  load.stop();
  dog.phase("stop the killed node's handles");
  auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> stoppers;
  std::vector<double> took(kActors, -1);
  for (int i = 0; i < kActors; ++i) {
    if (node[i] != kVictim) continue;
    stoppers.emplace_back([&, i] {
      hs[i].stop();
      took[i] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    });
  }
  for (auto& t : stoppers) t.join();
  double longest = *std::max_element(took.begin(), took.end());
  dog.phase("drain");
  auto t1 = std::chrono::steady_clock::now();
  bool all_done = load.drain(concurry::Duration(5.0));
  double drained = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
  auto on_victim = [&](const Load::Call& call) { return node[call.target] == kVictim; };
  Tally victim = load.tally(on_victim);
  Tally others = load.tally([&](const Load::Call& call) { return !on_victim(call); });
  std::printf("stop() of the killed node's handles took up to %.3f s; drained in %.3f s (all: %d)"
              "\nkilled node's actors: %s\nothers: %s\n", longest, drained, all_done,
              victim.str().c_str(), others.str().c_str());
  EXPECT_LT(longest, 2.0 + 3.0) << "stop() with calls parked for a relocation";
  EXPECT_EQ(victim.unresolved, 0) << "futures still unresolved 5 s after stop() returned\n"
                                  << victim.str();
  EXPECT_EQ(others.value, others.total()) << others.str();
  dog.phase("teardown");
}

}  // namespace
}  // namespace chaos
