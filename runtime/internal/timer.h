// Timer: runs a callback after a delay, on one shared background thread started on first use.
// Used for deadlines (map/gather timeouts). Callbacks must be short; they run in due order.
// Internal.
#ifndef CONCURRY_RUNTIME_INTERNAL_TIMER_H_
#define CONCURRY_RUNTIME_INTERNAL_TIMER_H_

#include <functional>

#include "concurry/core/duration.h"

namespace concurry::internal {

void run_after(Duration delay, std::function<void()> callback);

}  // namespace concurry::internal

#endif  // CONCURRY_RUNTIME_INTERNAL_TIMER_H_
