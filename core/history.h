// History: how much of what ended (dead nodes, stopped actors, finished jobs) a daemon keeps to
// report. Ids are recorded in the order they ended; past `max_count` the oldest are handed back
// to be forgotten, and with a `max_age` so are those ended longer ago. The owner keeps the
// entries and forgets the ids it is given. No threads; not thread-safe (its owner locks).
#ifndef CONCURRY_CORE_HISTORY_H_
#define CONCURRY_CORE_HISTORY_H_

#include <cstddef>
#include <deque>
#include <string>
#include <utility>
#include <vector>

#include "concurry/core/duration.h"

namespace concurry::internal {

struct HistoryLimits {
  size_t max_count = 1000;  // ended entries kept, per kind
  Duration max_age{0.0};    // 0: kept until max_count pushes them out
};

class History {
 public:
  explicit History(HistoryLimits limits = {}) : limits_(limits) {}

  // `id` ended at `now`; returns the ids to forget now (the oldest past the limits).
  std::vector<std::string> ended(std::string id, Clock::time_point now) {
    order_.emplace_back(now, std::move(id));
    return expired(now);
  }

  // The ids past the limits at `now`, removed from the history.
  std::vector<std::string> expired(Clock::time_point now) {
    std::vector<std::string> out;
    auto too_old = [&](Clock::time_point t) {
      return limits_.max_age.count() > 0 &&
             now - t > std::chrono::duration_cast<Clock::duration>(limits_.max_age);
    };
    while (!order_.empty() && (order_.size() > limits_.max_count || too_old(order_.front().first))) {
      out.push_back(std::move(order_.front().second));
      order_.pop_front();
    }
    return out;
  }

  size_t size() const { return order_.size(); }
  const HistoryLimits& limits() const { return limits_; }

 private:
  HistoryLimits limits_;
  std::deque<std::pair<Clock::time_point, std::string>> order_;  // oldest first
};

}  // namespace concurry::internal

#endif  // CONCURRY_CORE_HISTORY_H_
