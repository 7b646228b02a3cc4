// Test support for the cluster integration tests: the real daemons started as child
// processes (stdout and stderr captured), the head's address from its first line, and status
// polling with a timeout. Every wait here is bounded.
#ifndef CONCURRY_TESTS_INTEGRATION_DAEMON_H_
#define CONCURRY_TESTS_INTEGRATION_DAEMON_H_

#include <gtest/gtest.h>
#include <grpcpp/grpcpp.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "concurry/cluster/common/auth.h"
#include "concurry/proto/concurry.grpc.pb.h"

namespace concurry_test {

using namespace std::chrono_literals;

// A file of this test's runfiles, e.g. "tools/concurry-head".
inline std::string runfile(const std::string& path) {
  return std::string(std::getenv("TEST_SRCDIR")) + "/" + std::getenv("TEST_WORKSPACE") + "/" + path;
}


inline std::string program(const std::string& name) { return runfile("tools/" + name); }

// A daemon started for real, with its stdout and stderr captured.
class Daemon {
 public:
  // `name`: a program of tools/ ("concurry-head"), or a runfiles path with a '/'.
  Daemon(const std::string& name, std::vector<std::string> args) {
    int out[2], err[2];
    EXPECT_EQ(::pipe(out), 0);
    EXPECT_EQ(::pipe(err), 0);
    // Everything exec needs is built before fork: the child of a threaded process (gRPC)
    // may not allocate.
    std::string path = name.find('/') == std::string::npos ? program(name) : runfile(name);
    std::vector<char*> argv = {path.data()};
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(out[1], 1);
      ::dup2(err[1], 2);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    ::close(out[1]);
    ::close(err[1]);
    out_ = out[0];
    err_ = err[0];
  }
  ~Daemon() {
    if (pid_ > 0 && !reaped_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    ::close(out_);
    ::close(err_);
  }

  // The first line on stdout, or "" when none came within the timeout.
  std::string first_line(std::chrono::milliseconds timeout = 10s) { return line(out_, timeout); }
  std::string error_line(std::chrono::milliseconds timeout = 10s) { return line(err_, timeout); }

  // Sends `sig` (0: none) and returns the exit code (128 + signal when killed), waiting at most
  // the timeout (then -1).
  int stop(int sig, std::chrono::milliseconds timeout = 10s) {
    if (sig) ::kill(pid_, sig);
    auto deadline = std::chrono::steady_clock::now() + timeout;
    int status = 0;
    while (std::chrono::steady_clock::now() < deadline) {
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        reaped_ = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(10ms);
    }
    return -1;
  }
  pid_t pid() const { return pid_; }

 private:
  static std::string line(int fd, std::chrono::milliseconds timeout) {
    std::string text;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      char c;
      if (::read(fd, &c, 1) != 1) break;
      if (c == '\n') return text;
      text += c;
    }
    return text;
  }

  pid_t pid_ = -1;
  int out_ = -1, err_ = -1;
  bool reaped_ = false;
};

inline std::string address_of(Daemon& head) {
  std::string line = head.first_line();
  const std::string prefix = "concurry-head listening on ";
  EXPECT_EQ(line.rfind(prefix, 0), 0u) << line;
  return line.substr(prefix.size());
}

inline concurry::proto::ClusterStatusReply status(const std::string& address, const std::string& token,
                                           grpc::Status* result = nullptr) {
  auto stub = concurry::proto::Head::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  concurry::internal::add_token(&context, token);
  context.set_deadline(std::chrono::system_clock::now() + 5s);
  concurry::proto::ClusterStatusReply reply;
  grpc::Status s = stub->ClusterStatus(&context, concurry::proto::ClusterStatusRequest(), &reply);
  if (result) *result = s;
  return reply;
}

// Polls the head until `ok(reply)` or the timeout.
template <class Ok>
bool eventually(const std::string& address, const std::string& token, Ok ok,
                std::chrono::milliseconds timeout = 15s) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (ok(status(address, token))) return true;
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

}  // namespace concurry_test

#endif  // CONCURRY_TESTS_INTEGRATION_DAEMON_H_
