// Chaos: kill -9 of a client process that holds actors under load (chaos_client), while this
// test process — another client — runs its own load. Asserted:
//   - the killed client's actors are freed: the head shows none of them ALIVE within a bound,
//     and their resources can be taken again (new actors asking the same resources are placed);
//   - this client keeps working: every one of its calls, before, during and after, is a value.
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdio>
#include <string>
#include <vector>

#include "concurry/concurry.h"
#include "tests/chaos/chaos_fixture.h"
#include "tests/chaos/chaos_workers.h"
#include "tests/chaos/load.h"

namespace chaos {
namespace {

constexpr int kMine = 4;          // this client's actors, cpu 0.5 each
constexpr int kTheirs = 4;        // the other client's, cpu 3 each: 2 per node (of cpu 8)
constexpr double kTheirCpu = 3;   // with them in place, a node has 8 - 1 - 6 = 1 cpu free

TEST(ClientKillTest, AKilledClientsActorsAreFreedAndOtherClientsKeepWorking) {
  Watchdog dog(55s);
  ChaosCluster c("client_kill");
  Session session(c.address);
  concurry::Options mine_o{.mode = "cluster", .resources = {{"cpu", 0.5}}, .placement = "spread"};
  std::vector<concurry::Handle<ChaosRecorder>> mine;
  for (int i = 0; i < kMine; ++i) {
    mine.push_back(concurry::options<ChaosRecorder>(mine_o).init("m" + std::to_string(i), ""));
  }
  Load load(kMine, [&](int t, int64_t seq) { return mine[t].work(seq); }, 2, 32);
  dog.phase("load");
  load.start();

  dog.phase("start the other client");
  Proc other("tests/chaos/chaos_client",
             {c.address, concurry_test::runfile(kLib), std::to_string(kTheirs),
              std::to_string(kTheirCpu)},
             "client_kill-client");
  std::string line = other.first_line(30s);
  ASSERT_EQ(line.rfind("loaded ", 0), 0u) << "'" << line << "' " << other.stderr_tail();
  ASSERT_EQ(c.count_actors("ChaosSink", "ALIVE"), kTheirs);
  std::this_thread::sleep_for(1000ms);  // both clients under load
  const double rate = load.rate();
  const long before_kill = load.completed();
  const double their_rate = std::atof(line.c_str() + line.rfind(' '));

  dog.phase("kill -9 the other client (" + line + ")");
  const auto killed = std::chrono::steady_clock::now();
  EXPECT_EQ(other.stop(SIGKILL), 128 + SIGKILL);
  bool freed = eventually([&] { return c.count_actors("ChaosSink", "ALIVE") == 0; }, 10s);
  const double freed_after =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - killed).count();
  std::this_thread::sleep_for(1000ms);  // our load goes on
  dog.phase("stop the load");
  load.stop();
  dog.phase("drain " + std::to_string(load.submitted()) + " calls");
  load.drain(concurry::Duration(20.0));
  Tally t = load.tally();
  std::printf("this client: %.0f calls/s, the killed one: %.0f calls/s; its actors freed %.2f s "
              "after the kill\nthis client's calls: %s (%ld of them before the kill)\n",
              rate, their_rate, freed_after, t.str().c_str(), before_kill);

  EXPECT_GE(rate + their_rate, kMinRate);
  EXPECT_TRUE(freed) << c.count_actors("ChaosSink", "ALIVE")
                     << " of the killed client's actors still ALIVE 10 s after the kill";
  EXPECT_LE(freed_after, 5.0);
  EXPECT_EQ(t.unresolved, 0) << t.str();
  EXPECT_EQ(t.value, t.total()) << "the other client's death cost this client calls\n" << t.str();

  // Their resources are free again: the same actors fit now (they did not while held).
  dog.phase("take the freed resources");
  concurry::Options theirs_o{.mode = "cluster", .resources = {{"cpu", kTheirCpu}},
                             .placement = "spread"};
  std::vector<concurry::Handle<ChaosSink>> again;
  for (int i = 0; i < kTheirs; ++i) {
    try {
      again.push_back(concurry::options<ChaosSink>(theirs_o).init());
    } catch (const std::exception& e) {
      ADD_FAILURE() << "actor " << i << " asking cpu " << kTheirCpu << ": " << e.what();
    }
  }
  for (auto& a : again) EXPECT_EQ(outcome(a.work(7), concurry::Duration(10.0)), "value");
  for (auto& m : mine) EXPECT_EQ(outcome(m.work(7), concurry::Duration(10.0)), "value");
  dog.phase("teardown");
}

}  // namespace
}  // namespace chaos
