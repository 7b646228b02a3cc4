// Duration: seconds as a double, the unit of every timeout and wait in concurry's API.
// Any std::chrono duration converts to it implicitly: `result(250ms)`, `{.timeout = 2s}`.
#ifndef CONCURRY_CORE_DURATION_H_
#define CONCURRY_CORE_DURATION_H_

#include <chrono>

namespace concurry {

using Duration = std::chrono::duration<double>;
using Clock = std::chrono::steady_clock;

}  // namespace concurry

#endif  // CONCURRY_CORE_DURATION_H_
