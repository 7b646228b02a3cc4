// PlacementTable: spread vs pack, placement by resources, infeasible and busy requests.
#include "concurry/cluster/head/placement.h"

#include <gtest/gtest.h>

#include <string>

#include "concurry/core/errors.h"

namespace concurry::internal {
namespace {

PlacementTable two_nodes() {
  PlacementTable t;
  t.add_node("cpu-node", {{"cpu", 4}});
  t.add_node("gpu-node", {{"cpu", 4}, {"gpu", 1}});
  return t;
}

TEST(PlacementTest, GpuActorsLandWhereTheGpuIs) {
  PlacementTable t = two_nodes();
  EXPECT_EQ(t.place({{"gpu", 1}}, Placement::kSpread), "gpu-node");
  EXPECT_DOUBLE_EQ(t.free("gpu-node")["gpu"], 0);
  try {
    t.place({{"gpu", 1}}, Placement::kSpread);  // the only gpu is taken
    FAIL() << "expected ClusterError";
  } catch (const ClusterError& e) {
    EXPECT_NE(std::string(e.what()).find("free right now"), std::string::npos) << e.what();
  }
  t.release("gpu-node", {{"gpu", 1}});
  EXPECT_EQ(t.place({{"gpu", 1}}, Placement::kPack), "gpu-node");
}

TEST(PlacementTest, SpreadBalancesPackFills) {
  PlacementTable spread = two_nodes();
  EXPECT_EQ(spread.place({{"cpu", 1}}, Placement::kSpread), "cpu-node");
  EXPECT_EQ(spread.place({{"cpu", 1}}, Placement::kSpread), "gpu-node");
  EXPECT_EQ(spread.place({{"cpu", 1}}, Placement::kSpread), "cpu-node");
  PlacementTable pack = two_nodes();
  for (int i = 0; i < 4; ++i) EXPECT_EQ(pack.place({{"cpu", 1}}, Placement::kPack), "cpu-node");
  EXPECT_EQ(pack.place({{"cpu", 1}}, Placement::kPack), "gpu-node");  // the first is full
}

TEST(PlacementTest, InfeasibleRequestsNameTheResource) {
  PlacementTable t = two_nodes();
  try {
    t.place({{"gpu", 2}}, Placement::kSpread);
    FAIL() << "expected ClusterError";
  } catch (const ClusterError& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("needs gpu: 2, but no node offers more than 1"), std::string::npos) << msg;
  }
  EXPECT_THROW(t.place({{"tpu", 1}}, Placement::kSpread), ClusterError);
  t.remove_node("gpu-node");
  EXPECT_THROW(t.place({{"gpu", 1}}, Placement::kSpread), ClusterError);
}

}  // namespace
}  // namespace concurry::internal
