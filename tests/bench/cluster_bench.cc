// Cluster mode on loopback with the real daemons (concurry-head, one concurry-node), each
// figure next to a raw gRPC baseline measured in the same run against a bare echo server (a
// separate process serving the same stream and unary RPC shapes, doing no work):
//   (a) 1:1 pipelined calls of a trivial method vs a raw stream echoing 64 calls per message;
//   (b) one-at-a-time round trip p50 vs a raw unary ping-pong p50;
//   (c) actor creation p50;
//   (d) 4 client threads calling 2 actors, pipelined;
//   (e) a pool of 4 over two nodes, dispatched by the head, pipelined;
//   (f) the head's CPU time per dispatched call with 4 and with 256 members.
// Run: bazel run -c opt //tests/bench:cluster_bench
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "concurry/concurry.h"
#include "concurry/proto/concurry.grpc.pb.h"
#include "tests/integration/cluster_workers.h"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// The baseline server: echoes every call of a stream back at once, answers unary calls empty.
class EchoService final : public concurry::proto::Node::Service {
  grpc::Status Calls(grpc::ServerContext*,
                     grpc::ServerReaderWriter<concurry::proto::ReplyBatch,
                                              concurry::proto::CallBatch>* stream) override {
    concurry::proto::CallBatch in;
    concurry::proto::ReplyBatch out;
    while (stream->Read(&in)) {
      out.Clear();
      for (int i = 0; i < in.call_id_size(); ++i) {
        out.add_call_id(in.call_id(i));
        out.add_reply(in.request(i));
      }
      if (!stream->Write(out)) break;
    }
    return grpc::Status::OK;
  }
  grpc::Status StopActor(grpc::ServerContext*, const concurry::proto::StopActorRequest*,
                         concurry::proto::StopActorReply*) override {
    return grpc::Status::OK;
  }
};

// Forks the echo server (before this process starts any gRPC thread); returns its address.
std::string start_echo_server(pid_t* pid) {
  int fds[2];
  if (::pipe(fds) != 0) std::abort();
  *pid = ::fork();
  if (*pid == 0) {
    ::close(fds[0]);
    EchoService service;
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&service);
    auto server = builder.BuildAndStart();
    std::string line = std::to_string(port) + "\n";
    if (::write(fds[1], line.data(), line.size()) < 0) ::_exit(1);
    server->Wait();
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string port;
  char c;
  while (::read(fds[0], &c, 1) == 1 && c != '\n') port += c;
  ::close(fds[0]);
  return "127.0.0.1:" + port;
}

// Starts a daemon from the runfiles; returns the first line it prints.
std::string start_daemon(const std::vector<std::string>& args, pid_t* pid) {
  int fds[2];
  if (::pipe(fds) != 0) std::abort();
  *pid = ::fork();
  if (*pid == 0) {
    ::dup2(fds[1], 1);
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  std::string line;
  char c;
  while (::read(fds[0], &c, 1) == 1 && c != '\n') line += c;
  return line;  // the pipe stays open: the daemon may print more
}

// CPU seconds (user + system) a process has used, from /proc.
double cpu_seconds(pid_t pid) {
  FILE* f = std::fopen(("/proc/" + std::to_string(pid) + "/stat").c_str(), "r");
  if (!f) return 0;
  char buf[2048];
  size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  buf[n] = 0;
  const char* p = std::strrchr(buf, ')');  // the command name may hold spaces
  unsigned long utime = 0, stime = 0;
  // Fields after ")": state(3) ... utime is field 14, stime 15.
  std::sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime);
  return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(p * (v.size() - 1))];
}

// Raw stream: `n` calls of `per_message` each, pipelined (a writer thread and this reader).
double raw_stream_calls_per_s(const std::string& address, int n, int per_message) {
  auto stub = concurry::proto::Node::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  auto stream = stub->Calls(&context);
  std::string request = concurry::internal::encode_call(
      concurry::internal::CallMessage{1, "actor", "noop", concurry::internal::encode(), 0});
  auto start = Clock::now();
  std::thread writer([&] {
    concurry::proto::CallBatch batch;
    for (int sent = 0; sent < n;) {
      batch.Clear();
      for (int i = 0; i < per_message && sent < n; ++i, ++sent) {
        batch.add_actor_ref(1);
        batch.add_call_id(static_cast<uint64_t>(sent));
        batch.add_request(request);
      }
      stream->Write(batch);
    }
    stream->WritesDone();
  });
  concurry::proto::ReplyBatch replies;
  int received = 0;
  while (received < n && stream->Read(&replies)) received += replies.call_id_size();
  double elapsed = seconds_since(start);
  writer.join();
  stream->Finish();
  return n / elapsed;
}

void raw_unary_round_trips(concurry::proto::Node::Stub& stub, int n, std::vector<double>& us) {
  for (int i = 0; i < n; ++i) {
    grpc::ClientContext context;
    concurry::proto::StopActorRequest request;
    concurry::proto::StopActorReply reply;
    auto start = Clock::now();
    stub.StopActor(&context, request, &reply);
    us.push_back(seconds_since(start) * 1e6);
  }
}

template <class Call>
double pipelined_calls_per_s(int n, Call call) {
  std::vector<concurry::Future<void>> futures;
  futures.reserve(static_cast<size_t>(n));
  auto start = Clock::now();
  for (int i = 0; i < n; ++i) futures.push_back(call());
  for (auto& f : futures) f.result();
  return n / seconds_since(start);
}

}  // namespace

int main(int argc, char** argv) {
  concurry::init(argc, argv);
  // bazel run starts us in the runfiles tree; a direct start finds it next to the binary.
  if (::access("tools/concurry-head", X_OK) != 0) {
    std::string runfiles = std::string(argv[0]) + ".runfiles/concurry";
    if (::chdir(runfiles.c_str()) != 0 || ::access("tools/concurry-head", X_OK) != 0) {
      std::fprintf(stderr, "cluster_bench: cannot find tools/concurry-head; run it with "
                           "bazel run -c opt //tests/bench:cluster_bench\n");
      return 2;
    }
  }
  pid_t echo_pid, head_pid, node_pid, node2_pid;
  std::string echo = start_echo_server(&echo_pid);
  std::string head_line = start_daemon({"tools/concurry-head", "--port", "0"}, &head_pid);
  if (head_line.rfind("concurry-head listening on ", 0) != 0) {
    std::fprintf(stderr, "cluster_bench: concurry-head did not start\n");
    return 1;
  }
  std::string head = head_line.substr(head_line.rfind(' ') + 1);
  std::string lib = "tests/integration/libcluster_workers.so";
  start_daemon({"tools/concurry-node", "--head", head, "--resources", "cpu=8"}, &node_pid);
  start_daemon({"tools/concurry-node", "--head", head, "--resources", "cpu=8"}, &node2_pid);
  concurry::connect({.address = head, .worker_libs = {lib}});
  unsigned cores = std::thread::hardware_concurrency();
  std::printf("cluster_bench: head %s, two nodes, echo baseline %s, %u cores\n\n", head.c_str(),
              echo.c_str(), cores);

  const concurry::Options pipelined{.mode = "cluster", .max_queued_tasks = 0};
  auto counter = concurry::options<Counter>(pipelined).init(0);
  counter.noop().result();  // warm: stream open, library loaded

  // (a) pipelined 1:1
  const int kCalls = 1000000;
  double raw_batched = raw_stream_calls_per_s(echo, kCalls, 64);
  double raw_single = raw_stream_calls_per_s(echo, 100000, 1);
  double ours = pipelined_calls_per_s(kCalls, [&] { return counter.noop(); });
  auto queued = concurry::options<Counter>({.mode = "cluster"}).init(0);  // default queue: 2
  double ours_queue2 = pipelined_calls_per_s(20000, [&] { return queued.noop(); });
  std::printf("(a) pipelined calls, 1 actor, trivial method (%d calls)\n", kCalls);
  std::printf("    raw gRPC stream, 64 calls/message:  %10.0f calls/s\n", raw_batched);
  std::printf("    raw gRPC stream, 1 call/message:    %10.0f calls/s\n", raw_single);
  std::printf("    concurry cluster actor:             %10.0f calls/s  (%.2fx the batched raw "
              "stream; target >= 200,000/s)\n",
              ours, ours / raw_batched);
  std::printf("    same, default max_queued_tasks=2:   %10.0f calls/s  (2 calls in flight: "
              "round-trip bound)\n\n", ours_queue2);

  // (b) round trip
  // Alternating rounds, so that drift of the machine hits both sides alike.
  const int kPings = 5000;
  auto echo_stub = concurry::proto::Node::NewStub(
      grpc::CreateChannel(echo, grpc::InsecureChannelCredentials()));
  std::vector<double> raw_us, us;
  for (int round = 0; round < 10; ++round) {
    raw_unary_round_trips(*echo_stub, kPings / 10, raw_us);
    for (int i = 0; i < kPings / 10; ++i) {
      auto start = Clock::now();
      counter.noop().result();
      us.push_back(seconds_since(start) * 1e6);
    }
  }
  double raw_p50 = percentile(raw_us, 0.5);
  double ours_p50 = percentile(us, 0.5);
  std::printf("(b) one call at a time, round trip p50 (%d calls)\n", kPings);
  std::printf("    raw gRPC unary ping-pong:  %7.1f us\n", raw_p50);
  std::printf("    concurry cluster actor:    %7.1f us  (%.2fx; target <= 1.5x), p99 %.1f us\n\n",
              ours_p50, ours_p50 / raw_p50, percentile(us, 0.99));

  // (c) actor creation
  std::vector<double> ms;
  for (int i = 0; i < 100; ++i) {
    auto start = Clock::now();
    auto created = concurry::options<Counter>({.mode = "cluster"}).init(i);
    ms.push_back(seconds_since(start) * 1e3);
    created.stop();
  }
  std::printf("(c) actor creation (init() returns, placed and constructed), 100 actors\n");
  std::printf("    p50 %.2f ms, p90 %.2f ms (target p50 <= 10 ms)\n\n", percentile(ms, 0.5),
              percentile(ms, 0.9));

  // (d) 4 threads, 2 actors
  auto a = concurry::options<Counter>(pipelined).init(0);
  auto b = concurry::options<Counter>(pipelined).init(0);
  a.noop().result();
  b.noop().result();
  const int kPerThread = 250000;
  std::atomic<int> ready{0};
  auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      auto& actor = t % 2 ? b : a;
      std::vector<concurry::Future<void>> futures;
      futures.reserve(kPerThread);
      for (int i = 0; i < kPerThread; ++i) futures.push_back(actor.noop());
      for (auto& f : futures) f.result();
      ready++;
    });
  }
  for (auto& t : threads) t.join();
  double four = 4.0 * kPerThread / seconds_since(start);
  std::printf("(d) 4 client threads, 2 actors, pipelined (%d calls)\n", 4 * kPerThread);
  std::printf("    concurry cluster:  %10.0f calls/s  (%.2fx the batched raw stream; target >= "
              "200,000/s)\n", four, four / raw_batched);

  a.stop();
  b.stop();

  // (e), (f) pools dispatched by the head
  auto pool_run = [&](int members, int calls, double* head_us_per_call) {
    concurry::Options o{.mode = "cluster", .max_workers = members, .max_queued_tasks = 0,
                        .resources = {{"cpu", 0.05}}};
    auto pool = concurry::options<Counter>(o).init(0);
    for (int i = 0; i < 2 * members; ++i) pool.noop().result();  // warm every member
    double head_before = cpu_seconds(head_pid);
    double rate = pipelined_calls_per_s(calls, [&] { return pool.noop(); });
    *head_us_per_call = (cpu_seconds(head_pid) - head_before) / calls * 1e6;
    pool.stop();
    return rate;
  };
  double head4 = 0, head256 = 0;
  double pool4 = pool_run(4, kCalls, &head4);
  double pool256 = pool_run(256, kCalls / 2, &head256);
  std::printf("\n(e) pool of 4 over two nodes, pipelined through the head (%d calls)\n", kCalls);
  std::printf("    concurry cluster pool:  %10.0f calls/s  (target >= 150,000/s)\n", pool4);
  std::printf("(f) head CPU per dispatched call (from /proc, user+system)\n");
  std::printf("    4 members:   %6.2f us/call  (%.0f calls/s)\n", head4, pool4);
  std::printf("    256 members: %6.2f us/call  (%.0f calls/s)\n", head256, pool256);
  std::printf("    ratio 256/4: %.2f (target <= 2)\n", head256 / head4);

  counter.stop();
  queued.stop();
  concurry::shutdown();
  for (pid_t pid : {node_pid, node2_pid, head_pid, echo_pid}) {
    ::kill(pid, SIGTERM);
    ::waitpid(pid, nullptr, 0);
  }
  return 0;
}
