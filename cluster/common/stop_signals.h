// Clean stops for the daemons: block SIGTERM and SIGINT before any thread starts (every thread
// inherits the mask), then wait for one synchronously on the main thread. Internal.
#ifndef CONCURRY_CLUSTER_COMMON_STOP_SIGNALS_H_
#define CONCURRY_CLUSTER_COMMON_STOP_SIGNALS_H_

#include <pthread.h>
#include <signal.h>

namespace concurry::internal {

class StopSignals {
 public:
  // Blocks SIGTERM and SIGINT for this thread and every thread started after it.
  StopSignals() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGTERM);
    sigaddset(&set_, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set_, nullptr);
  }
  // Waits for SIGTERM or SIGINT; returns which.
  int wait() const {
    int signal = 0;
    sigwait(&set_, &signal);
    return signal;
  }

 private:
  sigset_t set_;
};

}  // namespace concurry::internal

#endif  // CONCURRY_CLUSTER_COMMON_STOP_SIGNALS_H_
