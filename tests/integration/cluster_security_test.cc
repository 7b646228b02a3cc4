// Transport security with the real daemons on loopback: a cluster with mutual TLS (certificates
// made by openssl for this test) works end to end — client to head and nodes, head to nodes,
// nodes fetching libraries from the head, pools through the head — and every wrong party fails
// with one error that says TLS; daemons refuse to serve a non-loopback address unauthenticated.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "concurry/concurry.h"
#include "tests/integration/cluster_fixture.h"
#include "tests/integration/cluster_workers.h"

namespace {

using namespace concurry_test;

// A CA and certificates for 127.0.0.1, made once per test process.
const std::string& certs() {
  static const std::string dir = [] {
    std::string d = std::string(std::getenv("TEST_TMPDIR")) + "/certs";
    std::string command = "bash " + runfile("tests/support/make_test_certs.sh") + " " + d;
    EXPECT_EQ(std::system(command.c_str()), 0) << command;
    return d;
  }();
  return dir;
}
std::string cert(const std::string& name) { return certs() + "/" + name; }

std::vector<std::string> server_tls() {
  return {"--tls-cert", cert("server.pem"), "--tls-key", cert("server.key"), "--tls-ca",
          cert("ca.pem")};
}

concurry::ConnectOptions tls_client(const std::string& address) {
  return {.address = address, .tls_ca = cert("ca.pem"), .tls_cert = cert("client.pem"),
          .tls_key = cert("client.key"), .worker_libs = {runfile(kLib)},
          .connect_timeout = concurry::Duration(3.0)};
}

// The ClusterError connect() throws, or "" when it connected.
std::string connect_error(const concurry::ConnectOptions& options) {
  try {
    concurry::connect(options);
  } catch (const concurry::ClusterError& e) {
    return e.what();
  }
  concurry::shutdown();
  return "";
}

TEST(ClusterTlsTest, MutualTlsClusterWorksEndToEnd) {
  Cluster c(server_tls(), server_tls());
  concurry::connect(tls_client(c.address));
  // On the node without the library: it fetches it from the head over TLS.
  auto counter = concurry::options<Counter>(cluster({{"gpu", 1}})).init(1);
  EXPECT_EQ(counter.add(2).result(kWait), 3);
  EXPECT_EQ(counter.pid().result(kWait), static_cast<int>(c.gpu->pid()));
  // A pool dispatched by the head: head-to-node streams over TLS.
  auto pool = concurry::options<Counter>({.mode = "cluster", .max_workers = 2}).init(0);
  std::vector<concurry::Future<int>> futures;
  for (int i = 0; i < 200; ++i) futures.push_back(pool.add(1));
  for (auto& f : futures) EXPECT_GE(f.result(kWait), 1);
  pool.stop();
  counter.stop();
  concurry::shutdown();
}

TEST(ClusterTlsTest, EveryWrongPartyFailsWithOneErrorThatSaysTls) {
  Cluster c(server_tls(), server_tls());
  auto plain = tls_client(c.address);
  plain.tls_ca = plain.tls_cert = plain.tls_key = "";
  std::string e = connect_error(plain);
  EXPECT_NE(e.find("cannot reach the concurry head at " + c.address), std::string::npos) << e;
  EXPECT_NE(e.find("TLS"), std::string::npos) << e;

  auto no_ca = tls_client(c.address);
  no_ca.tls_ca = "";
  e = connect_error(no_ca);
  EXPECT_NE(e.find("TLS handshake failed"), std::string::npos) << e;
  EXPECT_NE(e.find("--tls-ca"), std::string::npos) << e;

  auto wrong_ca = tls_client(c.address);
  wrong_ca.tls_ca = cert("other-ca.pem");
  e = connect_error(wrong_ca);
  EXPECT_NE(e.find("TLS handshake failed"), std::string::npos) << e;
  EXPECT_NE(e.find("other-ca.pem"), std::string::npos) << e;

  auto no_cert = tls_client(c.address);
  no_cert.tls_cert = no_cert.tls_key = "";
  e = connect_error(no_cert);
  EXPECT_NE(e.find("client certificates"), std::string::npos) << e;

  auto rogue = tls_client(c.address);
  rogue.tls_cert = cert("rogue.pem");
  rogue.tls_key = cert("rogue.key");
  e = connect_error(rogue);
  EXPECT_NE(e.find("TLS"), std::string::npos) << e;

  // Plaintext straight to a node: refused before any RPC runs.
  auto reply = status(c.address, "");  // plaintext: no answer
  EXPECT_EQ(reply.nodes_size(), 0);
  std::string node_address = c.cpu_line.substr(c.cpu_line.find("listening on ") + 13);
  node_address = node_address.substr(0, node_address.find(','));
  auto stub = concurry::proto::Node::NewStub(
      grpc::CreateChannel(node_address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + 3s);
  concurry::proto::CreateActorRequest create;
  create.set_class_name("Counter");
  concurry::proto::CreateActorReply created;
  EXPECT_EQ(stub->CreateActor(&context, create, &created).error_code(),
            grpc::StatusCode::UNAVAILABLE);

  // The right client still works after all that.
  concurry::connect(tls_client(c.address));
  auto counter = concurry::options<Counter>(cluster()).init(5);
  EXPECT_EQ(counter.get().result(kWait), 5);
  counter.stop();
  concurry::shutdown();
}

TEST(ClusterTlsTest, BadTlsFilesAreNamed) {
  auto options = tls_client("127.0.0.1:1");
  options.tls_key = "";
  try {
    concurry::connect(options);
    FAIL() << "expected InvalidOptionError";
  } catch (const concurry::InvalidOptionError& e) {
    EXPECT_NE(std::string(e.what()).find("without --tls-key"), std::string::npos) << e.what();
  }
  options = tls_client("127.0.0.1:1");
  options.tls_ca = cert("client.key");  // not a certificate
  try {
    concurry::connect(options);
    FAIL() << "expected InvalidOptionError";
  } catch (const concurry::InvalidOptionError& e) {
    EXPECT_NE(std::string(e.what()).find("client.key holds no PEM CERTIFICATE"),
              std::string::npos) << e.what();
  }
  ::chmod(cert("client.key").c_str(), 0644);
  options = tls_client("127.0.0.1:1");
  try {
    concurry::connect(options);
    FAIL() << "expected InvalidOptionError";
  } catch (const concurry::InvalidOptionError& e) {
    EXPECT_NE(std::string(e.what()).find("chmod 600"), std::string::npos) << e.what();
  }
  ::chmod(cert("client.key").c_str(), 0600);
  Daemon head("concurry-head", {"--port", "0", "--tls-cert", cert("server.pem")});
  EXPECT_EQ(head.stop(0), 2);
  EXPECT_NE(head.error_line().find("without --tls-key"), std::string::npos);
}

// Every address other than loopback: 0.0.0.0 binds them all.
TEST(ClusterExposureTest, DaemonsRefuseToServeTheNetworkUnauthenticated) {
  Daemon open_head("concurry-head", {"--port", "0", "--host", "0.0.0.0"});
  EXPECT_EQ(open_head.stop(0), 2);
  std::string why = open_head.error_line();
  EXPECT_NE(why.find("no auth token and no client certificates"), std::string::npos) << why;
  EXPECT_NE(why.find("--insecure"), std::string::npos) << why;

  Daemon insecure("concurry-head", {"--port", "0", "--host", "0.0.0.0", "--insecure"});
  EXPECT_NE(insecure.first_line().find("listening on 0.0.0.0:"), std::string::npos);
  EXPECT_NE(insecure.error_line().find("warning"), std::string::npos);

  Daemon with_token("concurry-head", {"--port", "0", "--host", "0.0.0.0", "--auth-token", "t"});
  std::string line = with_token.first_line();
  ASSERT_NE(line.find("listening on 0.0.0.0:"), std::string::npos) << line;
  std::string address = "127.0.0.1:" + line.substr(line.rfind(':') + 1);
  Daemon open_node("concurry-node", {"--head", address, "--host", "0.0.0.0"});
  EXPECT_EQ(open_node.stop(0), 2);
  EXPECT_NE(open_node.error_line().find("concurry-node would serve 0.0.0.0"), std::string::npos);

  Daemon mutual("concurry-head", {"--port", "0", "--host", "0.0.0.0", "--tls-cert",
                                  cert("server.pem"), "--tls-key", cert("server.key"),
                                  "--tls-ca", cert("ca.pem")});
  EXPECT_NE(mutual.first_line().find("listening on 0.0.0.0:"), std::string::npos);
}

}  // namespace
