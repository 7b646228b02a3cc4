#include "concurry/runtime/internal/fork_server.h"

#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "concurry/core/errors.h"
#include "concurry/runtime/internal/frame_io.h"
#include "concurry/runtime/internal/worker_host.h"

namespace concurry::internal {
namespace {

// Server -> program messages.
struct Report {
  int32_t kind;  // 1: spawned `pid`; 2: `pid` ended with `status`; 3: spawn failed
  int32_t pid;
  int32_t status;
};

bool send_report(int fd, const Report& r) {
  return write_bytes(fd, std::string(reinterpret_cast<const char*>(&r), sizeof r));
}

// Receives one request: a byte plus three descriptors. False when the program is gone.
bool receive_request(int fd, int fds[3]) {
  char byte;
  iovec io{&byte, 1};
  alignas(cmsghdr) char control[CMSG_SPACE(3 * sizeof(int))];
  msghdr msg{};
  msg.msg_iov = &io;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n;
  do {
    n = ::recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n <= 0) return false;
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  if (!c || c->cmsg_type != SCM_RIGHTS || c->cmsg_len != CMSG_LEN(3 * sizeof(int))) {
    fds[0] = fds[1] = fds[2] = -1;
    return true;
  }
  std::memcpy(fds, CMSG_DATA(c), 3 * sizeof(int));
  return true;
}

[[noreturn]] void serve(int control) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGCHLD);
  ::sigprocmask(SIG_BLOCK, &mask, nullptr);
  int sigfd = ::signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);  // drained without blocking
  while (true) {
    pollfd polls[2] = {{control, POLLIN, 0}, {sigfd, POLLIN, 0}};
    if (::poll(polls, 2, -1) < 0) {
      if (errno == EINTR) continue;
      ::_exit(1);
    }
    if (polls[1].revents & POLLIN) {
      signalfd_siginfo info;
      while (::read(sigfd, &info, sizeof info) > 0) {
      }
      int status;
      pid_t pid;
      while ((pid = ::waitpid(-1, &status, WNOHANG)) > 0) {
        send_report(control, Report{2, pid, status});
      }
    }
    if (polls[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      int fds[3];
      if (!receive_request(control, fds)) ::_exit(0);  // the program is gone
      if (fds[0] < 0) {
        send_report(control, Report{3, 0, EINVAL});
        continue;
      }
      pid_t pid = ::fork();
      if (pid == 0) {  // the worker
        ::sigprocmask(SIG_UNBLOCK, &mask, nullptr);
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        ::dup2(fds[1], STDOUT_FILENO);
        ::dup2(fds[2], STDERR_FILENO);
        std::setvbuf(stdout, nullptr, _IOLBF, 0);
        ::dup2(fds[0], 3);
        ::close_range(4, ~0U, 0);
        int code = run_worker_host(3);
        std::fflush(nullptr);
        ::_exit(code);
      }
      for (int fd : fds) ::close(fd);
      send_report(control, Report{pid > 0 ? 1 : 3, pid, pid > 0 ? 0 : errno});
    }
  }
}

// The program's side: one control socket, a reader thread started on first use.
class Client {
 public:
  bool start() {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) return false;
    pid_t pid = ::fork();
    if (pid < 0) return false;
    if (pid == 0) {
      ::close(fds[0]);
      serve(fds[1]);
    }
    ::close(fds[1]);
    control_ = fds[0];
    server_ = pid;
    return true;
  }
  bool running() const { return control_ >= 0; }

  pid_t spawn(int socket, int out, int err) {
    std::lock_guard<std::mutex> one_at_a_time(spawn_mu_);
    ensure_reader();
    int fds[3] = {socket, out, err};
    char byte = 's';
    iovec io{&byte, 1};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof fds)];
    msghdr msg{};
    msg.msg_iov = &io;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof fds);
    std::memcpy(CMSG_DATA(c), fds, sizeof fds);
    if (::sendmsg(control_, &msg, MSG_NOSIGNAL) != 1) throw Error(gone());
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return !spawned_.empty() || dead_; });
    if (spawned_.empty()) throw Error(gone());
    Report r = spawned_.front();
    spawned_.pop_front();
    if (r.kind != 1) {
      throw Error(std::string("the fork server could not fork a worker: ") + std::strerror(r.status));
    }
    return r.pid;
  }

  int wait(pid_t pid) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return exits_.count(pid) || dead_; });
    auto it = exits_.find(pid);
    if (it == exits_.end()) return 0;  // the server died: its workers died with it
    int status = it->second;
    exits_.erase(it);
    return status;
  }

 private:
  std::string gone() const {
    return "the fork server (pid " + std::to_string(server_) + ") is gone; process workers "
           "with mp_context 'forkserver' cannot be started";
  }

  void ensure_reader() {
    std::call_once(reader_once_, [this] {
      std::thread([this] {
        Report r;
        while (true) {
          size_t got = 0;
          while (got < sizeof r) {
            ssize_t n = ::read(control_, reinterpret_cast<char*>(&r) + got, sizeof r - got);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            got += static_cast<size_t>(n);
          }
          std::lock_guard<std::mutex> lock(mu_);
          if (got < sizeof r) {
            dead_ = true;
            cv_.notify_all();
            return;
          }
          if (r.kind == 2) {
            exits_[r.pid] = r.status;
          } else {
            spawned_.push_back(r);
          }
          cv_.notify_all();
        }
      }).detach();
    });
  }

  int control_ = -1;
  pid_t server_ = -1;
  std::mutex spawn_mu_;
  std::once_flag reader_once_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Report> spawned_;    // guarded by mu_
  std::map<pid_t, int> exits_;    // guarded by mu_
  bool dead_ = false;             // guarded by mu_
};

Client& client() {
  static Client* c = new Client();  // lives as long as the program
  return *c;
}

}  // namespace

bool start_fork_server() { return client().running() || client().start(); }
bool fork_server_running() { return client().running(); }
pid_t fork_server_spawn(int socket, int out, int err) { return client().spawn(socket, out, err); }
int fork_server_wait(pid_t pid) { return client().wait(pid); }

}  // namespace concurry::internal
