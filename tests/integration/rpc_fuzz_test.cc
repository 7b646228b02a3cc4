// Hostile requests to every RPC of the real daemons: for a bounded time, each method of
// concurry.proto.Head and concurry.proto.Node (found from the service descriptors, so a new RPC
// is fuzzed without editing this file) gets messages MessageFuzzer made up and damaged, with the
// right token. Then the daemons must still be running and serve valid requests: status, a new
// actor, its calls. Counts of what was sent and the status codes that came back are printed.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <thread>

#include "concurry/concurry.h"
#include "tests/integration/cluster_fixture.h"
#include "tests/integration/cluster_workers.h"
#include "tests/integration/message_fuzzer.h"
#include "tests/integration/raw_rpc.h"

namespace {

using namespace concurry_test;
namespace pb = google::protobuf;

const std::string kToken = "fuzz-token";

bool running(const Daemon& d) { return ::waitpid(d.pid(), nullptr, WNOHANG) == 0; }

const pb::ServiceDescriptor* service(const char* name) {
  const pb::ServiceDescriptor* s = pb::DescriptorPool::generated_pool()->FindServiceByName(name);
  EXPECT_NE(s, nullptr) << name;
  return s;
}

std::string full_name(const pb::MethodDescriptor* m) {
  return "/" + m->service()->full_name() + "/" + m->name();
}

// One request for `method`: made up and (usually) damaged, at most 1 MiB.
std::string hostile_request(MessageFuzzer& fuzz, const pb::MethodDescriptor* method) {
  const pb::Message* prototype =
      pb::MessageFactory::generated_factory()->GetPrototype(method->input_type());
  for (int attempt = 0;; ++attempt) {
    std::unique_ptr<pb::Message> m(prototype->New());
    fuzz.fill(m.get());
    if (m->ByteSizeLong() > (1u << 20) && attempt < 8) continue;
    std::string bytes = m->SerializeAsString();
    if (bytes.size() > (1u << 20)) bytes.resize(1u << 20);
    return fuzz.chance(0.6) ? fuzz.mutate(std::move(bytes)) : bytes;
  }
}

struct Counts {
  int sent = 0;
  std::map<grpc::StatusCode, int> codes;
  std::map<grpc::StatusCode, std::string> example;  // the first message of each code
};

// Fuzzes every method of `service` at `address` for `seconds`, each method from its own thread
// (a request that waits — a stream, a blocked acquisition — holds up only its own method).
std::map<std::string, Counts> fuzz_service(const pb::ServiceDescriptor* service,
                                           const std::string& address,
                                           const std::vector<std::string>& words, uint64_t seed,
                                           double seconds) {
  std::vector<Counts> counts(service->method_count());
  auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  std::vector<std::thread> threads;
  for (int i = 0; i < service->method_count(); ++i) {
    threads.emplace_back([&, i] {
      const pb::MethodDescriptor* m = service->method(i);
      MessageFuzzer fuzz(seed + i);
      for (const auto& w : words) fuzz.add_word(w);
      RawRpc rpc(address, kToken);
      // Streams from the server (sessions, logs) end by their deadline.
      auto deadline = m->server_streaming() ? 300ms : 1000ms;
      while (std::chrono::steady_clock::now() < end) {
        std::vector<std::string> messages;
        int n = m->client_streaming() ? 1 + static_cast<int>(fuzz.below(4)) : 1;
        for (int k = 0; k < n; ++k) messages.push_back(hostile_request(fuzz, m));
        auto outcome = rpc.call(full_name(m), messages, deadline);
        ++counts[i].sent;
        ++counts[i].codes[outcome.status.error_code()];
        counts[i].example.emplace(outcome.status.error_code(),
                                  outcome.status.error_message().substr(0, 120));
      }
    });
  }
  for (auto& t : threads) t.join();
  std::map<std::string, Counts> by_name;
  for (int i = 0; i < service->method_count(); ++i) by_name[service->method(i)->name()] = counts[i];
  return by_name;
}

void print(const std::string& service, const std::map<std::string, Counts>& counts) {
  int total = 0;
  for (const auto& [method, c] : counts) {
    std::string codes;
    for (const auto& [code, n] : c.codes) codes += " " + std::to_string(code) + ":" + std::to_string(n);
    std::printf("%s.%s: %d requests; status codes%s\n", service.c_str(), method.c_str(), c.sent,
                codes.c_str());
    for (const auto& [code, text] : c.example) std::printf("    %d: %s\n", code, text.c_str());
    total += c.sent;
  }
  std::printf("%s: %d hostile requests in all\n", service.c_str(), total);
}

TEST(RpcFuzzTest, DaemonsSurviveHostileRequestsToEveryRpcAndStillServe) {
  // Jobs a made-up SubmitJob starts must find no program: the head gets an empty PATH.
  std::string saved_path = std::getenv("PATH") ? std::getenv("PATH") : "";
  ::setenv("PATH", "/nonexistent-concurry-fuzz", 1);
  Cluster c({"--auth-token", kToken});
  ::setenv("PATH", saved_path.c_str(), 1);
  auto before = status(c.address, kToken);
  ASSERT_EQ(before.nodes_size(), 2);

  // Real ids and names, for requests that reach past the first lookup. The fuzzer may stop the
  // target actor (a caller with the token may); the keeper's id is not given to it.
  concurry::connect({.address = c.address, .auth_token = kToken, .worker_libs = {runfile(kLib)}});
  auto target = concurry::options<Counter>(cluster()).init(0);
  ASSERT_EQ(target.add(1).result(kWait), 1);
  std::vector<std::string> words = {"pool-1", "job-1", "Spender", "slot", "tokens", "Counter"};
  for (const auto& n : before.nodes()) {
    words.push_back(n.node_id());
    words.push_back(n.address());
  }
  auto with_target = status(c.address, kToken);
  for (const auto& a : with_target.actors()) words.push_back(a.actor_id());
  auto keeper = concurry::options<Counter>(cluster()).init(5);
  ASSERT_EQ(keeper.add(1).result(kWait), 6);

  auto head_counts = fuzz_service(service(concurry::proto::Head::service_full_name()),
                                  c.address, words, 20261202, 10.0);
  print("Head", head_counts);
  auto node_counts = fuzz_service(service(concurry::proto::Node::service_full_name()),
                                  before.nodes(0).address(), words, 20261203, 5.0);
  print("Node", node_counts);

  ASSERT_TRUE(running(*c.head)) << "the head died under hostile requests";
  ASSERT_TRUE(running(*c.cpu)) << "a node died under hostile requests";
  ASSERT_TRUE(running(*c.gpu)) << "a node died under hostile requests";
  for (const auto* counts : {&head_counts, &node_counts}) {
    for (const auto& [method, n] : *counts) EXPECT_GT(n.sent, 0) << method;
  }

  // Valid requests are still served: status, the actor made before, a new one.
  grpc::Status st;
  auto after = status(c.address, kToken, &st);
  ASSERT_TRUE(st.ok()) << st.error_message();
  int alive = 0;
  for (const auto& n : after.nodes()) alive += n.alive() ? 1 : 0;
  std::printf("after: %d nodes (%d alive), %d actors, %d pools\n", after.nodes_size(), alive,
              after.actors_size(), after.pools_size());
  for (const auto& a : after.actors()) {
    std::string res;
    for (const auto& [k, v] : a.resources()) res += k.substr(0, 10) + "=" + std::to_string(v) + " ";
    std::printf("  %s %s %s on %s: %s\n", a.actor_id().c_str(), a.class_name().substr(0, 20).c_str(),
                a.state().c_str(), a.node_id().c_str(), res.c_str());
  }
  EXPECT_GE(alive, 2);
  EXPECT_EQ(keeper.add(1).result(kWait), 7);
  // Named actors the fuzzer made may hold the cpus (a caller with the token may do that): the
  // new actor asks for none.
  auto fresh = concurry::options<Counter>(cluster({{"cpu", 0}})).init(100);
  EXPECT_EQ(fresh.add(1).result(kWait), 101);
  concurry::shutdown();
}

// A call stream whose message does not parse ends with INVALID_ARGUMENT, not OK: gRPC's sync API
// shows a half-close and an unparseable message alike, so the stream's own end marker tells them
// apart (reply_stream.h).
TEST(RpcFuzzTest, AnUnparseableCallBatchEndsTheStreamWithInvalidArgument) {
  Cluster c({"--auth-token", kToken});
  auto reply = status(c.address, kToken);
  ASSERT_EQ(reply.nodes_size(), 2);
  const std::string garbage("\xff\xff\xff\xff\x0f", 5);  // not a protobuf message
  for (const auto& [address, method] :
       {std::pair{reply.nodes(0).address(), "/concurry.proto.Node/Calls"},
        std::pair{c.address, "/concurry.proto.Head/PoolCalls"}}) {
    RawRpc rpc(address, kToken);
    auto outcome = rpc.call(method, {garbage}, 5000ms);
    EXPECT_EQ(outcome.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << method << ": " << outcome.status.error_message();
    EXPECT_NE(outcome.status.error_message().find("CallBatch"), std::string::npos)
        << outcome.status.error_message();
    // A stream that ends the way the protocol says (the end marker, then half-close) is OK.
    concurry::proto::CallBatch end;
    end.set_end(true);
    outcome = rpc.call(method, {end.SerializeAsString()}, 5000ms);
    EXPECT_TRUE(outcome.status.ok()) << method << ": " << outcome.status.error_message();
  }
  EXPECT_TRUE(running(*c.head));
  EXPECT_TRUE(running(*c.cpu));
}

}  // namespace
