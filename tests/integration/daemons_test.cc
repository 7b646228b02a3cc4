// The real concurry-head and concurry-node binaries on loopback (port 0): start-up lines,
// registration with resources, heartbeats and dead nodes, auth tokens, bad flags, signals.
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

namespace {

using namespace std::chrono_literals;

std::string program(const std::string& name) {
  return std::string(std::getenv("TEST_SRCDIR")) + "/" + std::getenv("TEST_WORKSPACE") +
         "/tools/" + name;
}

// A daemon started for real, with its stdout and stderr captured.
class Daemon {
 public:
  Daemon(const std::string& name, std::vector<std::string> args) {
    int out[2], err[2];
    EXPECT_EQ(::pipe(out), 0);
    EXPECT_EQ(::pipe(err), 0);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(out[1], 1);
      ::dup2(err[1], 2);
      std::string path = program(name);
      std::vector<char*> argv = {path.data()};
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(path.c_str(), argv.data());
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

std::string address_of(Daemon& head) {
  std::string line = head.first_line();
  const std::string prefix = "concurry-head listening on ";
  EXPECT_EQ(line.rfind(prefix, 0), 0u) << line;
  return line.substr(prefix.size());
}

concurry::proto::ClusterStatusReply status(const std::string& address, const std::string& token,
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

TEST(DaemonsTest, HeadPrintsItsAddressAndStopsOnSigterm) {
  Daemon head("concurry-head", {"--port", "0"});
  std::string address = address_of(head);
  EXPECT_EQ(address.rfind("127.0.0.1:", 0), 0u);
  EXPECT_GT(std::stoi(address.substr(10)), 0);
  EXPECT_EQ(head.stop(SIGTERM), 0);
}

TEST(DaemonsTest, NodesRegisterTheirResourcesAndSilentNodesAreDeclaredDead) {
  Daemon head("concurry-head", {"--port", "0", "--heartbeat-timeout", "1"});
  std::string address = address_of(head);
  Daemon cpu_node("concurry-node", {"--head", address, "--resources", "cpu=2"});
  Daemon gpu_node("concurry-node", {"--head", address, "--resources", "cpu=1,gpu=1,mem_gb=8"});
  EXPECT_NE(cpu_node.first_line().find("registered with " + address), std::string::npos);
  EXPECT_NE(gpu_node.first_line().find("registered with " + address), std::string::npos);
  auto reply = status(address, "");
  ASSERT_EQ(reply.nodes_size(), 2);
  int gpus = 0;
  for (const auto& n : reply.nodes()) {
    EXPECT_TRUE(n.alive());
    auto it = n.resources().find("gpu");
    if (it != n.resources().end()) gpus += static_cast<int>(it->second);
  }
  EXPECT_EQ(gpus, 1);
  // Heartbeats keep both alive well past the timeout.
  std::this_thread::sleep_for(1500ms);
  auto later = status(address, "");
  for (const auto& n : later.nodes()) EXPECT_TRUE(n.alive()) << n.node_id();
  // kill -9 of one node: declared dead after the heartbeat timeout; the other stays.
  ::kill(cpu_node.pid(), SIGKILL);
  EXPECT_TRUE(eventually(address, "", [](const concurry::proto::ClusterStatusReply& r) {
    int alive = 0;
    for (const auto& n : r.nodes()) alive += n.alive() ? 1 : 0;
    return r.nodes_size() == 2 && alive == 1;
  }));
  EXPECT_EQ(gpu_node.stop(SIGTERM), 0);
  EXPECT_EQ(head.stop(SIGINT), 0);
}

TEST(DaemonsTest, AuthTokenIsCheckedOnEveryRpc) {
  Daemon head("concurry-head", {"--port", "0", "--auth-token", "s3cret"});
  std::string address = address_of(head);
  Daemon intruder("concurry-node", {"--head", address});
  EXPECT_EQ(intruder.stop(0), 1);
  EXPECT_NE(intruder.error_line().find("refused the auth token (UNAUTHENTICATED)"),
            std::string::npos);
  Daemon member("concurry-node", {"--head", address, "--auth-token", "s3cret"});
  EXPECT_NE(member.first_line().find("registered"), std::string::npos);
  grpc::Status s;
  status(address, "wrong", &s);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(status(address, "s3cret").nodes_size(), 1);  // the refused node ran nothing
}

TEST(DaemonsTest, BadInputGetsOneClearLineAndANonZeroExit) {
  Daemon bad_flag("concurry-head", {"--bogus"});
  EXPECT_EQ(bad_flag.stop(0), 2);
  std::string line = bad_flag.error_line();
  EXPECT_NE(line.find("--bogus"), std::string::npos) << line;
  Daemon bad_port("concurry-head", {"--port", "70000"});
  EXPECT_EQ(bad_port.stop(0), 2);
  Daemon unreachable("concurry-node", {"--head", "127.0.0.1:1", "--connect-timeout", "1"});
  EXPECT_EQ(unreachable.stop(0), 1);
  EXPECT_NE(unreachable.error_line().find("cannot reach head at 127.0.0.1:1"), std::string::npos);
  Daemon bad_resources("concurry-node", {"--head", "127.0.0.1:1", "--resources", "cpu=-1"});
  EXPECT_EQ(bad_resources.stop(0), 2);
  EXPECT_NE(bad_resources.error_line().find("bad resource 'cpu=-1'"), std::string::npos);
}

}  // namespace
