// LoadBalancer: the REFERENCE.md selection rules, ties to the lowest index.
#include "concurry/core/load_balancer.h"

#include <gtest/gtest.h>

#include <vector>

#include "concurry/core/errors.h"

namespace concurry {
namespace {

std::vector<size_t> picks(LoadBalancer& lb, int n) {
  std::vector<size_t> out;
  for (int i = 0; i < n; ++i) out.push_back(lb.pick());
  return out;
}

TEST(LoadBalancerTest, RoundRobinCycles) {
  LoadBalancer lb(LoadBalancing::kRoundRobin, 3);
  EXPECT_EQ(picks(lb, 9), (std::vector<size_t>{0, 1, 2, 0, 1, 2, 0, 1, 2}));
  EXPECT_EQ(lb.total_dispatched(), 9u);
}

TEST(LoadBalancerTest, LeastActiveAvoidsBusyWorkers) {
  LoadBalancer lb(LoadBalancing::kLeastActive, 3);
  EXPECT_EQ(picks(lb, 3), (std::vector<size_t>{0, 1, 2}));  // ties go to the lowest index
  lb.completed(1);
  lb.completed(2);
  EXPECT_EQ(lb.pick(), 1u);  // 0 is still busy; 1 and 2 are idle
  EXPECT_EQ(lb.pick(), 2u);
  EXPECT_EQ(lb.active(0), 1u);
  lb.completed(0);
  EXPECT_EQ(lb.pick(), 0u);
}

TEST(LoadBalancerTest, LeastTotalCountsEveryDispatch) {
  LoadBalancer lb(LoadBalancing::kLeastTotal, 3);
  EXPECT_EQ(picks(lb, 3), (std::vector<size_t>{0, 1, 2}));
  lb.completed(0);
  lb.completed(1);
  lb.completed(2);
  EXPECT_EQ(picks(lb, 4), (std::vector<size_t>{0, 1, 2, 0}));  // completion does not matter
  EXPECT_EQ(lb.total(0), 3u);
}

TEST(LoadBalancerTest, RandomCoversEveryWorkerReproducibly) {
  LoadBalancer a(LoadBalancing::kRandom, 4, 42);
  LoadBalancer b(LoadBalancing::kRandom, 4, 42);
  std::vector<int> seen(4, 0);
  for (int i = 0; i < 4000; ++i) {
    size_t x = a.pick();
    EXPECT_EQ(x, b.pick());
    ++seen[x];
  }
  for (int count : seen) EXPECT_GT(count, 800);  // uniform: about 1000 each
}

TEST(LoadBalancerTest, LargePoolsAndBadInput) {
  LoadBalancer lb(LoadBalancing::kLeastActive, 1024);
  for (size_t i = 0; i < 1024; ++i) EXPECT_EQ(lb.pick(), i);
  lb.completed(700);
  EXPECT_EQ(lb.pick(), 700u);
  lb.completed(5000);  // unknown worker: ignored
  EXPECT_THROW(LoadBalancer(LoadBalancing::kRoundRobin, 0), InvalidOptionError);
}

}  // namespace
TEST(LoadBalancerTest, UnavailableMembersAreNeverPickedByAnyAlgorithm) {
  for (auto algorithm : {LoadBalancing::kRoundRobin, LoadBalancing::kLeastActive,
                         LoadBalancing::kLeastTotal, LoadBalancing::kRandom}) {
    LoadBalancer lb(algorithm, 4, /*seed=*/7);
    lb.set_available(1, false);
    lb.set_available(3, false);
    EXPECT_EQ(lb.available_count(), 2u);
    for (int i = 0; i < 40; ++i) {
      size_t m = lb.pick();
      EXPECT_TRUE(m == 0 || m == 2) << "picked unavailable member " << m;
      if (i % 2) lb.completed(m);
    }
    lb.set_available(1, true);
    bool saw_one = false;
    for (int i = 0; i < 40; ++i) {
      size_t m = lb.pick();
      EXPECT_NE(m, 3u);
      saw_one |= m == 1;
      lb.completed(m);
    }
    EXPECT_TRUE(saw_one) << "member 1 is available again";
  }
}

TEST(LoadBalancerTest, RoundRobinSkipsAnUnavailableMemberInTurn) {
  LoadBalancer lb(LoadBalancing::kRoundRobin, 3);
  lb.set_available(1, false);
  EXPECT_EQ(picks(lb, 4), (std::vector<size_t>{0, 2, 0, 2}));
}

}  // namespace concurry
