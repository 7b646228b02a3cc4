#include "tests/chaos/chaos_workers.h"

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <map>
#include <mutex>
#include <stdexcept>
#include <utility>

namespace chaos {

int64_t monotonic_ns() {
  timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

namespace {
// One log file per process and directory, shared by every instance in the process. Lines are
// written with one write() each on an O_APPEND descriptor, so they never interleave.
int log_fd(const std::string& dir) {
  static std::mutex mu;
  static std::map<std::string, int>* fds = new std::map<std::string, int>();  // never freed
  std::lock_guard<std::mutex> lock(mu);
  auto it = fds->find(dir);
  if (it != fds->end()) return it->second;
  std::string path = dir + "/exec-" + std::to_string(::getpid()) + ".log";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error("ChaosRecorder: cannot open " + path);
  (*fds)[dir] = fd;
  return fd;
}

void append(int fd, const char* line, int n) {
  if (fd >= 0 && n > 0 && ::write(fd, line, static_cast<size_t>(n)) != n) {
    // A short write would corrupt the log; the analysis reports unparsable lines.
  }
}
}  // namespace
}  // namespace chaos

ChaosRecorder::ChaosRecorder(std::string key, std::string log_dir) : key_(std::move(key)) {
  if (log_dir.empty()) return;
  fd_ = chaos::log_fd(log_dir);
  char line[256];
  int n = std::snprintf(line, sizeof line, "C %s %lld\n", key_.c_str(),
                        static_cast<long long>(chaos::monotonic_ns()));
  chaos::append(fd_, line, n);
}

int64_t ChaosRecorder::work(int64_t seq) {
  if (fd_ >= 0) {
    // The time the call started running: a call a paused process was in the middle of is not
    // counted against it.
    int64_t now = chaos::monotonic_ns();
    char line[256];
    int n = std::snprintf(line, sizeof line, "E %s %lld %lld\n", key_.c_str(),
                          static_cast<long long>(seq), static_cast<long long>(now));
    chaos::append(fd_, line, n);
  }
  return seq;
}

int ChaosRecorder::pid() const { return static_cast<int>(::getpid()); }

int ChaosSink::pid() const { return static_cast<int>(::getpid()); }
