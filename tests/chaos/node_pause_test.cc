// Chaos: a node paused (SIGSTOP) under load for longer than the head's heartbeat timeout, then
// resumed (SIGCONT). Its actors have retries and max_restarts = 1, so the head restarts them on
// the other node while it is paused. Asserted:
//   - every future resolves, and every one is a value (no call lost);
//   - fencing: once an actor's replacement exists (its constructor ran on the other node), the
//     old instance starts no call — counted from the execution logs ChaosRecorder writes per
//     process (actor key + CLOCK_MONOTONIC, comparable across the processes of one host);
//   - every actor answers afterwards, from the node that did not pause.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "concurry/concurry.h"
#include "tests/chaos/chaos_fixture.h"
#include "tests/chaos/chaos_workers.h"
#include "tests/chaos/load.h"

namespace chaos {
namespace {

constexpr int kActors = 8;
constexpr int kPaused = 1;
constexpr int kSurvivor = 0;

TEST(NodePauseTest, APausedNodeIsFencedAndNoCallIsLost) {
  Watchdog dog(55s);
  ChaosCluster c("pause");
  Session session(c.address);
  const std::string dir = fresh_dir("pause");
  concurry::Options o{.mode = "cluster", .resources = {{"cpu", 0.5}}, .placement = "spread"};
  o.num_retries = 5;
  o.retry_wait = 0.1;
  o.max_restarts = 1;
  std::vector<concurry::Handle<ChaosRecorder>> actors;
  std::vector<int> node;
  for (int i = 0; i < kActors; ++i) {
    actors.push_back(concurry::options<ChaosRecorder>(o).init("a" + std::to_string(i), dir));
  }
  for (auto& a : actors) node.push_back(c.node_of(a.pid().result(concurry::Duration(15.0))));
  const int moved = static_cast<int>(std::count(node.begin(), node.end(), kPaused));
  ASSERT_GE(moved, 2);
  ASSERT_GE(kActors - moved, 2);
  const int paused_pid = c.nodes[kPaused]->pid();
  const int survivor_pid = c.nodes[kSurvivor]->pid();

  Load load(kActors, [&](int t, int64_t seq) { return actors[t].work(seq); });
  dog.phase("load");
  load.start();
  std::this_thread::sleep_for(2000ms);
  const double rate = load.rate();
  dog.phase("SIGSTOP node " + std::to_string(kPaused) + " at " +
            std::to_string(static_cast<long>(rate)) + " calls/s");
  const int64_t stop_ns = now_ns();
  c.nodes[kPaused]->signal(SIGSTOP);
  // The head declares it dead after its heartbeat timeout and restarts its actors elsewhere.
  bool declared_dead = eventually(
      [&] {
        auto reply = c.status();
        for (const auto& n : reply.nodes()) {
          if (n.node_id() == c.node_ids[kPaused]) return !n.alive();
        }
        return false;
      },
      10s);
  const double dead_after = (now_ns() - stop_ns) / 1e9;
  std::this_thread::sleep_until(std::chrono::steady_clock::now() +
                                std::chrono::nanoseconds(stop_ns + 4'000'000'000 - now_ns()));
  dog.phase("SIGCONT");
  const int64_t cont_ns = now_ns();
  c.nodes[kPaused]->signal(SIGCONT);
  std::this_thread::sleep_for(2000ms);
  dog.phase("stop the load");
  load.stop();
  dog.phase("drain " + std::to_string(load.submitted()) + " calls");
  load.drain(concurry::Duration(25.0));
  std::this_thread::sleep_for(300ms);  // whatever the resumed node still runs, it logs by now

  Tally all = load.tally();
  auto on_paused = [&](const Load::Call& call) { return node[call.target] == kPaused; };
  Tally paused = load.tally(on_paused);
  Tally survivor = load.tally([&](const Load::Call& call) { return !on_paused(call); });
  std::printf("rate before the pause: %.0f calls/s; node declared dead %.2f s after SIGSTOP\n"
              "all: %s\npaused node's actors: %s\nother node's actors: %s\n",
              rate, dead_after, all.str().c_str(), paused.str().c_str(), survivor.str().c_str());
  EXPECT_GE(rate, kMinRate);
  EXPECT_TRUE(declared_dead) << "the head never declared the paused node dead";
  EXPECT_EQ(all.unresolved, 0) << all.str();
  EXPECT_EQ(all.value, all.total()) << "calls lost despite retries and restarts\n" << all.str();

  // Fencing, from the execution logs.
  ExecLog log = read_exec_logs(dir);
  EXPECT_EQ(log.unparsable, 0);
  std::map<std::string, int64_t> replaced_at;  // key → its replacement's construction
  std::map<std::string, std::set<int>> instances;
  for (const auto& l : log.lines) {
    if (l.kind != 'C') continue;
    instances[l.key].insert(l.pid);
    if (l.pid != paused_pid) {
      auto it = replaced_at.find(l.key);
      if (it == replaced_at.end() || l.ns < it->second) replaced_at[l.key] = l.ns;
    }
  }
  std::map<std::string, long> executed;         // per "key@pid": calls started
  std::map<std::string, long> after_replaced;   // per key: on the old instance, after the new one
  std::map<std::string, int64_t> latest_late;   // per key: how late the latest of those was (ns)
  std::map<std::string, long> after_cont;       // per key: on the old instance after SIGCONT
  for (const auto& l : log.lines) {
    if (l.kind != 'E' || l.seq < 0) continue;
    ++executed[l.key + "@" + std::to_string(l.pid)];
    if (l.pid != paused_pid) continue;
    if (l.ns > cont_ns) ++after_cont[l.key];
    auto it = replaced_at.find(l.key);
    if (it != replaced_at.end() && l.ns > it->second) {
      ++after_replaced[l.key];
      latest_late[l.key] = std::max(latest_late[l.key], l.ns - it->second);
    }
  }
  int relocated = 0;
  std::string report;
  for (int i = 0; i < kActors; ++i) {
    std::string key = "a" + std::to_string(i);
    bool was_paused = node[i] == kPaused;
    if (was_paused && instances[key].size() >= 2) ++relocated;
    report += "  " + key + (was_paused ? " (paused node)" : "") + ": instances " +
              std::to_string(instances[key].size()) + ", calls started on the paused pid " +
              std::to_string(executed[key + "@" + std::to_string(paused_pid)]) +
              ", elsewhere " + std::to_string(executed[key + "@" + std::to_string(survivor_pid)]) +
              ", on the old instance after its replacement existed " +
              std::to_string(after_replaced[key]) + " (latest " +
              std::to_string(latest_late[key] / 1000000) + " ms after), after SIGCONT " +
              std::to_string(after_cont[key]) + "\n";
  }
  long fenced_runs = 0;
  for (const auto& [key, n] : after_replaced) fenced_runs += n;
  Delivery d = delivery(log, load);
  std::printf("calls made %ld; delivery: %s\n%s", all.total(), d.str().c_str(), report.c_str());
  EXPECT_EQ(d.value_never_ran, 0) << d.str();
  EXPECT_EQ(relocated, moved) << "every actor of the paused node gets a replacement\n" << report;
  EXPECT_EQ(fenced_runs, 0) << "calls ran on a fenced instance after its replacement existed\n"
                            << report;

  dog.phase("afterwards");
  for (int i = 0; i < kActors; ++i) {
    auto pid = actors[i].pid();
    std::string got = outcome(pid, concurry::Duration(15.0));
    EXPECT_EQ(got, "value") << "actor a" << i;
    if (got == "value") {
      EXPECT_EQ(pid.result(concurry::Duration(0)), survivor_pid) << "actor a" << i;
    }
  }
  EXPECT_EQ(c.count_actors("ChaosRecorder", "ALIVE"), kActors);
  dog.phase("teardown");
}

}  // namespace
}  // namespace chaos
