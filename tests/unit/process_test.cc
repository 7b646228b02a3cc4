// process mode (fork context): state in a child process, exceptions across the boundary, every
// crash kind resolving every future, no zombies, stop escalation, pools, on-demand, functions.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "concurry/concurry.h"
#include "concurry/runtime/internal/frame_io.h"
#include "concurry/runtime/internal/limit_channel.h"

namespace process_test {

class Boom : public std::runtime_error {
 public:
  explicit Boom(const std::string& m) : std::runtime_error(m) {}
};

class Box {
 public:
  explicit Box(int start) : n_(start) {
    if (start < 0) throw std::invalid_argument("negative start");
  }
  int add(int k) { return n_ += k; }
  int pid() const { return static_cast<int>(::getpid()); }
  std::string echo(const std::string& s) const { return s; }
  std::string big(int mib) const { return std::string(static_cast<size_t>(mib) << 20, 'b'); }
  int unlisted() { return 0; }
  int fail(int kind) {
    if (kind == 0) throw std::out_of_range("slot 7");
    throw Boom("unregistered");
  }
  int crash(int how) {
    if (how == 0) std::abort();
    if (how == 1) ::raise(SIGSEGV);
    if (how == 2) std::_Exit(3);
    while (true) ::pause();  // how == 3: wait to be killed
  }
  // A worker that breaks the protocol: writes to its socket (fd 3) a frame of an unknown kind
  // (0), a reply that does not decode (1), or a header claiming 1 GiB (2); then hangs.
  int lie(int how) {
    std::string bytes;
    if (how == 0) concurry::internal::append_frame(bytes, std::string("\x7f") + "junk");
    if (how == 1) {
      concurry::internal::append_frame(bytes, std::string(1, concurry::internal::kReplyFrame) +
                                                  "\xff\xff\xff not protobuf");
    }
    if (how == 2) bytes = std::string("\x00\x00\x00\x40", 4);  // 1 GiB, little-endian
    concurry::internal::write_bytes(3, bytes);
    while (true) ::pause();
  }
  int spin() {
    volatile bool forever = true;
    while (forever) {
    }
    return 0;
  }
  int flaky(int succeed_on) {
    if (++calls_ < succeed_on) throw std::runtime_error("transient");
    return calls_;
  }
  int say(const std::string& text) {
    std::printf("%s on stdout\n", text.c_str());
    std::fprintf(stderr, "%s on stderr\n", text.c_str());
    return 0;
  }
  concurry::Async<int> later(int x) {
    co_await concurry::sleep(std::chrono::milliseconds(1));
    co_return x * 2;
  }

 private:
  int n_;
  int calls_ = 0;
};

int triple(int x) { return 3 * x; }

class Metered : public concurry::Worker {
 public:
  bool try_call() { return limits().try_acquire().has_value(); }
  bool take_slot_and_crash() {
    auto slot = limits().acquire();  // then dies holding it
    std::abort();
  }
  int forget_update() {
    const concurry::LimitRequest request{{"tokens", 1.0}};
    auto acq = limits().acquire(request);
    return 1;  // no update(): the call fails with LimitError
  }
  int use_tokens(int n) {
    const concurry::LimitRequest request{{"tokens", static_cast<double>(n)}};
    auto acq = limits().acquire(request);
    acq.update({{"tokens", 1.0}});  // most of it comes back
    return n;
  }
};

}  // namespace process_test

CONCURRY_WORKER(process_test::Box, CONCURRY_INIT(int), add, pid, echo, big, fail, crash, lie,
                spin, flaky, say, later);
CONCURRY_FUNCTION(process_test::triple);
CONCURRY_WORKER(process_test::Metered, try_call, take_slot_and_crash, forget_update, use_tokens);

namespace concurry {
namespace {

using process_test::Box;
using namespace std::chrono_literals;

Options fork_options(Options o = {}) {
  o.mode = "process";
  o.mp_context = "fork";
  return o;
}

// Sanitizer runtimes intercept deadly signals in the child (and abort() can die as SIGSEGV
// after fork under them): there, any "killed by signal" is the right answer.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif

bool reaped(int pid) {
  // Our own child, reaped: waitpid reports no such child.
  return ::waitpid(pid, nullptr, WNOHANG) < 0 && errno == ECHILD;
}

TEST(ProcessTest, StateLivesInAChildProcess) {
  auto box = options<Box>(fork_options()).init(10);
  int child = box.pid().result(10s);
  EXPECT_NE(child, static_cast<int>(::getpid()));
  EXPECT_EQ(box.add(5).result(10s), 15);
  EXPECT_EQ(box.add(5).result(10s), 20);
  EXPECT_EQ(box.echo(std::string(100000, 'x')).result(10s).size(), 100000u);
  EXPECT_EQ(box.later(21).result(10s), 42);  // coroutine methods run to completion there
  box.stop();
  EXPECT_TRUE(reaped(child));
}

TEST(ProcessTest, ChildOutputReachesOursWithAPrefix) {
  testing::internal::CaptureStdout();
  testing::internal::CaptureStderr();
  int child;
  {
    auto box = options<Box>(fork_options()).init(0);
    child = box.pid().result(10s);
    box.say("hello").result(10s);
    box.stop();  // the child has exited: everything it wrote is relayed
  }
  std::string out = testing::internal::GetCapturedStdout();
  std::string err = testing::internal::GetCapturedStderr();
  std::string prefix = "[process_test::Box pid=" + std::to_string(child) + "] ";
  EXPECT_NE(out.find(prefix + "hello on stdout\n"), std::string::npos) << out;
  EXPECT_NE(err.find(prefix + "hello on stderr\n"), std::string::npos) << err;
}

TEST(ProcessTest, OversizedMessagesFailTheCallNotTheProcess) {
  auto box = options<Box>(fork_options()).init(0);
  std::string huge((257u << 20), 'x');  // over the 256 MiB frame limit
  try {
    box.echo(huge).result(30s);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("frame limit"), std::string::npos) << e.what();
  }
  huge.clear();
  huge.shrink_to_fit();
  try {
    box.big(257).result(30s);  // a result over the limit: an error reply, the worker lives
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("frame limit"), std::string::npos) << e.what();
  }
  EXPECT_EQ(box.add(1).result(10s), 1);
  EXPECT_THROW(box.call(&Box::unlisted).result(10s), MethodNotFoundError);
}

TEST(ProcessTest, ExceptionsCrossTheBoundary) {
  auto box = options<Box>(fork_options()).init(0);
  EXPECT_THROW(box.fail(0).result(10s), std::out_of_range);
  try {
    box.fail(1).result(10s);
    FAIL() << "expected RemoteError";
  } catch (const RemoteError& e) {
    EXPECT_EQ(e.type_name(), "process_test::Boom");
    EXPECT_EQ(e.message(), "unregistered");
    EXPECT_EQ(e.where(), "process_test::Box::fail");
  }
  EXPECT_EQ(box.add(1).result(10s), 1);  // still serving
  EXPECT_THROW(options<Box>(fork_options()).init(-1), std::invalid_argument);
}

TEST(ProcessTest, EveryCrashResolvesEveryFuture) {
  struct Case {
    int how;
    std::string says;
  };
  std::string any_signal = "killed by signal";
  for (const Case& c : {Case{0, kSanitized ? any_signal : "signal 6"},
                        Case{1, kSanitized ? any_signal : "signal 11"},
                        Case{2, "exited with code 3"}, Case{3, "signal 9"}}) {
    // Default options: the submission queue (5 in flight) holds the rest back, and every slot
    // must come back when the worker dies, or the calls behind it would wait forever.
    auto box = options<Box>(fork_options({})).init(0);
    int child = box.pid().result(10s);
    Future<int> crashing = box.crash(c.how);
    std::vector<Future<int>> behind;
    for (int i = 0; i < 20; ++i) behind.push_back(box.add(1));
    if (c.how == 3) ::kill(child, SIGKILL);
    try {
      crashing.result(10s);
      FAIL() << "expected WorkerCrashedError";
    } catch (const WorkerCrashedError& e) {
      EXPECT_NE(std::string(e.what()).find(c.says), std::string::npos) << e.what();
    }
    for (auto& f : behind) EXPECT_THROW(f.result(10s), WorkerCrashedError);
    EXPECT_THROW(box.add(1).result(10s), WorkerCrashedError);  // later calls fail at once
    EXPECT_TRUE(reaped(child)) << "zombie left for case " << c.how;
  }
}

TEST(ProcessTest, AWorkerThatSendsGarbageIsKilledAndItsCallsFailAtOnce) {
  for (int how : {0, 1, 2}) {
    auto box = options<Box>(fork_options({})).init(0);  // default queue: 5 in flight
    int child = box.pid().result(10s);
    Future<int> lying = box.lie(how);
    std::vector<Future<int>> behind;
    for (int i = 0; i < 10; ++i) behind.push_back(box.add(1));
    try {
      lying.result(10s);  // before stop(): the reader kills the worker when the stream breaks
      FAIL() << "expected WorkerCrashedError for case " << how;
    } catch (const WorkerCrashedError& e) {
      EXPECT_NE(std::string(e.what()).find("and was killed"), std::string::npos) << e.what();
    }
    for (auto& f : behind) EXPECT_THROW(f.result(10s), WorkerCrashedError);
    EXPECT_TRUE(reaped(child)) << "case " << how;
  }
}

TEST(ProcessTest, StopEndsAChildStuckInAnEndlessLoop) {
  auto box = options<Box>(fork_options({.stop_timeout = 0.2})).init(0);
  int child = box.pid().result(10s);
  Future<int> stuck = box.spin();
  box.stop();  // asks, then escalates to SIGKILL after stop_timeout
  EXPECT_THROW(stuck.result(10s), WorkerCrashedError);
  EXPECT_TRUE(reaped(child));
}

TEST(ProcessTest, RetriesResendFromTheParent) {
  auto box = options<Box>(fork_options({.num_retries = 3,
                                        .retry_on = {retry_on<std::runtime_error>()},
                                        .retry_wait = 0.001}))
                 .init(0);
  EXPECT_EQ(box.flaky(3).result(10s), 3);  // two failures in the child, then success
  EXPECT_EQ(box.stats().total_dispatched, 1u);
  EXPECT_EQ(box.stats().in_flight, 0u);
  auto strict = options<Box>(fork_options({.num_retries = 2,
                                           .retry_wait = 0.001,
                                           .retry_until = {until<int>(
                                               [](const int& v, const RetryContext&) {
                                                 return v > 100;
                                               })}}))
                    .init(0);
  try {
    strict.add(1).result(10s);
    FAIL() << "expected RetryValidationError";
  } catch (const RetryValidationError& e) {
    EXPECT_EQ(e.results_as<int>(), (std::vector<int>{1, 2, 3}));  // each attempt ran in the child
  }
  EXPECT_THROW(box.fail(0).result(10s), std::out_of_range);  // not a runtime_error: not retried
}

TEST(ProcessTest, SharedLimitSetIsOneBudgetAcrossProcesses) {
  using process_test::Metered;
  LimitSet shared({CallLimit{.window = 60s, .capacity = 5}});
  auto pool = options<Metered>(fork_options({.max_workers = 4, .limits = shared})).init();
  std::vector<Future<bool>> tries;
  for (int i = 0; i < 12; ++i) tries.push_back(pool.try_call());
  int granted = 0;
  for (bool ok : gather(tries, {.timeout = 10s})) granted += ok ? 1 : 0;
  EXPECT_EQ(granted, 5);  // four processes, one budget of 5
  EXPECT_FALSE(shared.try_acquire().has_value());  // the parent's own view agrees
  // A list of limits gives each worker process its own budget.
  auto own = options<Metered>(
                 fork_options({.max_workers = 4, .limits = {CallLimit{.window = 60s, .capacity = 5}}}))
                 .init();
  tries.clear();
  for (int i = 0; i < 12; ++i) tries.push_back(own.try_call());
  granted = 0;
  for (bool ok : gather(tries, {.timeout = 10s})) granted += ok ? 1 : 0;
  EXPECT_EQ(granted, 12);
}

TEST(ProcessTest, ADeadWorkersGrantsAreGivenBack) {
  using process_test::Metered;
  LimitSet slots({ResourceLimit{.key = "slot", .capacity = 1}});
  auto dying = options<Metered>(fork_options({.limits = slots})).init();
  EXPECT_THROW(dying.take_slot_and_crash().result(10s), WorkerCrashedError);
  EXPECT_TRUE(slots.try_acquire().has_value());  // released when the worker died
  LimitSet tokens({RateLimit{.key = "tokens", .window = 60s, .capacity = 10,
                             .algorithm = "token_bucket"}});
  auto user = options<Metered>(fork_options({.limits = tokens})).init();
  for (int i = 0; i < 5; ++i) EXPECT_EQ(user.use_tokens(5).result(10s), 5);  // 1 used, 4 back
  EXPECT_TRUE(tokens.try_acquire({{"tokens", 5}}).has_value());  // 10 - 5 used = 5 left
  try {
    user.forget_update().result(10s);
    FAIL() << "expected LimitError";
  } catch (const LimitError& e) {
    EXPECT_NE(std::string(e.what()).find("Missing: [tokens]"), std::string::npos) << e.what();
  }
}

TEST(ProcessTest, WorkersDieWithTheirParent) {
  int report[2];
  ASSERT_EQ(::pipe(report), 0);
  pid_t parent = ::fork();
  if (parent == 0) {  // a short-lived program with one process worker
    auto box = options<Box>(fork_options()).init(0);
    int worker = box.pid().result(10s);
    if (::write(report[1], &worker, sizeof worker) != sizeof worker) std::_Exit(2);
    std::_Exit(0);  // dies without stopping its worker
  }
  ::close(report[1]);
  int worker = 0;
  ASSERT_EQ(::read(report[0], &worker, sizeof worker), static_cast<ssize_t>(sizeof worker));
  ::close(report[0]);
  ASSERT_EQ(::waitpid(parent, nullptr, 0), parent);
  bool gone = false;
  for (int i = 0; i < 5000 && !gone; ++i) {
    gone = ::kill(worker, 0) < 0 && errno == ESRCH;
    if (!gone) ::usleep(1000);
  }
  EXPECT_TRUE(gone) << "worker " << worker << " outlived its parent";
}

TEST(ProcessTest, PoolsAndOnDemand) {
  auto pool = options<Box>(fork_options({.max_workers = 3})).init(0);
  std::set<int> pids;
  for (int i = 0; i < 6; ++i) pids.insert(pool.pid().result(10s));
  EXPECT_EQ(pids.size(), 3u);
  EXPECT_EQ(pool.stats().max_queued_tasks, 5);  // the process mode default
  auto on_demand = options<Box>(fork_options({.max_workers = 0, .on_demand = true})).init(1);
  std::vector<Future<int>> fs;
  for (int i = 0; i < 4; ++i) fs.push_back(on_demand.add(i));
  EXPECT_EQ(gather(fs, {.timeout = 10s}), (std::vector<int>{1, 2, 3, 4}));  // fresh instance each
}

TEST(ProcessTest, FutureArgumentsAreResolvedInTheParent) {
  auto local = options<Box>({.mode = "thread"}).init(40);
  auto box = options<Box>(fork_options()).init(1);
  EXPECT_EQ(box.add(local.add(1)).result(10s), 42);
}

TEST(ProcessTest, TaskWorkerRunsRegisteredFunctions) {
  auto tw = TaskWorker::options(fork_options()).init();
  EXPECT_EQ(tw.submit(&process_test::triple, 14).result(10s), 42);
  EXPECT_EQ(tw.map(&process_test::triple, std::vector<int>{1, 2}).result(10s),
            (std::vector<int>{3, 6}));
  try {
    tw.submit([](int x) { return x; }, 1);
    FAIL() << "expected InvalidOptionError";
  } catch (const InvalidOptionError& e) {
    EXPECT_NE(std::string(e.what()).find("CONCURRY_FUNCTION"), std::string::npos);
  }
}

class LocalOnly {
 public:
  int one() { return 1; }
};

TEST(ProcessTest, Refusals) {
  EXPECT_THROW(options<LocalOnly>(fork_options()).init(), InvalidOptionError);
  try {
    options<Box>({.mode = "process"}).init(0);  // forkserver: not in this build yet
    FAIL();
  } catch (const InvalidOptionError& e) {
    EXPECT_NE(std::string(e.what()).find("forkserver"), std::string::npos);
  }
  try {
    options<Box>({.mode = "process", .mp_context = "spawn"}).init(0);  // gtest_main: no init()
    FAIL();
  } catch (const InvalidOptionError& e) {
    EXPECT_NE(std::string(e.what()).find("concurry::init(argc, argv)"), std::string::npos);
  }
}

}  // namespace
}  // namespace concurry
