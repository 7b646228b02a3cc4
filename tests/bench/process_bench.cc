// process mode: round-trip latency against a raw socketpair ping-pong of the same payload,
// pipelined throughput, and worker start-up (init to first result), in the same run.
//   bazel run -c opt //tests/bench:process_bench
// Targets: round trip <= 2x the raw ping-pong; >= 200,000 pipelined calls/s; fork start-up
// <= 5 ms at the median.
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "concurry/concurry.h"

namespace bench {
class Echo {
 public:
  int echo(int x) { return x; }
};
}  // namespace bench

CONCURRY_WORKER(bench::Echo, echo);

namespace {

using Clock = std::chrono::steady_clock;

concurry::Options process_options(concurry::Options o = {}) {
  o.mode = "process";
  o.mp_context = "fork";
  return o;
}

// The same bytes our call and reply carry, bounced through a socketpair by a forked child.
double raw_ping_pong_us(int rounds, size_t request_bytes, size_t reply_bytes) {
  int fds[2];
  ::socketpair(AF_UNIX, SOCK_STREAM, 0, fds);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    std::vector<char> buf(request_bytes);
    std::vector<char> reply(reply_bytes, 'r');
    while (true) {
      size_t got = 0;
      while (got < request_bytes) {
        ssize_t n = ::read(fds[1], buf.data() + got, request_bytes - got);
        if (n <= 0) ::_exit(0);
        got += static_cast<size_t>(n);
      }
      if (::write(fds[1], reply.data(), reply_bytes) <= 0) ::_exit(0);
    }
  }
  ::close(fds[1]);
  std::vector<char> request(request_bytes, 'q');
  std::vector<char> buf(reply_bytes);
  auto start = Clock::now();
  for (int i = 0; i < rounds; ++i) {
    if (::write(fds[0], request.data(), request_bytes) <= 0) break;
    size_t got = 0;
    while (got < reply_bytes) {
      ssize_t n = ::read(fds[0], buf.data() + got, reply_bytes - got);
      if (n <= 0) break;
      got += static_cast<size_t>(n);
    }
  }
  double us = std::chrono::duration<double, std::micro>(Clock::now() - start).count() / rounds;
  ::close(fds[0]);
  ::waitpid(pid, nullptr, 0);
  return us;
}

}  // namespace

double median_startup_ms(const char* context, std::vector<double>* all = nullptr) {
  std::vector<double> startup;
  for (int i = 0; i < 30; ++i) {
    auto t0 = Clock::now();
    auto w = concurry::options<bench::Echo>({.mode = "process", .mp_context = context}).init();
    w.echo(1).result();
    startup.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  std::sort(startup.begin(), startup.end());
  if (all) *all = startup;
  return startup[15];
}

int main(int argc, char** argv) {
  concurry::init(argc, argv);  // the fork server, and spawned copies of this benchmark as hosts
  constexpr int kRounds = 20000;
  auto worker = concurry::options<bench::Echo>(process_options()).init();
  worker.echo(0).result();
  auto start = Clock::now();
  for (int i = 0; i < kRounds; ++i) worker.echo(i).result();
  double ours_us = std::chrono::duration<double, std::micro>(Clock::now() - start).count() / kRounds;
  // Our frames for echo(int): the envelope with method name and cereal bytes (~30 B), reply ~15 B.
  double raw_us = raw_ping_pong_us(kRounds, 32, 16);

  constexpr int kPipelined = 300000;
  auto fast = concurry::options<bench::Echo>(process_options({.max_queued_tasks = 0})).init();
  fast.echo(0).result();
  std::vector<concurry::Future<int>> fs;
  fs.reserve(kPipelined);
  start = Clock::now();
  for (int i = 0; i < kPipelined; ++i) fs.push_back(fast.echo(i));
  concurry::gather(fs);
  double pipelined_s = std::chrono::duration<double>(Clock::now() - start).count();
  auto queued = concurry::options<bench::Echo>(process_options()).init();  // default queue: 5
  fs.clear();
  start = Clock::now();
  for (int i = 0; i < kPipelined / 3; ++i) fs.push_back(queued.echo(i));
  concurry::gather(fs);
  double queued_s = std::chrono::duration<double>(Clock::now() - start).count();

  std::vector<double> fork_all;
  double fork_ms = median_startup_ms("fork", &fork_all);
  double forkserver_ms = median_startup_ms("forkserver");
  double spawn_ms = median_startup_ms("spawn");

  std::printf("round trip, one call at a time (%d calls)\n", kRounds);
  std::printf("  concurry process worker    %8.2f us\n", ours_us);
  std::printf("  raw socketpair ping-pong   %8.2f us\n", raw_us);
  std::printf("  ratio ours/raw             %8.2f   (target <= 2)\n", ours_us / raw_us);
  std::printf("pipelined calls + gather\n");
  std::printf("  no queue limit             %10.0f calls/s  (target >= 200,000)\n",
              kPipelined / pipelined_s);
  std::printf("  default queue (5 in flight)%10.0f calls/s\n", (kPipelined / 3) / queued_s);
  std::printf("start-up, init to first result, median of 30 workers (target: fork and forkserver"
              " <= 5 ms)\n");
  std::printf("  fork        %6.2f ms (p90 %.2f ms)\n", fork_ms, fork_all[27]);
  std::printf("  forkserver  %6.2f ms\n", forkserver_ms);
  std::printf("  spawn       %6.2f ms\n", spawn_ms);
  return 0;
}
