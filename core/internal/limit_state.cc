#include "concurry/core/internal/limit_state.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <utility>

namespace concurry::internal {
namespace {

constexpr double kEpsilon = 1e-9;

double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }
Clock::time_point after(Clock::time_point t, double s) {
  return t + std::chrono::duration_cast<Clock::duration>(Duration(s));
}

// Starts full; refills continuously at capacity / window; unused tokens come back.
class TokenBucket final : public LimitState {
 public:
  TokenBucket(Duration window, double capacity, Clock::time_point now)
      : LimitState(capacity), rate_(capacity / window.count()), tokens_(capacity), last_(now) {}
  bool can_take(double amount, Clock::time_point now) override {
    refill(now);
    return tokens_ + kEpsilon >= amount;
  }
  void take(double amount, Clock::time_point now) override {
    refill(now);
    tokens_ -= amount;
  }
  Clock::time_point available_at(double amount, Clock::time_point now) override {
    refill(now);
    return tokens_ + kEpsilon >= amount ? now : after(now, (amount - tokens_) / rate_);
  }
  void give_back(double requested, double used, Clock::time_point now) override {
    refill(now);
    tokens_ = std::min(capacity(), tokens_ + (requested - used));
  }

 private:
  void refill(Clock::time_point now) {
    if (now > last_) tokens_ = std::min(capacity(), tokens_ + rate_ * seconds(now - last_));
    last_ = std::max(last_, now);
  }
  double rate_;
  double tokens_;
  Clock::time_point last_;
};

// A bucket that fills with each acquisition and drains at capacity / window.
class LeakyBucket final : public LimitState {
 public:
  LeakyBucket(Duration window, double capacity, Clock::time_point now)
      : LimitState(capacity), rate_(capacity / window.count()), last_(now) {}
  bool can_take(double amount, Clock::time_point now) override {
    drain(now);
    return level_ + amount <= capacity() + kEpsilon;
  }
  void take(double amount, Clock::time_point now) override {
    drain(now);
    level_ += amount;
  }
  Clock::time_point available_at(double amount, Clock::time_point now) override {
    drain(now);
    double excess = level_ + amount - capacity();
    return excess <= kEpsilon ? now : after(now, excess / rate_);
  }
  void give_back(double, double, Clock::time_point) override {}

 private:
  void drain(Clock::time_point now) {
    if (now > last_) level_ = std::max(0.0, level_ - rate_ * seconds(now - last_));
    last_ = std::max(last_, now);
  }
  double rate_;
  double level_ = 0;
  Clock::time_point last_;
};

// Counts what was taken within the last `window`.
class SlidingWindow final : public LimitState {
 public:
  SlidingWindow(Duration window, double capacity)
      : LimitState(capacity), window_(std::chrono::duration_cast<Clock::duration>(window)) {}
  bool can_take(double amount, Clock::time_point now) override {
    expire(now);
    return sum_ + amount <= capacity() + kEpsilon;
  }
  void take(double amount, Clock::time_point now) override {
    expire(now);
    events_.emplace_back(now, amount);
    sum_ += amount;
  }
  Clock::time_point available_at(double amount, Clock::time_point now) override {
    expire(now);
    double sum = sum_;
    if (sum + amount <= capacity() + kEpsilon) return now;
    for (const auto& [t, a] : events_) {
      sum -= a;
      if (sum + amount <= capacity() + kEpsilon) return t + window_;
    }
    return now + window_;
  }
  void give_back(double, double, Clock::time_point) override {}

 private:
  void expire(Clock::time_point now) {
    while (!events_.empty() && events_.front().first + window_ <= now) {
      sum_ -= events_.front().second;
      events_.pop_front();
    }
    if (events_.empty()) sum_ = 0;  // no drift
  }
  Clock::duration window_;
  std::deque<std::pair<Clock::time_point, double>> events_;
  double sum_ = 0;
};

// Counts what was taken since the current window began; windows start every `window` from the
// limit's creation.
class FixedWindow final : public LimitState {
 public:
  FixedWindow(Duration window, double capacity, Clock::time_point now)
      : LimitState(capacity), window_(std::chrono::duration_cast<Clock::duration>(window)),
        start_(now) {}
  bool can_take(double amount, Clock::time_point now) override {
    roll(now);
    return count_ + amount <= capacity() + kEpsilon;
  }
  void take(double amount, Clock::time_point now) override {
    roll(now);
    count_ += amount;
  }
  Clock::time_point available_at(double amount, Clock::time_point now) override {
    roll(now);
    return count_ + amount <= capacity() + kEpsilon ? now : start_ + window_;
  }
  void give_back(double, double, Clock::time_point) override {}

 private:
  void roll(Clock::time_point now) {
    if (now < start_ + window_) return;
    auto windows = (now - start_) / window_;
    start_ += windows * window_;
    count_ = 0;
  }
  Clock::duration window_;
  Clock::time_point start_;
  double count_ = 0;
};

// Generic cell rate: emission interval T = window / capacity, burst tolerance capacity * T.
class Gcra final : public LimitState {
 public:
  Gcra(Duration window, double capacity, Clock::time_point now)
      : LimitState(capacity), interval_(window.count() / capacity), tolerance_(window.count()),
        tat_(now) {}
  bool can_take(double amount, Clock::time_point now) override {
    return seconds(std::max(tat_, now) - now) + amount * interval_ <= tolerance_ + kEpsilon;
  }
  void take(double amount, Clock::time_point now) override {
    tat_ = after(std::max(tat_, now), amount * interval_);
  }
  Clock::time_point available_at(double amount, Clock::time_point now) override {
    if (can_take(amount, now)) return now;
    return after(std::max(tat_, now), amount * interval_ - tolerance_);
  }
  void give_back(double requested, double used, Clock::time_point now) override {
    tat_ = std::max(now, after(tat_, -(requested - used) * interval_));
  }

 private:
  double interval_;
  double tolerance_;
  Clock::time_point tat_;  // theoretical arrival time
};

class Resource final : public LimitState {
 public:
  explicit Resource(double capacity) : LimitState(capacity) {}
  bool can_take(double amount, Clock::time_point) override {
    return in_use_ + amount <= capacity() + kEpsilon;
  }
  void take(double amount, Clock::time_point) override { in_use_ += amount; }
  Clock::time_point available_at(double amount, Clock::time_point now) override {
    return can_take(amount, now) ? now : Clock::time_point::max();
  }
  void give_back(double requested, double, Clock::time_point) override {
    in_use_ = std::max(0.0, in_use_ - requested);
  }

 private:
  double in_use_ = 0;
};

}  // namespace

std::unique_ptr<LimitState> make_rate_state(RateLimitAlgorithm algorithm, Duration window,
                                            double capacity, Clock::time_point now) {
  switch (algorithm) {
    case RateLimitAlgorithm::kTokenBucket:
      return std::make_unique<TokenBucket>(window, capacity, now);
    case RateLimitAlgorithm::kLeakyBucket:
      return std::make_unique<LeakyBucket>(window, capacity, now);
    case RateLimitAlgorithm::kSlidingWindow:
      return std::make_unique<SlidingWindow>(window, capacity);
    case RateLimitAlgorithm::kFixedWindow:
      return std::make_unique<FixedWindow>(window, capacity, now);
    case RateLimitAlgorithm::kGcra:
      return std::make_unique<Gcra>(window, capacity, now);
  }
  return nullptr;
}

std::unique_ptr<LimitState> make_resource_state(double capacity) {
  return std::make_unique<Resource>(capacity);
}

}  // namespace concurry::internal
