// Worker classes of the chaos tests. Compiled into the tests and the chaos client (the client
// side needs the types) and into libchaos_workers.so (what the nodes load).
//
// ChaosRecorder appends one line per executed call to a log file of its process:
//   <dir>/exec-<pid>.log
//     C <key> <ns>         the instance was constructed
//     E <key> <seq> <ns>   a call work(seq) started running
// <ns> is CLOCK_MONOTONIC in nanoseconds, which every process on one host shares, so the lines of
// a node that was paused can be compared with those of the node that took its actors over.
#ifndef CONCURRY_TESTS_CHAOS_CHAOS_WORKERS_H_
#define CONCURRY_TESTS_CHAOS_CHAOS_WORKERS_H_

#include <cstdint>
#include <string>

#include "concurry/core/worker.h"
#include "concurry/core/worker_macros.h"

namespace chaos {
// CLOCK_MONOTONIC, nanoseconds.
int64_t monotonic_ns();
}  // namespace chaos

class ChaosRecorder {
 public:
  // `key` names the actor (kept across restarts: the head replays the constructor's arguments);
  // `log_dir` is where this process's execution log goes ("" = no log).
  ChaosRecorder(std::string key, std::string log_dir);
  // Logs the execution, returns `seq`.
  int64_t work(int64_t seq);
  int pid() const;
  std::string key() const { return key_; }

 private:
  std::string key_;
  int fd_ = -1;
};
CONCURRY_WORKER(ChaosRecorder, CONCURRY_INIT(std::string, std::string), work, pid, key);

// What the chaos client's actors are: no log, a distinct class name in the head's status.
class ChaosSink {
 public:
  int64_t work(int64_t seq) { return seq; }
  int pid() const;
};
CONCURRY_WORKER(ChaosSink, CONCURRY_INIT(), work, pid);

#endif  // CONCURRY_TESTS_CHAOS_CHAOS_WORKERS_H_
