// ProcessExecutor: one worker in a child process (fork context), reached over a Unix socket
// pair with framed protobuf envelopes. A writer thread sends queued requests in order, batching
// every frame waiting at that moment into one write; a reader thread completes calls from the
// replies. When the child dies, every call in flight completes with WorkerCrashedError naming
// the signal or exit code, and the child is reaped (no zombie).
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "concurry/core/errors.h"
#include "concurry/core/wire.h"
#include "concurry/runtime/internal/executor.h"
#include "concurry/runtime/internal/fork_server.h"
#include "concurry/runtime/internal/frame_io.h"
#include "concurry/runtime/internal/limit_channel.h"
#include "concurry/runtime/internal/remote_call_task.h"
#include "concurry/runtime/internal/timer.h"
#include "concurry/runtime/init.h"
#include "concurry/runtime/internal/worker_host.h"

namespace concurry::internal {
namespace {

std::string describe_exit(pid_t pid, int status) {
  std::string who = "worker process " + std::to_string(pid);
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    return who + " was killed by signal " + std::to_string(sig) + " (" + ::strsignal(sig) + ")";
  }
  if (WIFEXITED(status)) return who + " exited with code " + std::to_string(WEXITSTATUS(status));
  return who + " ended";
}

}  // namespace

struct ProcessExecutor::Conn {
  ~Conn() {
    if (fd >= 0) ::close(fd);  // the last of the executor and its two threads closes it
  }

  int fd = -1;
  pid_t pid = -1;
  bool via_server = false;  // a child of the fork server: it reaps, we learn the status

  int reap() const {
    if (via_server) return fork_server_wait(pid);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return status;
  }
  std::string name;
  CompletionHook on_complete;
  std::unique_ptr<LimitHost> limits;  // the budget this worker's limits() draws on

  std::mutex mu;
  std::condition_variable wake_writer;
  std::condition_variable reaped_cv;
  std::map<uint64_t, std::unique_ptr<RemoteCallTask>> pending;  // guarded by mu
  std::vector<Bytes> outbox;                                     // guarded by mu
  uint64_t next_id = 1;                                          // guarded by mu
  bool stopping = false;                                         // guarded by mu
  bool dead = false;                                             // guarded by mu
  bool reaped = false;                                           // guarded by mu
  std::string death;                                             // guarded by mu
  std::thread reader, writer, relay;
  int out_pipe = -1, err_pipe = -1;  // the child's stdout and stderr, read by `relay`

  // Copies the child's output lines to ours, each prefixed with the worker's name and pid.
  void relay_loop() {
    std::string prefix = "[" + name + " pid=" + std::to_string(pid) + "] ";
    std::string pending[2];
    int fds[2] = {out_pipe, err_pipe};
    int targets[2] = {STDOUT_FILENO, STDERR_FILENO};
    int open_count = 2;
    while (open_count > 0) {
      pollfd polls[2];
      for (int i = 0; i < 2; ++i) polls[i] = pollfd{fds[i], POLLIN, 0};
      if (::poll(polls, 2, -1) < 0) {
        if (errno == EINTR) continue;
        break;
      }
      for (int i = 0; i < 2; ++i) {
        if (fds[i] < 0 || !(polls[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        char chunk[4096];
        ssize_t n = ::read(fds[i], chunk, sizeof chunk);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
          if (!pending[i].empty()) emit(targets[i], prefix + pending[i] + "\n");
          pending[i].clear();
          ::close(fds[i]);
          fds[i] = -1;
          --open_count;
          continue;
        }
        pending[i].append(chunk, static_cast<size_t>(n));
        size_t end;
        std::string lines;
        while ((end = pending[i].find('\n')) != std::string::npos) {
          lines += prefix + pending[i].substr(0, end + 1);
          pending[i].erase(0, end + 1);
        }
        if (!lines.empty()) emit(targets[i], lines);
      }
    }
  }

  static void emit(int fd, const std::string& text) {
    size_t done = 0;
    while (done < text.size()) {
      ssize_t n = ::write(fd, text.data() + done, text.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;
      done += static_cast<size_t>(n);
    }
  }

  void write_loop() {
    std::vector<Bytes> batch;
    while (true) {
      {
        std::unique_lock<std::mutex> lock(mu);
        wake_writer.wait(lock, [&] { return !outbox.empty() || dead || (stopping && outbox.empty()); });
        if (outbox.empty()) return;  // stopping or dead, nothing left to send
        batch.swap(outbox);
      }
      std::string frames;  // everything waiting goes out in one write
      for (const auto& frame : batch) append_frame(frames, frame);
      batch.clear();
      if (!write_bytes(fd, frames)) return;  // the child is gone: the reader fails the calls
    }
  }

  void read_loop(const std::shared_ptr<Conn>& self) {
    FrameReader replies(fd);
    while (true) {
      std::optional<Bytes> frame;
      try {
        frame = replies.next();
      } catch (const std::exception&) {
        break;  // a corrupt stream: treat the worker as lost
      }
      if (!frame) break;
      if (frame->empty()) continue;
      if ((*frame)[0] == kLimitFrame) {
        serve_limits(frame->substr(1));
        continue;
      }
      if ((*frame)[0] != kReplyFrame) continue;
      frame->erase(0, 1);
      uint64_t id = 0;
      try {
        id = decode_reply(*frame).call_id;
      } catch (const std::exception&) {
        continue;  // an undecodable reply cannot be matched to a call
      }
      std::unique_ptr<RemoteCallTask> task;
      {
        std::lock_guard<std::mutex> lock(mu);
        auto it = pending.find(id);
        if (it == pending.end()) continue;
        task = std::move(it->second);
        pending.erase(it);
      }
      std::optional<Duration> retry_in = task->judge(*frame);
      if (!retry_in) {
        std::unique_ptr<CallTask> next = on_complete ? on_complete() : nullptr;  // slot first
        task->publish();
        if (next) send(self, std::move(next));
      } else {
        // Another attempt: re-sent after the wait, keeping the call's submission slot.
        auto held = std::make_shared<std::unique_ptr<CallTask>>(std::move(task));
        std::weak_ptr<Conn> weak = self;
        run_after(*retry_in, [weak, held] {
          if (auto conn = weak.lock()) {
            send(conn, std::move(*held));
          } else {
            (*held)->fail(std::make_exception_ptr(WorkerStoppedError("Worker is stopped")));
          }
        });
      }
    }
    // The child closed its end: it exited (or was killed). Reap it, then fail what is left.
    int status = reap();
    std::map<uint64_t, std::unique_ptr<RemoteCallTask>> lost;
    std::string message = describe_exit(pid, status) + " (worker " + name + ")";
    {
      std::lock_guard<std::mutex> lock(mu);
      dead = true;
      death = message;
      lost.swap(pending);
      outbox.clear();
      reaped = true;
    }
    if (limits) limits->release_all();  // nothing a dead worker held stays taken
    wake_writer.notify_all();
    reaped_cv.notify_all();
    for (auto& [id, task] : lost) task->fail(std::make_exception_ptr(WorkerCrashedError(message)));
    on_complete = nullptr;  // drops what the hook holds (an on-demand slot owns the executor)
  }

  // A limit request from the worker, mid-call: the worker waits for the answer, so serving it
  // here (blocking this reader while the budget is taken) holds up nothing else of this worker.
  void serve_limits(const Bytes& request) {
    Bytes reply;
    try {
      reply = limits ? limits->handle(request) : Bytes();
    } catch (const std::exception&) {
      return;  // a malformed request: the worker's acquisition fails when the stream does
    }
    if (reply.empty()) return;
    {
      std::lock_guard<std::mutex> lock(mu);
      outbox.push_back(tagged(kLimitReplyFrame, reply));
    }
    wake_writer.notify_one();
  }

  static void send(const std::shared_ptr<Conn>& self, std::unique_ptr<CallTask> task) {
    auto* remote = dynamic_cast<RemoteCallTask*>(task.get());
    if (!remote) {
      task->fail(std::make_exception_ptr(Error("internal: a local call reached a process worker")));
      return;
    }
    std::string death;
    {
      std::lock_guard<std::mutex> lock(self->mu);
      if (self->dead) {
        death = self->death;
      } else if (self->stopping) {
        task->cancel();
        return;
      } else {
        uint64_t id = self->next_id++;
        Bytes request;
        try {
          request = remote->encode_request(id);
          if (request.size() + 1 > kMaxFrameBytes) {
            throw Error("the call's arguments take " + std::to_string(request.size()) +
                        " bytes, over the " + std::to_string(kMaxFrameBytes) +
                        "-byte frame limit of process workers");
          }
        } catch (...) {
          task->fail(std::current_exception());  // an input failed, too big, or cancelled
          return;
        }
        self->pending.emplace(id, std::unique_ptr<RemoteCallTask>(
                                      static_cast<RemoteCallTask*>(task.release())));
        self->outbox.push_back(tagged(kCallFrame, request));
      }
    }
    if (!death.empty()) {
      task->fail(std::make_exception_ptr(WorkerCrashedError(death)));
      return;
    }
    self->wake_writer.notify_one();
  }
};

ProcessExecutor::ProcessExecutor(const RemoteSpec& spec, MpContext context,
                                 CompletionHook on_complete)
    : conn_(std::make_shared<Conn>()) {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
    throw Error(std::string("process worker: socketpair failed: ") + std::strerror(errno));
  }
  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    throw Error(std::string("process worker: pipe failed: ") + std::strerror(errno));
  }
  pid_t parent = ::getpid();
  pid_t pid = context == MpContext::kForkserver ? fork_server_spawn(fds[1], out[1], err[1]) : ::fork();
  if (pid < 0) {
    for (int fd : {fds[0], fds[1], out[0], out[1], err[0], err[1]}) ::close(fd);
    throw Error(std::string("process worker: fork failed: ") + std::strerror(errno));
  }
  if (pid == 0) {  // the worker process
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // dies with its parent
    if (::getppid() != parent) ::_exit(1);
    // stdout and stderr go to the parent, which prefixes every line with this worker's name.
    ::dup2(out[1], STDOUT_FILENO);
    ::dup2(err[1], STDERR_FILENO);
    std::setvbuf(stdout, nullptr, _IOLBF, 0);
    // Keep stdin/out/err and this worker's socket only: sockets of sibling workers inherited
    // here would otherwise keep their connections open after those workers die.
    int fd = fds[1];
    if (fd != 3) {
      ::dup2(fd, 3);  // dup2 clears close-on-exec on the copy
      fd = 3;
    } else {
      ::fcntl(fd, F_SETFD, 0);
    }
    ::close_range(4, ~0U, 0);
    if (context == MpContext::kSpawn) {
      // A fresh copy of this program, which init() turns into the worker host.
      std::string flag = std::string(kWorkerHostFlag) + "3";
      char program[] = "concurry-worker";
      char* args[] = {program, flag.data(), nullptr};
      ::execv("/proc/self/exe", args);
      std::fprintf(stderr, "concurry: exec of /proc/self/exe failed: %s\n", std::strerror(errno));
      ::_exit(127);
    }
    int code = run_worker_host(fd);
    std::fflush(nullptr);
    ::_exit(code);
  }
  ::close(fds[1]);
  ::close(out[1]);
  ::close(err[1]);
  conn_->fd = fds[0];
  conn_->pid = pid;
  conn_->via_server = context == MpContext::kForkserver;
  conn_->name = spec.class_name.empty() ? "TaskWorker" : spec.class_name;
  conn_->on_complete = std::move(on_complete);
  conn_->out_pipe = out[0];
  conn_->err_pipe = err[0];
  {
    auto conn = conn_;
    conn_->relay = std::thread([conn] { conn->relay_loop(); });
  }

  // Construct the instance (or open the function host) before init() returns, so that a
  // constructor's exception or an unknown class surfaces there.
  LimitSet limits = spec.limits.for_worker();
  if (!limits.empty()) conn_->limits = std::make_unique<LimitHost>(limits);
  CallMessage init_call{0, spec.class_name.empty() ? kFunctionTarget : spec.class_name,
                        kInitMethod, spec.ctor_args, spec.ctor_index, !limits.empty()};
  Bytes init = tagged(kCallFrame, encode_call(init_call));
  std::optional<Bytes> reply;
  if (write_frame(conn_->fd, init)) {
    try {
      reply = read_frame(conn_->fd);
    } catch (const std::exception&) {
    }
  }
  auto abandon = [&] {
    ::kill(pid, SIGKILL);
    conn_->reap();
    if (conn_->relay.joinable()) conn_->relay.join();
  };
  if (!reply) {
    abandon();
    throw WorkerCrashedError("worker process " + std::to_string(pid) + " ended during start-up");
  }
  ReplyMessage r = decode_reply(reply->empty() ? *reply : reply->substr(1));
  if (!r.ok) {
    abandon();
    raise_error(r.error);
  }
  auto conn = conn_;
  conn_->writer = std::thread([conn] { conn->write_loop(); });
  conn_->reader = std::thread([conn] { conn->read_loop(conn); });
}

ProcessExecutor::~ProcessExecutor() { stop(Duration(30.0)); }

void ProcessExecutor::execute(std::unique_ptr<CallTask> task) { Conn::send(conn_, std::move(task)); }

void ProcessExecutor::begin_stop() {
  {
    std::lock_guard<std::mutex> lock(conn_->mu);
    if (conn_->stopping) return;
    conn_->stopping = true;
    // The child finishes what it was sent, then stops: calls in flight still complete.
    if (!conn_->dead) {
      conn_->outbox.push_back(tagged(kCallFrame, encode_call(CallMessage{0, "", kStopMethod, "", 0})));
    }
  }
  conn_->wake_writer.notify_all();
}

void ProcessExecutor::finish_stop(Clock::time_point deadline) {
  Conn& c = *conn_;
  auto self = std::this_thread::get_id();
  if (self == c.reader.get_id() || self == c.writer.get_id()) {
    // Stopped from its own reply thread (an on-demand worker whose call just completed): the
    // child exits on the stop request and the reader reaps it; nobody here may wait for that.
    if (c.reader.joinable()) c.reader.detach();
    if (c.writer.joinable()) c.writer.detach();
    if (c.relay.joinable()) c.relay.detach();
    return;
  }
  {
    std::unique_lock<std::mutex> lock(c.mu);
    if (!c.reaped_cv.wait_until(lock, deadline, [&] { return c.reaped; })) {
      ::kill(c.pid, SIGKILL);  // past stop_timeout: end it
      c.reaped_cv.wait(lock, [&] { return c.reaped; });
    }
  }
  if (c.writer.joinable()) c.writer.join();
  if (c.reader.joinable()) c.reader.join();
  if (c.relay.joinable()) c.relay.join();  // the child is gone: its output is fully relayed
}

}  // namespace concurry::internal
