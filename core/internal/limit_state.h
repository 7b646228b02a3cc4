// LimitState: the bookkeeping of one limit under one algorithm. Not thread-safe: a LimitSet's
// mutex guards every call. Amounts may be fractional. Internal.
#ifndef CONCURRY_CORE_INTERNAL_LIMIT_STATE_H_
#define CONCURRY_CORE_INTERNAL_LIMIT_STATE_H_

#include <memory>

#include "concurry/core/duration.h"
#include "concurry/core/option_values.h"

namespace concurry::internal {

class LimitState {
 public:
  explicit LimitState(double capacity) : capacity_(capacity) {}
  virtual ~LimitState() = default;

  double capacity() const { return capacity_; }
  // True when `amount` can be taken at `now`.
  virtual bool can_take(double amount, Clock::time_point now) = 0;
  virtual void take(double amount, Clock::time_point now) = 0;
  // The earliest time `amount` could be taken if nothing else happened; time_point::max() when
  // only a release can make room (resources).
  virtual Clock::time_point available_at(double amount, Clock::time_point now) = 0;
  // The acquisition of `requested` is over and `used` was consumed. Resources come back whole;
  // token bucket and GCRA refund requested - used (and charge any excess); windows keep counts.
  virtual void give_back(double requested, double used, Clock::time_point now) = 0;

 private:
  double capacity_;
};

std::unique_ptr<LimitState> make_rate_state(RateLimitAlgorithm algorithm, Duration window,
                                            double capacity, Clock::time_point now);
std::unique_ptr<LimitState> make_resource_state(double capacity);

}  // namespace concurry::internal

#endif  // CONCURRY_CORE_INTERNAL_LIMIT_STATE_H_
