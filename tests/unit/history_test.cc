// History: the count bound hands back the oldest ids, in order; the age bound those ended too
// long ago; without an age bound, age alone forgets nothing.
#include "concurry/core/history.h"

#include <gtest/gtest.h>

namespace concurry::internal {
namespace {

using namespace std::chrono_literals;
using Ids = std::vector<std::string>;

TEST(HistoryTest, PastMaxCountTheOldestAreForgottenInOrder) {
  History h({.max_count = 2});
  auto t = Clock::now();
  EXPECT_EQ(h.ended("a", t), Ids{});
  EXPECT_EQ(h.ended("b", t), Ids{});
  EXPECT_EQ(h.ended("c", t), Ids{"a"});
  EXPECT_EQ(h.ended("d", t), Ids{"b"});
  EXPECT_EQ(h.size(), 2u);
}

TEST(HistoryTest, PastMaxAgeEntriesAreForgottenEvenUnderTheCount) {
  History h({.max_count = 100, .max_age = Duration(60.0)});
  auto t = Clock::now();
  h.ended("old", t);
  h.ended("newer", t + 30s);
  EXPECT_EQ(h.expired(t + 59s), Ids{});
  EXPECT_EQ(h.expired(t + 61s), Ids{"old"});
  EXPECT_EQ(h.expired(t + 91s), Ids{"newer"});
  EXPECT_EQ(h.size(), 0u);
}

TEST(HistoryTest, WithoutAnAgeBoundOnlyTheCountForgets) {
  History h({.max_count = 3});
  auto t = Clock::now();
  h.ended("a", t);
  EXPECT_EQ(h.expired(t + 10000h), Ids{});
  EXPECT_EQ(h.size(), 1u);
}

TEST(HistoryTest, ZeroCountKeepsNothing) {
  History h({.max_count = 0});
  EXPECT_EQ(h.ended("a", Clock::now()), Ids{"a"});
}

}  // namespace
}  // namespace concurry::internal
