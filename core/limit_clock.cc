#include "concurry/core/limit_clock.h"

namespace concurry {

void SteadyLimitClock::wait_until(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                                  Clock::time_point deadline) const {
  if (deadline == Clock::time_point::max()) {
    cv.wait(lock);
  } else {
    cv.wait_until(lock, deadline);
  }
}

void FakeClock::wait_until(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                           Clock::time_point) const {
  cv.wait_for(lock, std::chrono::milliseconds(1));
}

std::shared_ptr<LimitClock> steady_limit_clock() {
  static std::shared_ptr<LimitClock> clock = std::make_shared<SteadyLimitClock>();
  return clock;
}

}  // namespace concurry
