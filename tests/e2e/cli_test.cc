// The real `concurry` binary against real daemons it starts: start/stop, status as text and as
// JSON (parsed), what a client created showing up, jobs, calls in JSON, and bad input — each a
// one-line message and a meaningful exit code. Every test has its own state directory; every wait is bounded.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "concurry/concurry.h"
#include "tests/integration/cluster_workers.h"

namespace {

std::string runfile(const std::string& path) {
  return std::string(std::getenv("TEST_SRCDIR")) + "/" + std::getenv("TEST_WORKSPACE") + "/" + path;
}

struct CliRun {
  int code = -1;
  std::string out, err;
};

// Runs `concurry ARGS` (bounded by `timeout 60`) with this test's state directory.
CliRun concurry_cli(const std::string& args) {
  std::string err_file = std::string(std::getenv("TEST_TMPDIR")) + "/stderr.txt";
  std::string cmd = "timeout 60 " + runfile("tools/concurry") + " " + args + " 2>" + err_file;
  CliRun r;
  FILE* pipe = ::popen(cmd.c_str(), "r");
  std::array<char, 4096> buf;
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) r.out.append(buf.data(), n);
  int status = ::pclose(pipe);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream in(err_file);
  std::getline(in, r.err, '\0');
  return r;
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    state_ = std::string(std::getenv("TEST_TMPDIR")) + "/state-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name();
    ::setenv("CONCURRY_STATE_DIR", state_.c_str(), 1);
    ::unsetenv("CONCURRY_ADDRESS");
  }
  void TearDown() override { concurry_cli("stop"); }  // nothing is left running
  std::string state_;
};

TEST_F(CliTest, StartStatusStop) {
  CliRun head = concurry_cli("start --head --port 0");
  ASSERT_EQ(head.code, 0) << head.err;
  const std::string prefix = "head started at ";
  ASSERT_EQ(head.out.rfind(prefix, 0), 0u) << head.out;
  std::string address = head.out.substr(prefix.size(), head.out.find(' ', prefix.size()) - prefix.size());
  CliRun node = concurry_cli("start --resources cpu=2,gpu=1 --worker-lib " +
                          runfile("tests/integration/libcluster_workers.so"));
  ASSERT_EQ(node.code, 0) << node.err;
  EXPECT_NE(node.out.find("node-1 started"), std::string::npos) << node.out;

  // A client's actor shows up in status.
  concurry::connect({.address = address});
  auto counter = concurry::options<Counter>({.mode = "cluster", .name = "tally"}).init(1);
  ASSERT_EQ(counter.add(1).result(concurry::Duration(30.0)), 2);
  auto pool = concurry::options<Counter>({.mode = "cluster", .max_workers = 2,
                                          .load_balancing = "least_active",
                                          .resources = {{"cpu", 0.25}}})
                  .init(0);
  for (int i = 0; i < 3; ++i) pool.add(1).result(concurry::Duration(30.0));

  CliRun text = concurry_cli("status");
  ASSERT_EQ(text.code, 0) << text.err;
  EXPECT_NE(text.out.find("node-1"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("alive"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("tally"), std::string::npos) << text.out;

  CliRun json = concurry_cli("status --json --address " + address);
  ASSERT_EQ(json.code, 0) << json.err;
  rapidjson::Document doc;
  doc.Parse(json.out.c_str());
  ASSERT_FALSE(doc.HasParseError()) << json.out;
  ASSERT_EQ(doc["nodes"].Size(), 1u);
  EXPECT_TRUE(doc["nodes"][0]["alive"].GetBool());
  EXPECT_EQ(doc["nodes"][0]["resources_total"]["gpu"].GetDouble(), 1.0);
  EXPECT_EQ(doc["nodes"][0]["resources_used"]["cpu"].GetDouble(), 1.5);  // 1 + 2 × 0.25
  EXPECT_EQ(doc["nodes"][0]["actors"].GetInt(), 3);
  ASSERT_EQ(doc["actors"].Size(), 3u);  // tally and the pool's two members
  EXPECT_STREQ(doc["actors"][0]["class"].GetString(), "Counter");
  EXPECT_STREQ(doc["actors"][0]["name"].GetString(), "tally");
  EXPECT_STREQ(doc["actors"][0]["state"].GetString(), "ALIVE");
  ASSERT_EQ(doc["pools"].Size(), 1u);
  EXPECT_EQ(doc["pools"][0]["members"].GetInt(), 2);
  EXPECT_STREQ(doc["pools"][0]["algorithm"].GetString(), "LeastActiveLoad");
  EXPECT_EQ(doc["pools"][0]["dispatched"].GetInt(), 3);
  EXPECT_NE(text.out.find("pools (1)"), std::string::npos) << text.out;
  pool.stop();
  counter.stop();
  concurry::shutdown();

  CliRun stop = concurry_cli("stop");
  EXPECT_EQ(stop.code, 0) << stop.err;
  EXPECT_NE(stop.out.find("stopped node-1"), std::string::npos) << stop.out;
  EXPECT_NE(stop.out.find("stopped head"), std::string::npos) << stop.out;
  CliRun gone = concurry_cli("status --address " + address);
  EXPECT_EQ(gone.code, 1);
  EXPECT_NE(gone.err.find("cannot reach the head at " + address), std::string::npos) << gone.err;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::string text;
  std::getline(in, text, '\0');
  return text;
}

// A token given in a file (or the environment) never shows on a daemon's command line, which
// every local user can read with ps.
TEST_F(CliTest, TokensComeFromPrivateFilesAndNeverShowOnCommandLines) {
  const std::string secret = "tok-" + std::to_string(::getpid()) + "-never-on-argv";
  std::string file = std::string(std::getenv("TEST_TMPDIR")) + "/token";
  {
    std::ofstream out(file);
    out << secret << "\n";
  }
  ::chmod(file.c_str(), 0600);
  CliRun head = concurry_cli("start --head --port 0 --auth-token-file " + file);
  ASSERT_EQ(head.code, 0) << head.err;
  CliRun node = concurry_cli("start --resources cpu=1 --auth-token-file " + file);
  ASSERT_EQ(node.code, 0) << node.err;
  for (const char* daemon : {"head", "node-1"}) {
    std::string pid = slurp(state_ + "/" + daemon + ".pid");
    ASSERT_FALSE(pid.empty()) << daemon;
    std::string cmdline = slurp("/proc/" + std::to_string(std::stoi(pid)) + "/cmdline");
    EXPECT_FALSE(cmdline.empty()) << daemon;
    EXPECT_EQ(cmdline.find(secret), std::string::npos) << daemon << " shows the token on argv";
  }
  CliRun with = concurry_cli("status --auth-token-file " + file);
  EXPECT_EQ(with.code, 0) << with.err;
  EXPECT_NE(with.out.find("node-1"), std::string::npos) << with.out;
  ::unsetenv("CONCURRY_AUTH_TOKEN");
  // The state directory remembers the head's token for commands run here ...
  CliRun remembered = concurry_cli("status");
  EXPECT_EQ(remembered.code, 0) << remembered.err;
  // ... and nobody without it gets in (another user's state directory holds no token).
  std::string address = slurp(state_ + "/head.address");
  address = address.substr(0, address.find('\n'));
  ::setenv("CONCURRY_STATE_DIR", (state_ + "-other").c_str(), 1);
  CliRun without = concurry_cli("status --address " + address);
  ::setenv("CONCURRY_STATE_DIR", state_.c_str(), 1);
  EXPECT_EQ(without.code, 1);
  EXPECT_NE(without.err.find("refused the auth token"), std::string::npos) << without.err;
  ::chmod(file.c_str(), 0644);
  CliRun open_file = concurry_cli("status --auth-token-file " + file);
  EXPECT_EQ(open_file.code, 2);
  EXPECT_NE(open_file.err.find("chmod 600"), std::string::npos) << open_file.err;
  ::chmod(file.c_str(), 0600);
  CliRun stop = concurry_cli("stop");  // stop needs no token: it signals its own daemons
  EXPECT_EQ(stop.code, 0) << stop.err;
}

// No flags anywhere, and still closed: `start --head` made a random token only this user can
// read; the nodes, the CLI and connect() found it; a client without it is refused.
TEST_F(CliTest, AuthIsOnByDefault) {
  ::unsetenv("CONCURRY_AUTH_TOKEN");
  CliRun head = concurry_cli("start --head --port 0");
  ASSERT_EQ(head.code, 0) << head.err;
  std::string file = state_ + "/auth_token";
  struct stat st;
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::string token = slurp(file);
  token = token.substr(0, token.find('\n'));
  EXPECT_EQ(token.size(), 64u) << token;
  EXPECT_EQ(token.find_first_not_of("0123456789abcdef"), std::string::npos) << token;
  std::string address = slurp(state_ + "/head.address");
  address = address.substr(0, address.find('\n'));
  CliRun node = concurry_cli("start --resources cpu=2 --worker-lib " +
                             runfile("tests/integration/libcluster_workers.so"));
  ASSERT_EQ(node.code, 0) << node.err;
  for (const char* daemon : {"head", "node-1"}) {
    std::string pid = slurp(state_ + "/" + daemon + ".pid");
    std::string cmdline = slurp("/proc/" + std::to_string(std::stoi(pid)) + "/cmdline");
    EXPECT_EQ(cmdline.find(token), std::string::npos) << daemon << " shows the token on argv";
  }
  CliRun status = concurry_cli("status");
  EXPECT_EQ(status.code, 0) << status.err;
  EXPECT_NE(status.out.find("node-1"), std::string::npos) << status.out;
  concurry::connect({.address = address});
  auto counter = concurry::options<Counter>({.mode = "cluster"}).init(1);
  EXPECT_EQ(counter.add(1).result(concurry::Duration(30.0)), 2);
  counter.stop();
  concurry::shutdown();
  // Another user's view: no token, refused, and nothing ran.
  ::setenv("CONCURRY_STATE_DIR", (state_ + "-other").c_str(), 1);
  CliRun stranger = concurry_cli("job submit --address " + address + " -- touch " + state_ +
                                 "/ran");
  ::setenv("CONCURRY_STATE_DIR", state_.c_str(), 1);
  EXPECT_EQ(stranger.code, 1);
  EXPECT_NE(stranger.err.find("refused the auth token"), std::string::npos) << stranger.err;
  EXPECT_THROW(concurry::connect({.address = address, .auth_token = "guess"}),
               concurry::ClusterError);
  EXPECT_NE(::access((state_ + "/ran").c_str(), F_OK), 0);
  // A restarted head keeps the token: whoever has it keeps working.
  ASSERT_EQ(concurry_cli("stop").code, 0);
  ASSERT_EQ(concurry_cli("start --head --port 0").code, 0);
  std::string again = slurp(file);
  EXPECT_EQ(again.substr(0, again.find('\n')), token);
  EXPECT_EQ(concurry_cli("status").code, 0);
}

TEST_F(CliTest, BadInputIsOneLineAndANonZeroExit) {
  CliRun unknown = concurry_cli("frobnicate");
  EXPECT_EQ(unknown.code, 2);
  EXPECT_NE(unknown.err.find("unknown subcommand 'frobnicate'"), std::string::npos) << unknown.err;
  CliRun flag = concurry_cli("status --bogus");
  EXPECT_EQ(flag.code, 2);
  EXPECT_NE(flag.err.find("--bogus"), std::string::npos) << flag.err;
  CliRun top_flag = concurry_cli("--frobnicate");
  EXPECT_EQ(top_flag.code, 2);
  EXPECT_NE(top_flag.err.find("unknown option '--frobnicate'"), std::string::npos) << top_flag.err;
  CliRun port = concurry_cli("status --address 127.0.0.1:99999");
  EXPECT_EQ(port.code, 2);
  EXPECT_NE(port.err.find("the port must be a number from 1 to 65535"), std::string::npos)
      << port.err;
  CliRun utf8 = concurry_cli(R"x(call f "$(printf '["\377\376"]')")x");
  EXPECT_EQ(utf8.code, 2);
  EXPECT_NE(utf8.err.find("not valid UTF-8 (byte 2)"), std::string::npos) << utf8.err;
  CliRun no_head = concurry_cli("status");
  EXPECT_EQ(no_head.code, 1);
  EXPECT_NE(no_head.err.find("no head address"), std::string::npos) << no_head.err;
  CliRun orphan_node = concurry_cli("start --resources cpu=1");
  EXPECT_EQ(orphan_node.code, 1);
  EXPECT_NE(orphan_node.err.find("concurry start --head"), std::string::npos) << orphan_node.err;
  CliRun unreachable = concurry_cli("start --address 127.0.0.1:1");  // the node cannot register
  EXPECT_EQ(unreachable.code, 1);
  EXPECT_NE(unreachable.err.find("cannot reach head at 127.0.0.1:1"), std::string::npos)
      << unreachable.err;
  CliRun nothing = concurry_cli("stop");  // nothing half-started was left behind
  EXPECT_EQ(nothing.code, 0);
  EXPECT_NE(nothing.out.find("nothing to stop"), std::string::npos) << nothing.out;
  for (const CliRun& r : std::vector<CliRun>{unknown, flag, top_flag, port, utf8, no_head,
                                             orphan_node, unreachable}) {
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "one line: " << r.err;
  }
}

// A head and a node with a gpu, started with the CLI; returns the head's address.
std::string start_cluster() {
  CliRun head = concurry_cli("start --head --port 0");
  EXPECT_EQ(head.code, 0) << head.err;
  const std::string prefix = "head started at ";
  std::string address =
      head.out.substr(prefix.size(), head.out.find(' ', prefix.size()) - prefix.size());
  CliRun node = concurry_cli("start --resources cpu=2,gpu=1");
  EXPECT_EQ(node.code, 0) << node.err;
  return address;
}

std::string helper() { return runfile("tests/integration/cluster_client"); }
std::string lib() { return runfile("tests/integration/libcluster_workers.so"); }

TEST_F(CliTest, JobsSucceedFailAndReportTheirExitCodes) {
  std::string address = start_cluster();
  concurry::connect({.address = address, .worker_libs = {lib()}});
  auto tally = concurry::options<Counter>({.mode = "cluster", .name = "tally"}).init(41);
  ASSERT_EQ(tally.get().result(concurry::Duration(30.0)), 41);

  // The job finds the head in CONCURRY_ADDRESS and the library shipped with --lib.
  std::string dir = std::string(std::getenv("TEST_TMPDIR")) + "/work";
  ::mkdir(dir.c_str(), 0700);
  std::ofstream(dir + "/note.txt") << "shipped\n";
  CliRun ok = concurry_cli("job submit --lib " + lib() + " --working-dir " + dir +
                           " --wait -- sh -c 'cat note.txt; " + helper() +
                           " \"$CONCURRY_ADDRESS\" \"$CONCURRY_WORKER_LIBS\" get tally'");
  EXPECT_EQ(ok.code, 0) << ok.err;
  EXPECT_NE(ok.out.find("shipped"), std::string::npos) << ok.out;
  EXPECT_NE(ok.out.find("42"), std::string::npos) << ok.out;
  std::string ok_id = ok.out.substr(0, ok.out.find('\n'));
  CliRun ok_status = concurry_cli("job status --json " + ok_id);
  rapidjson::Document doc;
  doc.Parse(ok_status.out.c_str());
  ASSERT_FALSE(doc.HasParseError()) << ok_status.out;
  EXPECT_STREQ(doc["state"].GetString(), "SUCCEEDED");

  // Where the head is may also come after `submit` (and every other job subcommand).
  CliRun failed = concurry_cli("job submit --address " + address +
                               " --wait -- sh -c 'echo oops; exit 3'");
  EXPECT_EQ(failed.code, 3);
  EXPECT_NE(failed.out.find("oops"), std::string::npos) << failed.out;
  CliRun list = concurry_cli("job list");
  EXPECT_NE(list.out.find("SUCCEEDED"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("FAILED"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("exited with code 3"), std::string::npos) << list.out;
  // status lists the jobs too.
  EXPECT_NE(concurry_cli("status").out.find("jobs (2)"), std::string::npos);
  rapidjson::Document all;
  all.Parse(concurry_cli("status --json").out.c_str());
  ASSERT_FALSE(all.HasParseError());
  ASSERT_EQ(all["jobs"].Size(), 2u);
  EXPECT_STREQ(all["jobs"][1]["state"].GetString(), "FAILED");
  EXPECT_EQ(all["jobs"][1]["exit_code"].GetInt(), 3);
  tally.stop();
  concurry::shutdown();
}

TEST_F(CliTest, AStoppedJobEndsAndItsActorsAreFreed) {
  std::string address = start_cluster();
  CliRun held = concurry_cli("job submit -- " + helper() + " " + address + " " + lib() + " hold");
  ASSERT_EQ(held.code, 0) << held.err;
  std::string id = held.out.substr(0, held.out.find('\n'));
  // Follow the log until the job has made its actor (bounded).
  bool created = false;
  for (int i = 0; i < 300 && !created; ++i) {
    created = concurry_cli("job logs " + id).out.find("created") != std::string::npos;
    if (!created) ::usleep(50000);
  }
  ASSERT_TRUE(created);
  EXPECT_NE(concurry_cli("status").out.find("Counter"), std::string::npos);
  CliRun stop = concurry_cli("job stop " + id);
  EXPECT_EQ(stop.code, 0) << stop.err;
  EXPECT_NE(stop.out.find("STOPPED"), std::string::npos) << stop.out;
  // Its session ended with its process: the head stopped its actor.
  bool freed = false;
  for (int i = 0; i < 300 && !freed; ++i) {
    freed = concurry_cli("status --json").out.find("\"ALIVE\"") == std::string::npos;
    if (!freed) ::usleep(50000);
  }
  EXPECT_TRUE(freed);
}

TEST_F(CliTest, LogsFollowAJobToItsEnd) {
  start_cluster();
  CliRun job = concurry_cli("job submit -- sh -c 'echo one; sleep 1; echo two'");
  ASSERT_EQ(job.code, 0) << job.err;
  std::string id = job.out.substr(0, job.out.find('\n'));
  CliRun logs = concurry_cli("job logs --follow " + id);
  EXPECT_EQ(logs.code, 0);
  EXPECT_EQ(logs.out, "one\ntwo\n");
}

TEST_F(CliTest, BadJobInputIsOneLineAndANonZeroExit) {
  start_cluster();
  CliRun missing = concurry_cli("job status job-99");
  EXPECT_EQ(missing.code, 1);
  EXPECT_NE(missing.err.find("no job 'job-99'"), std::string::npos) << missing.err;
  CliRun cannot = concurry_cli("job submit -- /no/such/program");
  EXPECT_EQ(cannot.code, 1);
  EXPECT_NE(cannot.err.find("cannot start '/no/such/program'"), std::string::npos) << cannot.err;
  CliRun nothing = concurry_cli("job submit");
  EXPECT_EQ(nothing.code, 2);
  // A working directory never ships what lies outside it, and its loops end.
  std::string tree = std::string(std::getenv("TEST_TMPDIR")) + "/tree";
  ::mkdir(tree.c_str(), 0700);
  std::ofstream(tree + "/inside.txt") << "ok\n";
  ::symlink("/etc/passwd", (tree + "/escape").c_str());
  CliRun escape = concurry_cli("job submit --working-dir " + tree + " -- true");
  EXPECT_EQ(escape.code, 1);
  EXPECT_NE(escape.err.find("escape is a link that leaves the directory (to /etc/passwd)"),
            std::string::npos) << escape.err;
  ::unlink((tree + "/escape").c_str());
  ::symlink("loop-b", (tree + "/loop-a").c_str());
  ::symlink("loop-a", (tree + "/loop-b").c_str());
  CliRun loop = concurry_cli("job submit --working-dir " + tree + " -- true");  // once hung
  EXPECT_EQ(loop.code, 1);
  EXPECT_NE(loop.err.find("a loop of links"), std::string::npos) << loop.err;
  ::unlink((tree + "/loop-a").c_str());
  ::unlink((tree + "/loop-b").c_str());
  ::symlink(".", (tree + "/self").c_str());
  CliRun self = concurry_cli("job submit --working-dir " + tree + " -- true");
  EXPECT_EQ(self.code, 1);
  EXPECT_NE(self.err.find("self is a link to a directory"), std::string::npos) << self.err;
  ::unlink((tree + "/self").c_str());
  ::symlink("inside.txt", (tree + "/alias.txt").c_str());
  CliRun alias = concurry_cli("job submit --working-dir " + tree +
                              " --wait -- sh -c 'cat alias.txt'");
  EXPECT_EQ(alias.code, 0) << alias.err;
  EXPECT_NE(alias.out.find("ok"), std::string::npos) << alias.out;
  for (const CliRun& r : std::vector<CliRun>{missing, cannot, nothing, escape, loop, self}) {
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "one line: " << r.err;
  }
}

TEST_F(CliTest, CallRunsFunctionsAndNamedActorMethodsInJson) {
  std::string address = start_cluster();  // its node has no worker library preloaded
  // A registered function, its library shipped with --lib.
  CliRun square = concurry_cli("call --lib " + lib() + " cluster_square '[9]'");
  EXPECT_EQ(square.code, 0) << square.err;
  EXPECT_EQ(square.out, "81\n");

  // A named actor's method: the same instance a program holds, its state shared.
  concurry::connect({.address = address, .worker_libs = {lib()}});
  auto tally = concurry::options<Counter>({.mode = "cluster", .name = "tally"}).init(41);
  ASSERT_EQ(tally.get().result(concurry::Duration(30.0)), 41);
  CliRun add = concurry_cli("call --actor tally add '[1]'");
  EXPECT_EQ(add.code, 0) << add.err;
  EXPECT_EQ(add.out, "42\n");
  EXPECT_EQ(tally.get().result(concurry::Duration(30.0)), 42);
  CliRun noop = concurry_cli("call --actor tally noop");
  EXPECT_EQ(noop.code, 0) << noop.err;
  EXPECT_EQ(noop.out, "null\n");

  // JSON that does not fit: exit 2, naming the argument, the type and what was given.
  CliRun wrong_type = concurry_cli("call --actor tally add '[\"one\"]'");
  EXPECT_EQ(wrong_type.code, 2);
  EXPECT_NE(wrong_type.err.find("Counter::add: argument 1 must be int; got the string \"one\""),
            std::string::npos) << wrong_type.err;
  CliRun bad_json = concurry_cli("call --actor tally add '[1'");
  EXPECT_EQ(bad_json.code, 2);
  EXPECT_NE(bad_json.err.find("not valid JSON"), std::string::npos) << bad_json.err;
  CliRun too_many = concurry_cli("call cluster_square '[1, 2]'");
  EXPECT_EQ(too_many.code, 2);
  EXPECT_NE(too_many.err.find("cluster_square(int) takes 1 argument; got 2"), std::string::npos)
      << too_many.err;
  // What the cluster says no to: exit 1, naming it.
  CliRun threw = concurry_cli("call --actor tally fail '[\"no luck\"]'");
  EXPECT_EQ(threw.code, 1);
  EXPECT_NE(threw.err.find("Counter::fail raised std::out_of_range: no luck"), std::string::npos)
      << threw.err;
  CliRun no_method = concurry_cli("call --actor tally multiply '[2]'");
  EXPECT_EQ(no_method.code, 1);
  EXPECT_NE(no_method.err.find("multiply"), std::string::npos) << no_method.err;
  CliRun no_actor = concurry_cli("call --actor ghost get");
  EXPECT_EQ(no_actor.code, 1);
  EXPECT_NE(no_actor.err.find("ghost"), std::string::npos) << no_actor.err;
  CliRun no_function = concurry_cli("call cluster_cube '[2]'");
  EXPECT_EQ(no_function.code, 1);
  EXPECT_NE(no_function.err.find("no function named 'cluster_cube'"), std::string::npos)
      << no_function.err;
  CliRun late = concurry_cli("call --timeout 0.2 --actor tally slow '[2000]'");
  EXPECT_EQ(late.code, 1);
  EXPECT_NE(late.err.find("tally.slow did not finish within --timeout"), std::string::npos)
      << late.err;
  CliRun no_head = concurry_cli("call --address 127.0.0.1:1 cluster_square '[1]'");
  EXPECT_EQ(no_head.code, 1);
  EXPECT_NE(no_head.err.find("cannot reach the head at 127.0.0.1:1"), std::string::npos)
      << no_head.err;
  for (const CliRun& r : std::vector<CliRun>{wrong_type, bad_json, too_many, threw, no_method,
                                            no_actor, no_function, late, no_head}) {
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "one line: " << r.err;
  }
  // The actor kept serving through all of it.
  EXPECT_EQ(tally.add(1).result(concurry::Duration(30.0)), 43);
  tally.stop();
  concurry::shutdown();
}

TEST_F(CliTest, ASecondHeadIsRefusedWhileTheFirstRuns) {
  ASSERT_EQ(concurry_cli("start --head --port 0").code, 0);
  CliRun again = concurry_cli("start --head --port 0");
  EXPECT_EQ(again.code, 1);
  EXPECT_NE(again.err.find("already running"), std::string::npos) << again.err;
}

}  // namespace
