// What the cluster chaos tests share: daemons started for real with their output in files (a
// chatty daemon can never block on a full pipe; the files are kept in the test's undeclared
// outputs), a cluster of one head and two identical nodes on loopback, a client session guard,
// a watchdog that turns a hang into a failure naming the phase, and the reading of the
// execution logs ChaosRecorder writes.
#ifndef CONCURRY_TESTS_CHAOS_CHAOS_FIXTURE_H_
#define CONCURRY_TESTS_CHAOS_CHAOS_FIXTURE_H_

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "concurry/concurry.h"
#include "tests/chaos/load.h"
#include "tests/chaos/watchdog.h"
#include "tests/integration/daemon.h"  // runfile, status, eventually

namespace chaos {

using namespace std::chrono_literals;

inline const std::string kLib = "tests/chaos/libchaos_workers.so";

// The heartbeat timeout the head runs with (seconds): a silent node is declared dead after it.
inline constexpr double kHeartbeatTimeout = 1.5;

// Pipelined load each cluster test runs before its fault must reach this (calls/s), so the
// fault meets a busy system. Sanitizer builds are slower; there it is only reported.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr double kMinRate = 0;
#else
inline constexpr double kMinRate = 5000;
#endif

// A directory of this test's own, empty: TEST_TMPDIR/<name>.
inline std::string fresh_dir(const std::string& name) {
  const char* base = std::getenv("TEST_TMPDIR");
  std::filesystem::path dir = std::filesystem::path(base ? base : "/tmp") / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

// Where daemon output goes: the undeclared outputs (kept by Bazel) when there are any.
inline std::string output_dir() {
  const char* out = std::getenv("TEST_UNDECLARED_OUTPUTS_DIR");
  if (out && *out) return out;
  const char* tmp = std::getenv("TEST_TMPDIR");
  return tmp ? tmp : "/tmp";
}

// A program started for real; stdout and stderr go to files. It gets SIGKILL when this test
// process dies (PR_SET_PDEATHSIG), so nothing outlives a failed or hung test.
class Proc {
 public:
  // `path`: a runfiles path ("tools/concurry-head"); `label` names the output files.
  Proc(const std::string& path, std::vector<std::string> args, const std::string& label) {
    out_path_ = output_dir() + "/" + label + ".stdout";
    err_path_ = output_dir() + "/" + label + ".stderr";
    int out = ::open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int err = ::open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    EXPECT_GE(out, 0) << out_path_;
    EXPECT_GE(err, 0) << err_path_;
    // Everything exec needs is built before fork: the child of a threaded process may not
    // allocate.
    std::string program = concurry_test::runfile(path);
    std::vector<char*> argv = {program.data()};
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(126);
      ::dup2(out, 1);
      ::dup2(err, 2);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    ::close(out);
    ::close(err);
  }
  ~Proc() {
    if (pid_ > 0 && !reaped_) {
      ::kill(pid_, SIGCONT);  // a stopped process dies of SIGKILL too, but be plain about it
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  Proc(const Proc&) = delete;
  Proc& operator=(const Proc&) = delete;

  pid_t pid() const { return pid_; }
  void signal(int sig) { ::kill(pid_, sig); }

  // The first line on stdout, or "" when none came within the timeout.
  std::string first_line(std::chrono::milliseconds timeout = 15s) const {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      std::string text = read_file(out_path_);
      auto nl = text.find('\n');
      if (nl != std::string::npos) return text.substr(0, nl);
      std::this_thread::sleep_for(10ms);
    }
    return "";
  }

  // Sends `sig` (0: none) and reaps it within the timeout: the exit code, 128 + signal when
  // killed, -1 when it did not end.
  int stop(int sig, std::chrono::milliseconds timeout = 10s) {
    if (reaped_) return code_;
    if (sig) ::kill(pid_, sig);
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        reaped_ = true;
        code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        return code_;
      }
      std::this_thread::sleep_for(5ms);
    }
    return -1;
  }

  // The last `n` lines of its stderr, for failure messages.
  std::string stderr_tail(int n = 15) const {
    std::string text = read_file(err_path_);
    size_t pos = text.size();
    for (int i = 0; i < n && pos > 0; ++i) {
      pos = text.rfind('\n', pos - 1);
      if (pos == std::string::npos) {
        pos = 0;
        break;
      }
    }
    return text.substr(pos);
  }
  const std::string& stderr_path() const { return err_path_; }

  static std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
  int code_ = -1;
  std::string out_path_, err_path_;
};

// A head (--heartbeat-timeout 1.5) and `nodes` identical nodes (cpu=8 each by default), every
// node preloading the chaos worker library. `label` prefixes the output files.
struct ChaosCluster {
  explicit ChaosCluster(const std::string& label, int node_count = 2,
                        const std::string& resources = "cpu=8") {
    head = std::make_unique<Proc>(
        "tools/concurry-head",
        std::vector<std::string>{"--port", "0", "--heartbeat-timeout",
                                 std::to_string(kHeartbeatTimeout)},
        label + "-head");
    std::string line = head->first_line();
    const std::string prefix = "concurry-head listening on ";
    EXPECT_EQ(line.rfind(prefix, 0), 0u) << line << head->stderr_tail();
    if (line.rfind(prefix, 0) == 0) address = line.substr(prefix.size());
    for (int i = 0; i < node_count; ++i) {
      nodes.push_back(std::make_unique<Proc>(
          "tools/concurry-node",
          std::vector<std::string>{"--head", address, "--resources", resources, "--worker-lib",
                                   concurry_test::runfile(kLib)},
          label + "-node" + std::to_string(i)));
    }
    for (auto& node : nodes) {
      // "concurry-node NODE_ID listening on ADDR, registered with HEAD"
      std::string l = node->first_line();
      EXPECT_NE(l.find("registered"), std::string::npos) << l << node->stderr_tail();
      std::istringstream words(l);
      std::string program, id;
      words >> program >> id;
      node_ids.push_back(id);
    }
  }
  ~ChaosCluster() {
    if (::testing::Test::HasFailure()) {
      std::fprintf(stderr, "--- head stderr (%s):\n%s\n", head->stderr_path().c_str(),
                   head->stderr_tail().c_str());
      for (auto& node : nodes) {
        std::fprintf(stderr, "--- node stderr (%s):\n%s\n", node->stderr_path().c_str(),
                     node->stderr_tail().c_str());
      }
    }
  }

  // Which node a process id is (index into `nodes`), -1 for none.
  int node_of(int pid) const {
    for (size_t i = 0; i < nodes.size(); ++i) {
      if (nodes[i]->pid() == pid) return static_cast<int>(i);
    }
    return -1;
  }

  concurry::proto::ClusterStatusReply status() const { return concurry_test::status(address, ""); }

  // Actors of `class_name` in the head's status with `state`.
  int count_actors(const std::string& class_name, const std::string& state) const {
    int n = 0;
    auto reply = status();  // kept: the loop reads into it
    for (const auto& a : reply.actors()) {
      if (a.class_name() == class_name && a.state() == state) ++n;
    }
    return n;
  }

  std::unique_ptr<Proc> head;
  std::vector<std::unique_ptr<Proc>> nodes;
  std::vector<std::string> node_ids;
  std::string address;
};

// connect() for the test's lifetime; shutdown() however the test ends (declared before the
// handles, so they stop first).
struct Session {
  explicit Session(const std::string& address) {
    concurry::connect({.address = address, .worker_libs = {concurry_test::runfile(kLib)}});
  }
  ~Session() { concurry::shutdown(); }
};

// Polls `ok()` every 20 ms for at most `bound`; true once it holds.
template <class Ok>
bool eventually(Ok ok, std::chrono::milliseconds bound) {
  auto deadline = std::chrono::steady_clock::now() + bound;
  while (std::chrono::steady_clock::now() < deadline) {
    if (ok()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return ok();
}

// One line of a ChaosRecorder execution log.
struct ExecLine {
  char kind = 0;  // 'C' constructed, 'E' a call started
  int pid = 0;
  std::string key;
  int64_t seq = -1;
  int64_t ns = 0;
};

struct ExecLog {
  std::vector<ExecLine> lines;
  long unparsable = 0;
};

// Every exec-<pid>.log in `dir`.
inline ExecLog read_exec_logs(const std::string& dir) {
  ExecLog log;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::string name = entry.path().filename().string();
    if (name.rfind("exec-", 0) != 0) continue;
    int pid = std::atoi(name.c_str() + 5);
    std::ifstream in(entry.path());
    std::string text;
    while (std::getline(in, text)) {
      std::istringstream words(text);
      ExecLine line;
      line.pid = pid;
      words >> line.kind >> line.key;
      if (line.kind == 'E') words >> line.seq;
      words >> line.ns;
      if (!words || (line.kind != 'C' && line.kind != 'E')) {
        ++log.unparsable;
        continue;
      }
      log.lines.push_back(line);
    }
  }
  return log;
}

// How many times each call (by seq) started running, over every process, from the logs.
inline std::map<int64_t, int> runs_by_seq(const ExecLog& log) {
  std::map<int64_t, int> runs;
  for (const auto& l : log.lines) {
    if (l.kind == 'E' && l.seq >= 0) ++runs[l.seq];
  }
  return runs;
}

// Delivery, from the logs: calls that ran more than once, and calls whose future holds a value
// although no process ever ran them.
struct Delivery {
  long executions = 0;
  long ran_twice = 0;
  long value_never_ran = 0;
  std::string str() const {
    return "executions logged " + std::to_string(executions) + ", calls run more than once " +
           std::to_string(ran_twice) + ", values of calls that never ran " +
           std::to_string(value_never_ran);
  }
};

inline Delivery delivery(const ExecLog& log, const Load& load) {
  Delivery d;
  std::map<int64_t, int> runs = runs_by_seq(log);
  for (const auto& [seq, n] : runs) {
    d.executions += n;
    if (n > 1) ++d.ran_twice;
  }
  load.each([&](const Load::Call& c) {
    if (c.future.done() && !c.future.exception(concurry::Duration(0)) && !runs.count(c.seq)) {
      ++d.value_never_ran;
    }
  });
  return d;
}

}  // namespace chaos

#endif  // CONCURRY_TESTS_CHAOS_CHAOS_FIXTURE_H_
