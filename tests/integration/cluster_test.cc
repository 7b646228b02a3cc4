// Cluster mode against the real daemons on loopback (port 0): one head and two nodes with
// different resources — node "cpu" (cpu=2, preloads the worker library) and node "gpu"
// (cpu=2,gpu=1, started without --worker-lib: it gets the library the client ships).
// Built a second time with CONCURRY_EMBEDDED (//tests/integration:embedded_cluster_test): the
// same worker tests on the embedded cluster, no daemons; tests that need daemons are left out.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <stdexcept>

#include "concurry/concurry.h"
#include "tests/integration/cluster_workers.h"
#include "tests/integration/cluster_fixture.h"

// Registered in this test only: no node has it.
class LocalOnly {
 public:
  int one() { return 1; }
};
CONCURRY_WORKER(LocalOnly, CONCURRY_INIT(), one);

namespace {

using namespace concurry_test;
using concurry::Options;

#ifdef CONCURRY_EMBEDDED
constexpr bool kEmbedded = true;
#else
constexpr bool kEmbedded = false;
#endif
// The embedded cluster checks a token of its own (random unless given).
const std::string kToken = kEmbedded ? "embedded-test-token" : "";

class ClusterTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (kEmbedded) {
      ::unsetenv("CONCURRY_ADDRESS");
      concurry::connect({.auth_token = kToken, .resources = {{"cpu", 8}, {"gpu", 1}}});
      return;
    }
    cluster_ = new Cluster();
    concurry::connect({.address = cluster_->address, .worker_libs = {runfile(kLib)}});
  }
  static void TearDownTestSuite() {
    concurry::shutdown();
    delete cluster_;
  }
  static Cluster* cluster_;
};
Cluster* ClusterTest::cluster_ = nullptr;

TEST_F(ClusterTest, ActorKeepsStateAndReturnsValues) {
  auto counter = concurry::options<Counter>(cluster()).init(10);
  EXPECT_EQ(counter.add(5).result(kWait), 15);
  EXPECT_EQ(counter.add(1).result(kWait), 16);
  EXPECT_EQ(counter.get().result(kWait), 16);
  // On a node; the embedded node runs actors in this process.
  EXPECT_EQ(counter.pid().result(kWait) == static_cast<int>(::getpid()), kEmbedded);
  counter.stop();
}

TEST_F(ClusterTest, PipelinedCallsRunInOrder) {
  auto counter = concurry::options<Counter>(cluster()).init(0);
  std::vector<concurry::Future<int>> futures;
  for (int i = 0; i < 2000; ++i) futures.push_back(counter.add(1));
  for (int i = 0; i < 2000; ++i) ASSERT_EQ(futures[i].result(concurry::Duration(10.0)), i + 1);
}

TEST_F(ClusterTest, CoroutineMethodsRunOnTheNode) {
  auto counter = concurry::options<Counter>(cluster()).init(1);
  EXPECT_EQ(counter.add_later(2, 5).result(kWait), 3);
  EXPECT_EQ(counter.get().result(kWait), 3);
}

TEST_F(ClusterTest, LimitDefinitionsGiveEachActorItsOwnSetOnItsNode) {
  Options o = cluster();
  o.limits = concurry::Limits({concurry::RateLimit{
      .key = "tokens", .window = concurry::Duration(600.0), .capacity = 2}});
  auto first = concurry::options<Spender>(o).init();
  auto second = concurry::options<Spender>(o).init();
  EXPECT_TRUE(first.spend().result(kWait));
  EXPECT_TRUE(first.spend().result(kWait));
  EXPECT_FALSE(first.spend().result(kWait));   // its budget of 2 is spent
  EXPECT_TRUE(second.spend().result(kWait));   // a budget of its own
}

TEST_F(ClusterTest, SharedLimitSetIsOneBudgetHostedByTheHead) {
  Options o = cluster({{"cpu", 1}}, "spread");  // two actors: one per node with daemons
  o.limits = concurry::LimitSet({concurry::RateLimit{
      .key = "tokens", .window = concurry::Duration(600.0), .capacity = 3}});
  auto first = concurry::options<Spender>(o).init();
  auto second = concurry::options<Spender>(o).init();
  int granted = 0;
  for (int i = 0; i < 4; ++i) {
    granted += first.spend().result(kWait) ? 1 : 0;
    granted += second.spend().result(kWait) ? 1 : 0;
  }
  EXPECT_EQ(granted, 3);  // one budget of 3 across both actors and nodes

  // The same with a CallLimit: 5 calls per 10 minutes for both actors together.
  Options calls = cluster({{"cpu", 1}}, "spread");
  calls.limits = concurry::LimitSet(
      {concurry::CallLimit{.window = concurry::Duration(600.0), .capacity = 5}});
  auto left = concurry::options<Spender>(calls).init();
  auto right = concurry::options<Spender>(calls).init();
  granted = 0;
  for (int i = 0; i < 4; ++i) {
    granted += left.call_once().result(kWait) ? 1 : 0;
    granted += right.call_once().result(kWait) ? 1 : 0;
  }
  EXPECT_EQ(granted, 5);
}

TEST_F(ClusterTest, ExceptionsComeBackAsThemselves) {
  auto counter = concurry::options<Counter>(cluster()).init(0);
  try {
    counter.fail("no such thing").result(kWait);
    FAIL() << "expected std::out_of_range";
  } catch (const std::out_of_range& e) {
    EXPECT_STREQ(e.what(), "no such thing");
  }
  EXPECT_EQ(counter.add(2).result(kWait), 2);  // the actor lives on
  // The constructor's exception surfaces at init().
  EXPECT_THROW(concurry::options<Counter>(cluster()).init(-1), std::invalid_argument);
}

#ifndef CONCURRY_EMBEDDED
TEST_F(ClusterTest, ActorNeedingAGpuLandsOnTheNodeThatHasOne) {
  auto on_gpu = concurry::options<Counter>(cluster({{"gpu", 1}})).init(0);
  EXPECT_EQ(on_gpu.pid().result(kWait), static_cast<int>(cluster_->gpu->pid()));
}

TEST_F(ClusterTest, LibraryIsShippedToANodeStartedWithoutIt) {
  // The gpu node has no --worker-lib: Counter reached it through the head.
  auto shipped = concurry::options<Counter>(cluster({{"gpu", 0.5}})).init(7);
  EXPECT_EQ(shipped.add(1).result(kWait), 8);
  auto squares = concurry::TaskWorker::options(cluster({{"gpu", 0.5}})).init();
  EXPECT_EQ(squares.submit(&cluster_square, 9).result(kWait), 81);
}

TEST_F(ClusterTest, SpreadUsesBothNodesAndPackFillsOne) {
  {
    auto a = concurry::options<Counter>(cluster({{"cpu", 1}}, "spread")).init(0);
    auto b = concurry::options<Counter>(cluster({{"cpu", 1}}, "spread")).init(0);
    EXPECT_NE(a.pid().result(kWait), b.pid().result(kWait));
  }
  {
    auto a = concurry::options<Counter>(cluster({{"cpu", 1}}, "pack")).init(0);
    auto b = concurry::options<Counter>(cluster({{"cpu", 1}}, "pack")).init(0);
    EXPECT_EQ(a.pid().result(kWait), b.pid().result(kWait));
  }
}

// In the embedded cluster every class of the program is on the node: only daemons miss one.
TEST_F(ClusterTest, UnknownClassNamesTheClassAndTheLibrariesSearched) {
  try {
    concurry::options<LocalOnly>(cluster()).init();
    FAIL() << "expected MethodNotFoundError";
  } catch (const concurry::MethodNotFoundError& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("LocalOnly"), std::string::npos) << what;
    EXPECT_NE(what.find("libcluster_workers"), std::string::npos) << what;
  }
  // The nodes keep serving.
  EXPECT_EQ(concurry::options<Counter>(cluster()).init(1).get().result(kWait), 1);
}

#endif  // CONCURRY_EMBEDDED

TEST_F(ClusterTest, InfeasibleResourcesFailAtInitNamingTheResource) {
  try {
    concurry::options<Counter>(cluster({{"gpu", 2}})).init(0);
    FAIL() << "expected ClusterError";
  } catch (const concurry::ClusterError& e) {
    EXPECT_NE(std::string(e.what()).find("gpu"), std::string::npos) << e.what();
  }
  try {
    concurry::options<Counter>(cluster({{"tpu", 1}})).init(0);
    FAIL() << "expected ClusterError";
  } catch (const concurry::ClusterError& e) {
    EXPECT_NE(std::string(e.what()).find("tpu"), std::string::npos) << e.what();
  }
}

TEST_F(ClusterTest, BadPlacementIsRefusedAtInit) {
  EXPECT_THROW(concurry::options<Counter>(cluster({}, "spraed")).init(0),
               concurry::InvalidOptionError);
}

TEST_F(ClusterTest, StatusListsActorsAndStoppedActorsFreeTheirResources) {
  std::string id_node;
  {
    auto big = concurry::options<Counter>(cluster({{"gpu", 1}})).init(0);
    big.get().result(kWait);
    auto reply = status(concurry::connected_address(), kToken);
    int alive = 0;
    for (const auto& actor : reply.actors()) alive += actor.state() == "ALIVE";
    EXPECT_GE(alive, 1);
  }  // stopped: the gpu is free again
  auto again = concurry::options<Counter>(cluster({{"gpu", 1}})).init(0);
  EXPECT_EQ(again.get().result(kWait), 0);
}

TEST_F(ClusterTest, TaskWorkerRunsRegisteredFunctions) {
  auto tasks = concurry::TaskWorker::options(cluster()).init();
  EXPECT_EQ(tasks.submit(&cluster_square, 12).result(kWait), 144);
  EXPECT_EQ(tasks.map(&cluster_square, std::vector<int>{1, 2, 3}).result(kWait),
            (std::vector<int>{1, 4, 9}));
}

TEST_F(ClusterTest, PoolOfClusterActorsBalancesCallsOverItsMembers) {
  Options o = cluster({{"cpu", 0.5}});
  o.max_workers = 2;
  auto pool = concurry::options<Counter>(o).init(0);
  std::vector<int> seen;
  for (int i = 0; i < 4; ++i) seen.push_back(pool.add(1).result(kWait));
  EXPECT_EQ(seen, (std::vector<int>{1, 1, 2, 2}));  // round robin: each member has its state
}

TEST_F(ClusterTest, NamedActorsAreFoundByNameAndNamesAreUnique) {
  Options named = cluster({{"cpu", 0.5}});
  named.name = "ledger";
  {
    auto ledger = concurry::options<Counter>(named).init(100);
    auto found = concurry::get_actor<Counter>("ledger");
    EXPECT_EQ(found.add(5).result(kWait), 105);
    EXPECT_EQ(ledger.get().result(kWait), 105);  // one instance, one state
    found.stop();                                 // a found handle leaves the actor running
    EXPECT_EQ(ledger.get().result(kWait), 105);
    try {
      concurry::options<Counter>(named).init(0);
      FAIL() << "expected ClusterError for a duplicate name";
    } catch (const concurry::ClusterError& e) {
      EXPECT_NE(std::string(e.what()).find("'ledger' already exists"), std::string::npos)
          << e.what();
    }
    EXPECT_THROW(concurry::get_actor<Spender>("ledger"), concurry::InvalidOptionError);
  }  // the creating handle stops it: the name is free again
  EXPECT_THROW(concurry::get_actor<Counter>("ledger"), concurry::ClusterError);
  auto again = concurry::options<Counter>(named).init(1);
  EXPECT_EQ(concurry::get_actor<Counter>("ledger").get().result(kWait), 1);
}

TEST_F(ClusterTest, HeadDispatchesPoolCallsWithEachAlgorithm) {
  for (const char* algorithm : {"round_robin", "least_total", "least_active", "random"}) {
    SCOPED_TRACE(algorithm);
    Options o = cluster({{"cpu", 0.25}});
    o.max_workers = 4;
    o.load_balancing = algorithm;
    auto pool = concurry::options<Counter>(o).init(0);
    std::vector<int> seen;
    for (int i = 0; i < 8; ++i) seen.push_back(pool.add(1).result(kWait));
    concurry::PoolStats stats = pool.stats();
    EXPECT_EQ(stats.total_workers, 4u);
    EXPECT_EQ(stats.total_dispatched, 8u);
    EXPECT_EQ(stats.in_flight, 0u);
    std::string name = algorithm;
    if (name == "round_robin" || name == "least_total") {
      std::sort(seen.begin(), seen.end());
      EXPECT_EQ(seen, (std::vector<int>{1, 1, 1, 1, 2, 2, 2, 2}));  // two calls per member
    } else if (name == "least_active") {
      // One call at a time: every member is idle, the lowest index wins each time.
      EXPECT_EQ(seen, (std::vector<int>{1, 2, 3, 4, 5, 6, 7, 8}));
    } else {
      for (int v : seen) EXPECT_TRUE(v >= 1 && v <= 8);
    }
  }
}

TEST_F(ClusterTest, PoolQueueLimitsHoldCallsAtTheHead) {
  Options o = cluster({{"cpu", 0.25}});
  o.max_workers = 2;
  o.max_queued_tasks = 1;  // one call in flight per member; the rest wait at the head
  auto pool = concurry::options<Counter>(o).init(0);
  std::vector<concurry::Future<int>> calls;
  for (int i = 0; i < 6; ++i) calls.push_back(pool.slow(300));
  // The calls reach the head a moment later: poll (bounded) until all six are there.
  concurry::PoolStats busy;
  for (int i = 0; i < 200; ++i) {
    busy = pool.stats();
    if (busy.in_flight + busy.queued == 6) break;
    std::this_thread::sleep_for(1ms);
  }
  EXPECT_EQ(busy.in_flight, 2u);
  EXPECT_EQ(busy.queued, 4u);
  EXPECT_EQ(busy.max_queued_tasks, 1);
  for (auto& call : calls) EXPECT_EQ(call.result(kWait), 300);
  EXPECT_EQ(pool.stats().queued, 0u);
  pool.stop();
  EXPECT_TRUE(pool.stats().stopped);
  EXPECT_THROW(pool.add(1).result(kWait), concurry::WorkerStoppedError);
}

TEST_F(ClusterTest, OnDemandActorsAreBoundedByResourcesAndWaitForThem) {
  Options o = cluster({{"gpu", 1}});  // one gpu in the cluster: one such actor at a time
  o.on_demand = true;
  auto workers = concurry::options<Counter>(o).init(0);
  std::vector<concurry::Future<int>> calls;
  for (int i = 0; i < 3; ++i) calls.push_back(workers.slow(150));
  for (auto& call : calls) EXPECT_EQ(call.result(kWait), 150);  // each waited for the gpu
  EXPECT_EQ(workers.stats().total_dispatched, 3u);
}

TEST_F(ClusterTest, ConnectingTwiceIsRefusedNamingTheAddress) {
  try {
    concurry::connect();
    FAIL() << "expected InvalidOptionError";
  } catch (const concurry::InvalidOptionError& e) {
    EXPECT_NE(std::string(e.what()).find(concurry::connected_address()), std::string::npos);
  }
}

#ifndef CONCURRY_EMBEDDED
TEST_F(ClusterTest, NodeAnswersMalformedStreamsWithErrorsAndKeepsServing) {
  auto status_reply = status(cluster_->address, "");
  std::string node_address;
  for (const auto& node : status_reply.nodes()) {
    if (node.resources().count("gpu")) node_address = node.address();
  }
  ASSERT_FALSE(node_address.empty());
  auto stub = concurry::proto::Node::NewStub(
      grpc::CreateChannel(node_address, grpc::InsecureChannelCredentials()));
  {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + 10s);
    auto stream = stub->Calls(&context);
    concurry::proto::CallBatch batch;
    batch.add_actor_ref(987654);  // no such actor
    batch.add_call_id(1);
    batch.add_request("\xff\xfe garbage");
    ASSERT_TRUE(stream->Write(batch));
    concurry::proto::ReplyBatch replies;
    ASSERT_TRUE(stream->Read(&replies));
    ASSERT_EQ(replies.call_id_size(), 1);
    EXPECT_EQ(replies.call_id(0), 1u);
    concurry::proto::CallBatch bad;  // arrays that do not line up
    bad.add_actor_ref(1);
    ASSERT_TRUE(stream->Write(bad));
    stream->WritesDone();
    grpc::Status s = stream->Finish();
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
  }
  auto counter = concurry::options<Counter>(cluster({{"gpu", 1}})).init(3);
  EXPECT_EQ(counter.add(1).result(kWait), 4);
}

TEST_F(ClusterTest, AnotherClientSeesANamedActorsState) {
  Options named = cluster({{"cpu", 0.5}});
  named.name = "shared-counter";
  auto counter = concurry::options<Counter>(named).init(41);
  Daemon other("tests/integration/cluster_client",
               {cluster_->address, runfile(kLib), "get", "shared-counter"});
  EXPECT_EQ(other.first_line(), "42");
  EXPECT_EQ(other.stop(0, 30s), 0) << other.error_line(1s);
  EXPECT_EQ(counter.get().result(kWait), 42);
}

TEST_F(ClusterTest, PoolMembersSpreadOverBothNodes) {
  Options o = cluster({{"cpu", 1}});
  o.max_workers = 4;
  auto pool = concurry::options<Counter>(o).init(0);
  std::set<int> pids;
  for (int i = 0; i < 8; ++i) pids.insert(pool.pid().result(kWait));
  EXPECT_EQ(pids, (std::set<int>{static_cast<int>(cluster_->cpu->pid()),
                                 static_cast<int>(cluster_->gpu->pid())}));
}

TEST_F(ClusterTest, TwoClientsSharingANamedPoolAreBalancedTogether) {
  Options o = cluster({{"cpu", 0.25}});
  o.max_workers = 2;
  o.max_queued_tasks = 0;
  o.load_balancing = "least_active";
  o.name = "shared-pool";
  auto pool = concurry::options<Counter>(o).init(0);
  std::vector<concurry::Future<int>> mine;
  for (int i = 0; i < 3; ++i) mine.push_back(pool.slow(2000));
  Daemon other("tests/integration/cluster_client",
               {cluster_->address, runfile(kLib), "pool", "shared-pool", "3", "2000"});
  ASSERT_EQ(other.first_line(30s), "sent") << other.error_line(1s);
  // The head sees all six calls: least_active put three on each member, whoever sent them.
  auto stub = concurry::proto::Head::NewStub(
      grpc::CreateChannel(cluster_->address, grpc::InsecureChannelCredentials()));
  bool balanced = false;
  for (int attempt = 0; attempt < 100 && !balanced; ++attempt) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + 5s);
    concurry::proto::PoolRequest request;
    request.set_name("shared-pool");
    concurry::proto::PoolStatsReply reply;
    ASSERT_TRUE(stub->PoolStats(&context, request, &reply).ok());
    balanced = reply.member_active_size() == 2 && reply.member_active(0) == 3 &&
               reply.member_active(1) == 3;
    if (!balanced) std::this_thread::sleep_for(10ms);
  }
  EXPECT_TRUE(balanced);
  for (auto& call : mine) EXPECT_EQ(call.result(kWait), 2000);
  EXPECT_EQ(other.first_line(30s), "done");
  EXPECT_EQ(pool.stats().total_dispatched, 6u);
}

TEST_F(ClusterTest, AClientThatDiesFreesItsActors) {
  {
    Daemon orphan("tests/integration/cluster_client", {cluster_->address, runfile(kLib), "orphan"});
    ASSERT_EQ(orphan.first_line(30s), "created") << orphan.error_line(1s);
    EXPECT_EQ(orphan.stop(0, 30s), 0);
  }
  // Its gpu actor is stopped by the head once its session ends: the gpu is free again.
  EXPECT_TRUE(eventually(cluster_->address, "", [](const auto& r) {
    for (const auto& a : r.actors()) {
      if (a.resources().count("gpu") && a.state() == "ALIVE") return false;
    }
    return true;
  }));
  auto gpu = concurry::options<Counter>(cluster({{"gpu", 1}})).init(0);
  EXPECT_EQ(gpu.get().result(kWait), 0);
}

#endif  // CONCURRY_EMBEDDED

#ifdef CONCURRY_EMBEDDED
TEST(EmbeddedClusterTest, FirstClusterWorkerConnectsImplicitlyAndShutdownStopsIt) {
  concurry::shutdown();  // the suite's session
  ::unsetenv("CONCURRY_ADDRESS");
  EXPECT_EQ(concurry::connected_address(), "");
  {
    auto counter = concurry::options<Counter>(cluster({{"cpu", 0.5}})).init(1);
    EXPECT_EQ(counter.add(1).result(kWait), 2);
    EXPECT_NE(concurry::connected_address(), "");
    concurry::shutdown();
    EXPECT_EQ(concurry::connected_address(), "");
    // The cluster is gone with its actors: a call now fails, it does not hang.
    EXPECT_ANY_THROW(counter.add(1).result(concurry::Duration(10.0)));
  }
  // And it comes back on demand, closed to anyone without its random token (other local users).
  auto again = concurry::options<Counter>(cluster({{"cpu", 0.5}})).init(5);
  EXPECT_EQ(again.get().result(kWait), 5);
  grpc::Status refused;
  status(concurry::connected_address(), "", &refused);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAUTHENTICATED) << refused.error_message();
  again.stop();
  concurry::shutdown();
}
#endif  // CONCURRY_EMBEDDED

}  // namespace
