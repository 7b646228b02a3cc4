// Cluster failures and refusals with the real daemons on loopback: auth tokens, a node killed
// with calls in flight, restarts of actors and pool members, shared limits held on a dead node,
// the head gone. Each test starts its own cluster (see cluster_fixture.h).
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "concurry/concurry.h"
#include "concurry/cluster/common/digest.h"
#include "concurry/core/serialization.h"
#include "concurry/core/wire.h"
#include "tests/integration/cluster_fixture.h"
#include "tests/integration/cluster_workers.h"

namespace {

using namespace concurry_test;

TEST(ClusterAuthTest, WrongOrMissingTokenIsRefusedAndRunsNothing) {
  Cluster c({"--auth-token", "s3cret"});
  try {
    concurry::connect({.address = c.address, .auth_token = "wrong"});
    FAIL() << "expected ClusterError";
  } catch (const concurry::ClusterError& e) {
    EXPECT_NE(std::string(e.what()).find("auth token"), std::string::npos) << e.what();
  }
  // A node refuses a stream without the token.
  auto reply = status(c.address, "s3cret");
  ASSERT_EQ(reply.nodes_size(), 2);
  auto stub = concurry::proto::Node::NewStub(
      grpc::CreateChannel(reply.nodes(0).address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + 10s);
  concurry::proto::CreateActorRequest create;
  create.set_class_name("Counter");
  concurry::proto::CreateActorReply created;
  EXPECT_EQ(stub->CreateActor(&context, create, &created).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  // With the token everything works.
  concurry::connect({.address = c.address, .auth_token = "s3cret", .worker_libs = {runfile(kLib)}});
  auto counter = concurry::options<Counter>(cluster()).init(1);
  EXPECT_EQ(counter.add(1).result(kWait), 2);
  EXPECT_EQ(status(c.address, "s3cret").actors_size(), 1);  // only this one was created
  counter.stop();
  concurry::shutdown();
}

TEST(ClusterFailureTest, KilledNodeFailsEveryCallInFlightWithWorkerCrashedError) {
  Cluster c;
  concurry::connect({.address = c.address, .worker_libs = {runfile(kLib)}});
  auto doomed = concurry::options<Counter>(cluster({{"gpu", 1}})).init(0);
  auto survivor = concurry::options<Counter>(cluster({{"gpu", 0}}, "spread")).init(0);
  ASSERT_EQ(doomed.pid().result(kWait), static_cast<int>(c.gpu->pid()));
  std::vector<concurry::Future<int>> futures;
  for (int i = 0; i < 20; ++i) futures.push_back(doomed.slow(100));
  std::this_thread::sleep_for(50ms);
  ::kill(c.gpu->pid(), SIGKILL);
  for (auto& f : futures) {
    try {
      f.result(concurry::Duration(15.0));  // a timeout here would be a hang: it throws TimeoutError instead
      ADD_FAILURE() << "a call on the killed node succeeded";
    } catch (const concurry::WorkerCrashedError& e) {
      EXPECT_NE(std::string(e.what()).find("Counter"), std::string::npos) << e.what();
    }
  }
  EXPECT_THROW(doomed.get().result(concurry::Duration(15.0)), concurry::WorkerCrashedError);  // later calls too
  // The head declares the node dead; the other node keeps serving.
  EXPECT_TRUE(eventually(c.address, "", [](const auto& r) {
    for (const auto& n : r.nodes()) {
      if (n.resources().count("gpu") && !n.alive()) return true;
    }
    return false;
  }));
  if (survivor.pid().result(kWait) != static_cast<int>(c.gpu->pid())) {
    EXPECT_EQ(survivor.add(1).result(concurry::Duration(15.0)), 1);
  }
  EXPECT_THROW(concurry::options<Counter>(cluster({{"gpu", 1}})).init(0), concurry::ClusterError);
  concurry::shutdown();
}

TEST(ClusterFailureTest, ActorWithRestartsComesBackOnAnotherNodeAndRetriedCallsSucceed) {
  Cluster c;
  concurry::connect({.address = c.address, .worker_libs = {runfile(kLib)}});
  Options o = cluster({{"cpu", 1}});
  o.max_restarts = 1;
  o.num_retries = concurry::PerMethod<int>{{"*", 0}, {"add", 5}};  // add is retried, slow is not
  o.retry_wait = 0.2;  // seconds
  o.max_queued_tasks = 0;
  auto phoenix = concurry::options<Counter>(o).init(10);
  int first_pid = phoenix.pid().result(kWait);
  Daemon& victim = first_pid == static_cast<int>(c.cpu->pid()) ? *c.cpu : *c.gpu;
  int survivor_pid = first_pid == static_cast<int>(c.cpu->pid()) ? c.gpu->pid() : c.cpu->pid();
  EXPECT_EQ(phoenix.add(1).result(kWait), 11);
  auto doomed = phoenix.slow(400);
  std::this_thread::sleep_for(100ms);
  ::kill(victim.pid(), SIGKILL);
  auto retried = phoenix.add(1);  // sent to the dead node or parked: retried on the new one
  EXPECT_THROW(doomed.result(kWait), concurry::WorkerCrashedError);
  // The constructor ran again with the original arguments, on the other node.
  EXPECT_EQ(retried.result(concurry::Duration(60.0)), 11);
  EXPECT_EQ(phoenix.pid().result(kWait), survivor_pid);
  auto status_reply = status(c.address, "");
  ASSERT_EQ(status_reply.actors_size(), 1);
  EXPECT_EQ(status_reply.actors(0).restarts(), 1);
  EXPECT_EQ(status_reply.actors(0).state(), "ALIVE");
  concurry::shutdown();
}

TEST(ClusterFailureTest, SharedLimitsHeldByAnActorOnADeadNodeComeBack) {
  Cluster c;
  concurry::connect({.address = c.address, .worker_libs = {runfile(kLib)}});
  concurry::LimitSet slots({concurry::ResourceLimit{.key = "slot", .capacity = 1}});
  Options on_gpu = cluster({{"gpu", 1}});
  on_gpu.limits = slots;
  Options on_cpu = cluster({{"cpu", 1}}, "spread");
  on_cpu.limits = slots;
  auto holder = concurry::options<Spender>(on_gpu).init();
  auto waiter = concurry::options<Spender>(on_cpu).init();
  ASSERT_TRUE(holder.grab().result(kWait));
  EXPECT_FALSE(waiter.grab().result(kWait));  // one slot, taken on the other node
  ::kill(c.gpu->pid(), SIGKILL);
  bool got = false;
  for (int i = 0; i < 150 && !got; ++i) {  // the head declares the node dead within ~1.5 s
    got = waiter.grab().result(kWait);
    if (!got) std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(got);
  concurry::shutdown();
}

// An actor waiting at the head for a shared limit when its node dies leaves the line (the head's
// wait watches the RPC): once, the head's thread stayed first in line and took the slot when it
// came free, for an actor that no longer existed, and the slot was lost for good.
TEST(ClusterFailureTest, AnActorWaitingForASharedLimitOnADeadNodeLeavesTheLine) {
  Cluster c;
  concurry::connect({.address = c.address, .worker_libs = {runfile(kLib)}});
  concurry::LimitSet slots({concurry::ResourceLimit{.key = "slot", .capacity = 1}});
  Options on_gpu = cluster({{"gpu", 1}});
  on_gpu.limits = slots;
  Options on_cpu = cluster({{"cpu", 1}}, "spread");
  on_cpu.limits = slots;
  auto waiter = concurry::options<Spender>(on_gpu).init();
  auto holder = concurry::options<Spender>(on_cpu).init();
  ASSERT_TRUE(holder.grab().result(kWait));
  auto waiting = waiter.wait_slot();
  std::this_thread::sleep_for(300ms);
  ASSERT_FALSE(waiting.done()) << "the waiter should wait for the slot the holder has";
  ::kill(c.gpu->pid(), SIGKILL);
  EXPECT_THROW(waiting.result(kWait), concurry::WorkerCrashedError);
  std::this_thread::sleep_for(200ms);  // the head sees the waiter's RPC end
  ASSERT_TRUE(holder.drop().result(kWait));
  bool got = false;
  for (int i = 0; i < 50 && !got; ++i) {
    got = holder.grab().result(kWait);
    if (!got) std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(got) << "the slot went to the dead waiter and never came back";
  concurry::shutdown();
}

// The head keeps ended actors only as long as --history-max allows (they once piled up
// forever), and a status reply lists at most max_entries per list, live ones first.
TEST(ClusterFailureTest, EndedActorsAreKeptOnlyAsLongAsTheHistoryAllows) {
  Cluster c({"--history-max", "2"});
  concurry::connect({.address = c.address, .worker_libs = {runfile(kLib)}});
  for (int i = 0; i < 5; ++i) {
    auto a = concurry::options<Counter>(cluster()).init(i);
    ASSERT_EQ(a.add(1).result(kWait), i + 1);
    a.stop();
  }
  auto live = concurry::options<Counter>(cluster()).init(0);
  ASSERT_EQ(live.add(1).result(kWait), 1);
  auto reply = status(c.address, "");
  int alive = 0, stopped = 0;
  for (const auto& a : reply.actors()) (a.state() == "ALIVE" ? alive : stopped) += 1;
  EXPECT_EQ(alive, 1);
  EXPECT_EQ(stopped, 2) << "5 actors stopped, 2 kept";

  auto stub = concurry::proto::Head::NewStub(
      grpc::CreateChannel(c.address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + 10s);
  concurry::proto::ClusterStatusRequest one;
  one.set_max_entries(1);
  concurry::proto::ClusterStatusReply short_reply;
  ASSERT_TRUE(stub->ClusterStatus(&context, one, &short_reply).ok());
  ASSERT_EQ(short_reply.actors_size(), 1);
  EXPECT_EQ(short_reply.actors(0).state(), "ALIVE");
  EXPECT_EQ(short_reply.actors_omitted(), 2u);
  EXPECT_EQ(short_reply.nodes_size(), 1);
  EXPECT_EQ(short_reply.nodes_omitted(), 1u);
  concurry::shutdown();
}

TEST(ClusterFailureTest, PoolReplacesAMemberLostWithItsNode) {
  Cluster c;
  concurry::connect({.address = c.address, .worker_libs = {runfile(kLib)}});
  Options o = cluster({{"cpu", 1}}, "spread");  // one member per node
  o.max_workers = 2;
  o.max_restarts = 1;
  o.num_retries = 5;
  o.retry_wait = 0.3;  // seconds
  auto pool = concurry::options<Counter>(o).init(0);
  std::set<int> before;
  for (int i = 0; i < 4; ++i) before.insert(pool.pid().result(kWait));
  ASSERT_EQ(before.size(), 2u);
  ::kill(c.gpu->pid(), SIGKILL);
  // Calls that meet the dead member are retried; once the head restarted it on the cpu node,
  // every member answers from there.
  std::set<int> after;
  for (int i = 0; i < 8; ++i) after.insert(pool.pid().result(concurry::Duration(60.0)));
  EXPECT_EQ(after, (std::set<int>{static_cast<int>(c.cpu->pid())}));
  EXPECT_EQ(pool.stats().total_workers, 2u);
  concurry::shutdown();
}

TEST(ClusterFailureTest, HeadGoneFailsInitWithClusterErrorAndActorsKeepAnswering) {
  Cluster c;
  concurry::connect({.address = c.address, .worker_libs = {runfile(kLib)}});
  auto counter = concurry::options<Counter>(cluster()).init(0);
  EXPECT_EQ(counter.add(1).result(kWait), 1);
  ::kill(c.head->pid(), SIGKILL);
  c.head->stop(0);
  try {
    concurry::options<Counter>(cluster()).init(0);
    FAIL() << "expected ClusterError";
  } catch (const concurry::ClusterError& e) {
    EXPECT_NE(std::string(e.what()).find(c.address), std::string::npos) << e.what();
  }
  // Calls go straight to the node, which is still there.
  EXPECT_EQ(counter.add(1).result(concurry::Duration(10.0)), 2);
  concurry::shutdown();
  // Connecting to a head that is gone fails in the connect timeout, naming it.
  EXPECT_THROW(concurry::connect({.address = c.address, .connect_timeout = concurry::Duration(1.0)}),
               concurry::ClusterError);
}
}  // namespace

namespace {

using namespace concurry_test;

template <class Service>
std::unique_ptr<typename Service::Stub> stub_to(const std::string& address) {
  return Service::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
}

grpc::ClientContext* bounded(grpc::ClientContext& context) {
  context.set_deadline(std::chrono::system_clock::now() + 10s);
  return &context;
}

// Numbers and ids no honest client sends are refused where they arrive, with a message naming
// what was wrong; the daemons keep serving.
TEST(ClusterAdmissionTest, HostileNumbersAndReusedIdsAreRefused) {
  Cluster c;
  auto head = stub_to<concurry::proto::Head>(c.address);
  for (double bad : {std::nan(""), -1000.0, HUGE_VAL}) {
    concurry::proto::RegisterNodeRequest node;
    node.set_address("127.0.0.1:1");
    (*node.mutable_resources())["cpu"] = bad;
    concurry::proto::RegisterNodeReply registered;
    grpc::ClientContext context;
    grpc::Status s = head->RegisterNode(bounded(context), node, &registered);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << bad;
    EXPECT_NE(s.error_message().find("'cpu' must be a finite number >= 0"), std::string::npos)
        << s.error_message();

    concurry::proto::CreateActorRequest actor;
    actor.set_class_name("Counter");
    actor.set_ctor_args(concurry::internal::encode(0));
    (*actor.mutable_resources())["cpu"] = bad;
    concurry::proto::CreateActorReply created;
    grpc::ClientContext context2;
    s = head->CreateActor(bounded(context2), actor, &created);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << bad;
    EXPECT_NE(s.error_message().find("actor resource 'cpu'"), std::string::npos) << s.error_message();
  }
  concurry::proto::CreatePoolRequest pool;
  pool.set_size(10000000);  // 37 bytes that once made the head allocate ~7 GB
  pool.mutable_member()->set_class_name("Counter");
  concurry::proto::CreatePoolReply pooled;
  grpc::ClientContext context;
  grpc::Status s = head->CreatePool(bounded(context), pool, &pooled);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("1 to 100000 members"), std::string::npos) << s.error_message();

  // Names every status reply lists are bounded (three 90 MB names once made every ClusterStatus
  // reply exceed the message limit); so are resource names.
  concurry::proto::CreateActorRequest long_name;
  long_name.set_class_name("Counter");
  long_name.set_ctor_args(concurry::internal::encode(0));
  long_name.set_name(std::string(2000, 'n'));
  concurry::proto::CreateActorReply not_created;
  grpc::ClientContext long_context;
  s = head->CreateActor(bounded(long_context), long_name, &not_created);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("an actor name of 2000 bytes is too long (at most 1024)"),
            std::string::npos) << s.error_message();
  long_name.clear_name();
  (*long_name.mutable_resources())[std::string(500, 'r')] = 1;
  grpc::ClientContext kind_context;
  s = head->CreateActor(bounded(kind_context), long_name, &not_created);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("names are 1 to 128 bytes"), std::string::npos)
      << s.error_message();
  EXPECT_EQ(status(c.address, "").actors_size(), 0);

  // A library name that would leave the jobs directory is refused before anything is stored.
  concurry::proto::UploadLibRequest upload;
  upload.set_name("../../../../tmp/x/owned.txt");
  upload.set_content("not a library");
  upload.set_digest(concurry::internal::content_digest(upload.content()));
  concurry::proto::UploadLibReply uploaded;
  grpc::ClientContext upload_context;
  s = head->UploadLib(bounded(upload_context), upload, &uploaded);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("is not a plain file name"), std::string::npos)
      << s.error_message();

  // A node asked directly to create an actor id it already hosts refuses the second.
  auto reply = status(c.address, "");
  ASSERT_EQ(reply.nodes_size(), 2);
  std::string cpu_node;
  for (const auto& n : reply.nodes()) {
    if (n.resources().count("gpu") == 0) cpu_node = n.address();
  }
  auto node = stub_to<concurry::proto::Node>(cpu_node);
  concurry::proto::CreateActorRequest direct;
  direct.set_class_name("Counter");
  direct.set_ctor_args(concurry::internal::encode(0));
  direct.set_actor_id("actor-reused");
  concurry::proto::CreateActorReply first, second;
  grpc::ClientContext c1, c2;
  ASSERT_TRUE(node->CreateActor(bounded(c1), direct, &first).ok());
  EXPECT_TRUE(concurry::internal::decode_reply(first.init_reply()).ok);
  ASSERT_TRUE(node->CreateActor(bounded(c2), direct, &second).ok());
  auto refused = concurry::internal::decode_reply(second.init_reply());
  EXPECT_FALSE(refused.ok);
  EXPECT_NE(refused.error.message.find("already hosted"), std::string::npos) << refused.error.message;

  // The client refuses such numbers before sending anything.
  concurry::connect({.address = c.address, .worker_libs = {runfile(kLib)}});
  EXPECT_THROW(concurry::options<Counter>(cluster({{"cpu", std::nan("")}})).init(0),
               concurry::InvalidOptionError);
  auto counter = concurry::options<Counter>(cluster()).init(1);  // and the cluster still serves
  EXPECT_EQ(counter.add(1).result(kWait), 2);
  counter.stop();
  concurry::shutdown();
}

}  // namespace
