#include "concurry/core/async.h"

#include <thread>

namespace concurry {

void SleepAwaiter::await_suspend(std::coroutine_handle<> h) {
  if (Scheduler* s = Scheduler::current()) {
    s->post_after(delay_, [h] { h.resume(); });
  } else {
    std::this_thread::sleep_for(delay_);  // no loop on this thread: a plain sleep
    h.resume();
  }
}

}  // namespace concurry
