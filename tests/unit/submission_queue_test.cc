// SubmissionQueue: the in-flight limit, FIFO release, withdrawal, drain, no limit.
#include "concurry/core/submission_queue.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace concurry {
namespace {

TEST(SubmissionQueueTest, AtMostLimitInFlightRestWaitInOrder) {
  SubmissionQueue<std::string> q(2);
  std::string items[5] = {"a", "b", "c", "d", "e"};
  EXPECT_FALSE(q.admit(items[0]).has_value());
  EXPECT_FALSE(q.admit(items[1]).has_value());
  EXPECT_TRUE(q.admit(items[2]).has_value());
  EXPECT_TRUE(q.admit(items[3]).has_value());
  EXPECT_TRUE(q.admit(items[4]).has_value());
  EXPECT_EQ(q.in_flight(), 2u);
  EXPECT_EQ(q.waiting(), 3u);
  EXPECT_EQ(q.complete(), "c");  // FIFO, and the released item takes the slot
  EXPECT_EQ(q.in_flight(), 2u);
  EXPECT_EQ(q.complete(), "d");
  EXPECT_EQ(q.complete(), "e");
  EXPECT_EQ(q.complete(), std::nullopt);
  EXPECT_EQ(q.in_flight(), 1u);
  EXPECT_EQ(q.complete(), std::nullopt);
  EXPECT_EQ(q.in_flight(), 0u);
}

TEST(SubmissionQueueTest, WithdrawAndDrain) {
  SubmissionQueue<std::unique_ptr<int>> q(1);
  auto a = std::make_unique<int>(1), b = std::make_unique<int>(2), c = std::make_unique<int>(3);
  EXPECT_FALSE(q.admit(a).has_value());
  EXPECT_NE(a, nullptr);  // admitted items are not moved from
  auto tb = q.admit(b);
  auto tc = q.admit(c);
  ASSERT_TRUE(tb && tc);
  auto got = q.withdraw(*tb);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(**got, 2);
  EXPECT_FALSE(q.withdraw(*tb).has_value());  // only once
  auto rest = q.drain();
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(*rest[0], 3);
  EXPECT_EQ(q.waiting(), 0u);
}

TEST(SubmissionQueueTest, NoLimitAdmitsEverything) {
  SubmissionQueue<int> q;
  for (int i = 0; i < 1000; ++i) {
    int item = i;
    EXPECT_FALSE(q.admit(item).has_value());
  }
  EXPECT_EQ(q.in_flight(), 1000u);
  EXPECT_EQ(q.complete(), std::nullopt);
}

}  // namespace
}  // namespace concurry
