// PoolCore: the one dispatch core of local pools and the head's cluster pools — members that
// go down are skipped, their waiting calls handed back, calls held while every member is down
// and one is coming back, refused when none is.
#include "concurry/core/pool_core.h"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

namespace concurry {
namespace {

using Item = std::unique_ptr<int>;
using Core = PoolCore<Item>;

Item item(int v) { return std::make_unique<int>(v); }

TEST(PoolCoreTest, SlotsPerMemberThenWaitingInOrder) {
  Core core(LoadBalancing::kRoundRobin, 2, /*limit=*/1);
  Item a = item(1), b = item(2), c = item(3);
  auto pa = core.submit(a);
  auto pb = core.submit(b);
  EXPECT_EQ(pa.outcome, Core::Outcome::kSend);
  EXPECT_EQ(pa.member, 0u);
  EXPECT_EQ(pb.member, 1u);
  EXPECT_EQ(core.submit(c).outcome, Core::Outcome::kWaiting);  // member 0 is full
  EXPECT_EQ(c, nullptr);  // taken: it waits in the core
  EXPECT_EQ(core.waiting(), 1u);
  auto next = core.complete(0);
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(**next, 3);
  EXPECT_EQ(core.in_flight(), 2u);
}

TEST(PoolCoreTest, ADownMemberHandsBackItsWaitingCallsAndTakesNoMore) {
  Core core(LoadBalancing::kRoundRobin, 2, /*limit=*/1);
  Item a = item(1), b = item(2), c = item(3);
  core.submit(a);
  core.submit(b);
  core.submit(c);  // waits for member 0
  std::vector<Item> back = core.member_down(0, /*returns=*/false);
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(*back[0], 3);
  for (int i = 0; i < 4; ++i) {
    Item d = item(10 + i);
    auto placed = core.submit(d);
    EXPECT_NE(placed.outcome, Core::Outcome::kNoMember);
    EXPECT_EQ(placed.member, 1u);
  }
}

TEST(PoolCoreTest, AllDownWithOneComingBackHoldsCallsUntilItIsUp) {
  Core core(LoadBalancing::kLeastActive, 2, std::nullopt);
  core.member_down(0, /*returns=*/true);
  core.member_down(1, /*returns=*/false);
  Item a = item(1);
  EXPECT_EQ(core.submit(a).outcome, Core::Outcome::kWaiting);
  EXPECT_EQ(core.waiting(), 1u);
  std::vector<Item> held = core.member_up(0);
  ASSERT_EQ(held.size(), 1u);
  EXPECT_EQ(*held[0], 1);
  auto placed = core.submit(held[0]);
  EXPECT_EQ(placed.outcome, Core::Outcome::kSend);
  EXPECT_EQ(placed.member, 0u);
}

TEST(PoolCoreTest, NoMemberUpOrComingBackRefusesAndReleasesWhatWasHeld) {
  Core core(LoadBalancing::kRoundRobin, 1, std::nullopt);
  core.member_down(0, /*returns=*/true);
  Item a = item(1);
  EXPECT_EQ(core.submit(a).outcome, Core::Outcome::kWaiting);
  // Its replacement failed for good: the held call comes back for the owner to fail.
  std::vector<Item> back = core.member_down(0, /*returns=*/false);
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(core.submit(back[0]).outcome, Core::Outcome::kNoMember);
  EXPECT_NE(back[0], nullptr);  // untouched: the owner fails it
}

TEST(PoolCoreTest, DrainReturnsHeldAndWaitingCalls) {
  Core core(LoadBalancing::kRoundRobin, 1, /*limit=*/1);
  Item a = item(1), b = item(2);
  core.submit(a);
  core.submit(b);
  EXPECT_EQ(core.drain().size(), 1u);
  EXPECT_EQ(core.waiting(), 0u);
}

}  // namespace
}  // namespace concurry
