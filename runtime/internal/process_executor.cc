// ProcessExecutor: one worker in a child process (fork context), reached over a Unix socket
// pair with framed protobuf envelopes. Frames go out through a BatchWriter (the writer of every
// stream; here every frame goes through its writer thread, which sends all frames waiting in one
// write); a reader thread hands replies to
// RemoteCalls, which decides each call's outcome. When the child dies (or breaks the protocol:
// it is then killed), it is reaped (no zombie), every call in flight is judged as
// WorkerCrashedError naming the signal or exit code, the pool hears of it, and calls that reach
// the dead worker later go to the pool's redirect or fail at once.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "concurry/core/errors.h"
#include "concurry/core/wire.h"
#include "concurry/runtime/internal/batch_writer.h"
#include "concurry/runtime/internal/executor.h"
#include "concurry/runtime/internal/fork_server.h"
#include "concurry/runtime/internal/frame_io.h"
#include "concurry/runtime/internal/limit_channel.h"
#include "concurry/runtime/internal/output_relay.h"
#include "concurry/runtime/internal/remote_call_task.h"
#include "concurry/runtime/internal/remote_calls.h"
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

struct ProcessExecutor::Conn final : RemoteCalls::Transport {
  ~Conn() override {
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
  std::shared_ptr<RemoteCalls> calls;  // decides every call's outcome
  LostHook on_lost;                    // guarded by mu: the pool hears of our death once
  std::unique_ptr<LimitHost> limits;  // the budget this worker's limits() draws on

  std::mutex mu;
  std::condition_variable reaped_cv;
  std::map<uint64_t, std::unique_ptr<RemoteCallTask>> pending;  // guarded by mu
  // Frames to the child, under mu (one lock with the pending calls): the stop request goes
  // after every call sent.
  BatchWriter<std::vector<Bytes>> frames{
      [this](std::vector<Bytes>& batch) {
        std::string bytes;  // everything waiting goes out in one write
        for (const auto& frame : batch) append_frame(bytes, frame);
        return write_bytes(fd, bytes);  // false: the child is gone (the reader fails the calls)
      },
      [](const std::vector<Bytes>& batch) { return batch.size(); },
      [this] { return in_flight.load(std::memory_order_relaxed); },
      BatchWriter<std::vector<Bytes>>::Gather::kWhileGrowing, &mu, /*producer_writes=*/false};
  std::atomic<size_t> in_flight{0};                              // pending.size()
  uint64_t next_id = 1;                                          // guarded by mu
  bool stopping = false;                                         // guarded by mu
  bool dead = false;                                             // guarded by mu
  bool reaped = false;                                           // guarded by mu
  std::string death;                                             // guarded by mu
  std::thread reader, writer, relay;
  std::thread::id reader_id, writer_id;  // still known once the threads are detached
  int out_pipe = -1, err_pipe = -1;  // the child's stdout and stderr, read by `relay`

  void read_loop() {
    FrameReader replies(fd);
    std::string broken;  // why the stream cannot be trusted any more
    while (true) {
      std::optional<Bytes> frame;
      try {
        frame = replies.next();
      } catch (const std::exception& e) {
        broken = e.what();
        break;
      }
      if (!frame) break;
      if (frame->empty()) continue;
      if ((*frame)[0] == kLimitFrame) {
        serve_limits(frame->substr(1));
        continue;
      }
      if ((*frame)[0] != kReplyFrame) {
        broken = "a frame of unknown kind " + std::to_string(static_cast<int>((*frame)[0]));
        break;
      }
      frame->erase(0, 1);
      uint64_t id = 0;
      try {
        id = decode_reply(*frame).call_id;
      } catch (const std::exception& e) {
        broken = std::string("an undecodable reply: ") + e.what();
        break;  // the call it answers cannot be told: nothing after it can be trusted
      }
      std::unique_ptr<RemoteCallTask> task;
      {
        std::lock_guard<std::mutex> lock(mu);
        auto it = pending.find(id);
        if (it == pending.end()) continue;
        task = std::move(it->second);
        pending.erase(it);
        in_flight.store(pending.size(), std::memory_order_relaxed);
      }
      calls->replied(std::move(task), *frame);
    }
    // The child closed its end (it exited or was killed), or broke the protocol: then it is
    // killed, since its replies can no longer be matched to calls. Reap it, fail what is left.
    if (!broken.empty()) ::kill(pid, SIGKILL);
    int status = reap();
    std::string message = describe_exit(pid, status) + " (worker " + name + ")";
    if (!broken.empty()) {
      message = "worker process " + std::to_string(pid) + " sent " + broken +
                " and was killed (worker " + name + ")";
    }
    std::map<uint64_t, std::unique_ptr<RemoteCallTask>> lost;
    LostHook tell;
    {
      std::lock_guard<std::mutex> lock(mu);
      dead = true;
      death = message;
      lost.swap(pending);
      in_flight.store(0, std::memory_order_relaxed);
      reaped = true;
      tell = std::move(on_lost);
      on_lost = nullptr;
    }
    if (limits) limits->release_all();  // nothing a dead worker held stays taken
    frames.abandon();
    reaped_cv.notify_all();
    if (tell && !stopping_seen()) tell(message);  // the pool stops routing to us first
    for (auto& [id, task] : lost) calls->crashed(std::move(task), message);
  }

  bool peer_hung_up() const {
    pollfd p{fd, POLLRDHUP, 0};
    return ::poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
  }

  bool stopping_seen() {
    std::lock_guard<std::mutex> lock(mu);
    return stopping;
  }

  // A limit request from the worker, mid-call: the worker waits for the answer, so serving it
  // here (blocking this reader while the budget is taken) holds up nothing else of this worker.
  // A worker that dies while it waits ends the wait (its socket hangs up), so its death is
  // seen at once and its place in line goes to the next.
  void serve_limits(const Bytes& request) {
    Bytes reply;
    try {
      reply = limits ? limits->handle(request, [this] { return peer_hung_up(); }) : Bytes();
    } catch (const std::exception&) {
      return;  // a malformed request: the worker's acquisition fails when the stream does
    }
    if (reply.empty()) return;
    // From the writer thread (never this reader: a write may wait for the child to read).
    frames.push([&](std::vector<Bytes>& batch) { batch.push_back(tagged(kLimitReplyFrame, reply)); },
                /*others=*/1);
  }

  // The transport of RemoteCalls: one attempt of a call goes out (or its outcome is known now).
  void send(std::unique_ptr<RemoteCallTask> task) override {
    std::unique_lock<std::mutex> lock(mu);
    if (dead) {
      std::string why = death;
      lock.unlock();
      calls->orphaned(std::move(task), why);
      return;
    }
    if (stopping) {  // a retry after stop began: the child ends after what it was sent
      lock.unlock();
      std::string why = "Worker is stopped (a retry of " + std::string(task->method()) +
                        " came after stop())";
      calls->stopped(std::move(task), why);
      return;
    }
    uint64_t id = next_id++;
    Bytes request;
    try {
      request = task->encode_request(id);
      if (request.size() + 1 > kMaxFrameBytes) {
        throw Error("the call's arguments take " + std::to_string(request.size()) +
                    " bytes, over the " + std::to_string(kMaxFrameBytes) +
                    "-byte frame limit of process workers");
      }
    } catch (...) {
      lock.unlock();
      calls->failed(std::move(task), std::current_exception());  // an input failed, too big, or cancelled
      return;
    }
    pending.emplace(id, std::move(task));
    in_flight.store(pending.size(), std::memory_order_relaxed);
    // Under mu, after the stopping check: a stop request never overtakes a call.
    frames.push_locked(
        lock, [&](std::vector<Bytes>& batch) { batch.push_back(tagged(kCallFrame, request)); },
        pending.size() - 1);
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
  conn_->calls = std::make_shared<RemoteCalls>(
      conn_->name + " (process " + std::to_string(pid) + ")", std::move(on_complete));
  conn_->calls->set_transport(conn_);  // held weakly: the calls do not keep it alive
  conn_->out_pipe = out[0];
  conn_->err_pipe = err[0];
  {
    auto conn = conn_;
    std::string prefix = "[" + conn_->name + " pid=" + std::to_string(pid) + "] ";
    conn_->relay = std::thread([conn, prefix] {
      relay_output(conn->out_pipe, conn->err_pipe, prefix);  // closes both pipes
    });
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
  conn_->writer = std::thread([conn] { conn->frames.run(); });
  conn_->reader = std::thread([conn] { conn->read_loop(); });
  conn_->writer_id = conn_->writer.get_id();
  conn_->reader_id = conn_->reader.get_id();
}

ProcessExecutor::~ProcessExecutor() { stop(Duration(30.0)); }

void ProcessExecutor::execute(std::unique_ptr<CallTask> task) { conn_->calls->submit(std::move(task)); }

void ProcessExecutor::set_failover(LostHook on_lost, Redirect redirect) {
  conn_->calls->set_redirect(std::move(redirect));
  std::string death;
  {
    std::lock_guard<std::mutex> lock(conn_->mu);
    if (!conn_->dead) {
      conn_->on_lost = std::move(on_lost);
      return;
    }
    death = conn_->death;
  }
  // Died before the pool asked: told now, off the caller's thread (it may hold the pool's lock).
  if (on_lost) run_after(Duration(0), [on_lost, death] { on_lost(death); });
}

void ProcessExecutor::begin_stop() {
  conn_->calls->close();
  {
    std::unique_lock<std::mutex> lock(conn_->mu);
    if (conn_->stopping) return;
    conn_->stopping = true;
    // The child finishes what it was sent, then stops: calls in flight still complete.
    if (!conn_->dead) {
      Bytes stop = tagged(kCallFrame, encode_call(CallMessage{0, "", kStopMethod, "", 0}));
      conn_->frames.push_locked(
          lock, [&](std::vector<Bytes>& batch) { batch.push_back(std::move(stop)); },
          /*others=*/1);
    }
  }
  conn_->frames.close(/*linger=*/false);
}

void ProcessExecutor::finish_stop(Clock::time_point deadline) {
  Conn& c = *conn_;
  {
    std::lock_guard<std::mutex> lock(c.mu);
    c.on_lost = nullptr;
  }
  // Drops what the hooks hold (an on-demand slot owns this executor) once no call runs them.
  struct DropHooks {
    RemoteCalls& calls;
    ~DropHooks() { calls.drop_hooks(); }
  } drop{*c.calls};
  auto self = std::this_thread::get_id();
  if (self == c.reader_id || self == c.writer_id) {
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
