// NodeRegistry (the head's node table, on injected time) and node resource parsing.
#include "concurry/cluster/head/node_registry.h"

#include <gtest/gtest.h>

#include "concurry/cluster/node/node_agent.h"
#include "concurry/core/errors.h"

namespace concurry::internal {
namespace {

using namespace std::chrono_literals;

TEST(NodeRegistryTest, SilentNodesAreDeclaredDeadAndForgotten) {
  NodeRegistry registry(Duration(1.0));
  auto t0 = Clock::time_point(100s);
  std::string a = registry.add("a:1", {{"cpu", 2}}, t0);
  std::string b = registry.add("b:1", {{"gpu", 1}}, t0);
  EXPECT_NE(a, b);
  EXPECT_TRUE(registry.heartbeat(a, t0 + 900ms));
  EXPECT_TRUE(registry.sweep(t0 + 1500ms) == std::vector<std::string>{b});  // b was silent
  EXPECT_FALSE(registry.heartbeat(b, t0 + 1600ms));  // a dead node stays dead
  EXPECT_FALSE(registry.heartbeat("node-99", t0));
  auto nodes = registry.nodes();
  ASSERT_EQ(nodes.size(), 2u);
  for (const auto& n : nodes) EXPECT_EQ(n.alive, n.node_id == a);
  EXPECT_TRUE(registry.sweep(t0 + 1800ms).empty());  // reported once
}

TEST(NodeRegistryTest, AHeadThatStoodStillDeclaresNobodyDeadForItsOwnSilence) {
  NodeRegistry registry(Duration(1.5));
  auto t0 = Clock::time_point(100s);
  std::string a = registry.add("a:1", {{"cpu", 2}}, t0);
  EXPECT_TRUE(registry.sweep(t0 + 200ms).empty());
  // The head was paused for 3 s: no sweep, and no heartbeat read, meanwhile.
  EXPECT_TRUE(registry.sweep(t0 + 3200ms).empty()) << "a paused head killed its nodes";
  EXPECT_TRUE(registry.heartbeat(a, t0 + 3300ms));  // the queued heartbeat, read at last
  // Silence after the head runs again still counts, swept at the usual pace.
  for (auto t = t0 + 3500ms; t < t0 + 4800ms; t += 200ms) EXPECT_TRUE(registry.sweep(t).empty());
  EXPECT_TRUE(registry.sweep(t0 + 4900ms) == std::vector<std::string>{a});
}

TEST(NodeResourcesTest, ParsesAndRefusesClearly) {
  auto r = parse_resources("cpu=4,gpu=0,mem_gb=8.5,custom=2");
  EXPECT_EQ(r.size(), 4u);
  EXPECT_DOUBLE_EQ(r["mem_gb"], 8.5);
  EXPECT_THROW(parse_resources("cpu"), InvalidOptionError);
  EXPECT_THROW(parse_resources("cpu=four"), InvalidOptionError);
  EXPECT_THROW(parse_resources("=4"), InvalidOptionError);
  EXPECT_THROW(parse_resources("cpu=-1"), InvalidOptionError);
  EXPECT_THROW(parse_resources("cpu=nan"), InvalidOptionError);
  EXPECT_THROW(parse_resources("cpu=inf"), InvalidOptionError);
}

}  // namespace
}  // namespace concurry::internal
