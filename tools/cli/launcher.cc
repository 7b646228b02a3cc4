#include "tools/cli/launcher.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <thread>

namespace concurry::cli {
namespace {

// Lines written to `log` after byte `from` (this launch's output, not an earlier one's).
std::string last_line(const std::string& log, off_t from) {
  std::ifstream in(log);
  in.seekg(from);
  std::string line, last;
  while (std::getline(in, line)) {
    if (!line.empty()) last = line;
  }
  return last;
}

std::string find_line(const std::string& log, off_t from, const std::string& needle) {
  std::ifstream in(log);
  in.seekg(from);
  std::string line;
  while (std::getline(in, line)) {
    if (line.find(needle) != std::string::npos) return line;
  }
  return "";
}

}  // namespace

std::string sibling_program(const std::string& program) {
  char self[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return program;
  std::string path(self, static_cast<size_t>(n));
  return path.substr(0, path.rfind('/') + 1) + program;
}

bool alive(pid_t pid) { return pid > 0 && (::kill(pid, 0) == 0 || errno == EPERM); }

Launched launch(const std::vector<std::string>& argv, const std::string& log,
                const std::string& ready, double timeout_s) {
  int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot write " + log + ": " + std::strerror(errno));
  off_t start = ::lseek(fd, 0, SEEK_END);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::setsid();  // not killed with the terminal that started it
    int null = ::open("/dev/null", O_RDONLY);
    ::dup2(null, 0);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    ::execv(args[0], args.data());
    std::fprintf(stderr, "cannot run %s: %s\n", args[0], std::strerror(errno));
    ::_exit(127);
  }
  ::close(fd);
  if (pid < 0) throw std::runtime_error(std::string("fork failed: ") + std::strerror(errno));
  auto deadline = std::chrono::steady_clock::now() +
                  std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                      std::chrono::duration<double>(timeout_s));
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      std::string why = last_line(log, start);
      throw std::runtime_error(argv[0] + " exited: " + (why.empty() ? "no output" : why) +
                               " (log: " + log + ")");
    }
    std::string line = find_line(log, start, ready);
    if (!line.empty()) return Launched{pid, line};
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  terminate(pid, 2.0);
  throw std::runtime_error(argv[0] + " did not get ready within " + std::to_string(timeout_s) +
                           " s (log: " + log + ")");
}

bool terminate(pid_t pid, double grace_s) {
  if (!alive(pid)) return true;
  ::kill(pid, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() +
                  std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                      std::chrono::duration<double>(grace_s));
  while (std::chrono::steady_clock::now() < deadline) {
    ::waitpid(pid, nullptr, WNOHANG);  // reaps it when it is our child
    if (!alive(pid)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, WNOHANG);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  return !alive(pid);
}

}  // namespace concurry::cli
