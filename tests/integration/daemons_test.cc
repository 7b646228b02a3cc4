// The real concurry-head and concurry-node binaries on loopback (port 0): start-up lines,
// registration with resources, heartbeats and dead nodes, auth tokens, bad flags, signals.
#include <gtest/gtest.h>
#include <grpcpp/grpcpp.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "concurry/cluster/common/auth.h"
#include "concurry/proto/concurry.grpc.pb.h"
#include "tests/integration/daemon.h"

namespace {

using namespace concurry_test;

TEST(DaemonsTest, HeadPrintsItsAddressAndStopsOnSigterm) {
  Daemon head("concurry-head", {"--port", "0"});
  std::string address = address_of(head);
  EXPECT_EQ(address.rfind("127.0.0.1:", 0), 0u);
  EXPECT_GT(std::stoi(address.substr(10)), 0);
  EXPECT_EQ(head.stop(SIGTERM), 0);
}

TEST(DaemonsTest, NodesRegisterTheirResourcesAndSilentNodesAreDeclaredDead) {
  Daemon head("concurry-head", {"--port", "0", "--heartbeat-timeout", "1"});
  std::string address = address_of(head);
  Daemon cpu_node("concurry-node", {"--head", address, "--resources", "cpu=2"});
  Daemon gpu_node("concurry-node", {"--head", address, "--resources", "cpu=1,gpu=1,mem_gb=8"});
  EXPECT_NE(cpu_node.first_line().find("registered with " + address), std::string::npos);
  EXPECT_NE(gpu_node.first_line().find("registered with " + address), std::string::npos);
  auto reply = status(address, "");
  ASSERT_EQ(reply.nodes_size(), 2);
  int gpus = 0;
  for (const auto& n : reply.nodes()) {
    EXPECT_TRUE(n.alive());
    auto it = n.resources().find("gpu");
    if (it != n.resources().end()) gpus += static_cast<int>(it->second);
  }
  EXPECT_EQ(gpus, 1);
  // Heartbeats keep both alive well past the timeout.
  std::this_thread::sleep_for(1500ms);
  auto later = status(address, "");
  for (const auto& n : later.nodes()) EXPECT_TRUE(n.alive()) << n.node_id();
  // kill -9 of one node: declared dead after the heartbeat timeout; the other stays.
  ::kill(cpu_node.pid(), SIGKILL);
  EXPECT_TRUE(eventually(address, "", [](const concurry::proto::ClusterStatusReply& r) {
    int alive = 0;
    for (const auto& n : r.nodes()) alive += n.alive() ? 1 : 0;
    return r.nodes_size() == 2 && alive == 1;
  }));
  EXPECT_EQ(gpu_node.stop(SIGTERM), 0);
  EXPECT_EQ(head.stop(SIGINT), 0);
}

TEST(DaemonsTest, AuthTokenIsCheckedOnEveryRpc) {
  Daemon head("concurry-head", {"--port", "0", "--auth-token", "s3cret"});
  std::string address = address_of(head);
  Daemon intruder("concurry-node", {"--head", address});
  EXPECT_EQ(intruder.stop(0), 1);
  EXPECT_NE(intruder.error_line().find("refused the auth token (UNAUTHENTICATED)"),
            std::string::npos);
  Daemon member("concurry-node", {"--head", address, "--auth-token", "s3cret"});
  EXPECT_NE(member.first_line().find("registered"), std::string::npos);
  grpc::Status s;
  status(address, "wrong", &s);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(status(address, "s3cret").nodes_size(), 1);  // the refused node ran nothing
}

TEST(DaemonsTest, BadInputGetsOneClearLineAndANonZeroExit) {
  Daemon bad_flag("concurry-head", {"--bogus"});
  EXPECT_EQ(bad_flag.stop(0), 2);
  std::string line = bad_flag.error_line();
  EXPECT_NE(line.find("--bogus"), std::string::npos) << line;
  Daemon bad_port("concurry-head", {"--port", "70000"});
  EXPECT_EQ(bad_port.stop(0), 2);
  Daemon unreachable("concurry-node", {"--head", "127.0.0.1:1", "--connect-timeout", "1"});
  EXPECT_EQ(unreachable.stop(0), 1);
  EXPECT_NE(unreachable.error_line().find("cannot reach head at 127.0.0.1:1"), std::string::npos);
  Daemon bad_resources("concurry-node", {"--head", "127.0.0.1:1", "--resources", "cpu=-1"});
  EXPECT_EQ(bad_resources.stop(0), 2);
  EXPECT_NE(bad_resources.error_line().find("bad resource 'cpu=-1'"), std::string::npos);
  // A file that is not a loadable library: named, with the loader's reason.
  Daemon bad_lib("concurry-node", {"--head", "127.0.0.1:1", "--worker-lib", program("concurry-head")});
  EXPECT_EQ(bad_lib.stop(0), 1);
  line = bad_lib.error_line();
  EXPECT_NE(line.find("cannot load worker library"), std::string::npos) << line;
  Daemon missing_lib("concurry-node", {"--head", "127.0.0.1:1", "--worker-lib", "/no/such.so"});
  EXPECT_EQ(missing_lib.stop(0), 2);
}

}  // namespace
