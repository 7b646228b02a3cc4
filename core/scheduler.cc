#include "concurry/core/scheduler.h"

namespace concurry {
namespace {
thread_local Scheduler* current_scheduler = nullptr;
}  // namespace

Scheduler* Scheduler::current() { return current_scheduler; }

SchedulerScope::SchedulerScope(Scheduler* scheduler) : previous_(current_scheduler) {
  current_scheduler = scheduler;
}

SchedulerScope::~SchedulerScope() { current_scheduler = previous_; }

}  // namespace concurry
