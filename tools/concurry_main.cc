// concurry: the command line of a concurry cluster.
//   concurry start --head [--port 7070] [--host 127.0.0.1]      start a head in the background
//   concurry start --address HOST:PORT [--resources cpu=4,...] [--worker-lib PATH]...
//                                                               start a node in the background
//   concurry stop                                               stop what `start` started
//   concurry status [--address HOST:PORT] [--json]              nodes, actors, pools, jobs
//   concurry job submit [--lib PATH]... [--working-dir DIR] [--wait] -- COMMAND ARGS...
//   concurry job status|logs [--follow]|stop JOB_ID,  concurry job list [--json]
//   concurry call [--lib PATH]... FUNCTION [JSON_ARGS]          a registered function
//   concurry call --actor NAME METHOD [JSON_ARGS]               a named actor's method
// --address and the credentials (--auth-token[-file], --tls-cert/--tls-key/--tls-ca) also come
// from CONCURRY_ADDRESS, CONCURRY_AUTH_TOKEN[_FILE] and CONCURRY_TLS_*. `start --head` makes a
// random token (auth_token, 0600) that the head, the nodes `start` starts, and every command
// for that head then use. Pid files, logs and the token live in $CONCURRY_STATE_DIR (default
// /tmp/concurry-UID, private). Exit codes: 0 done, 1 the cluster said no (or is not there),
// 2 bad usage.
#include <sys/stat.h>

#include <grpc/support/log.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

#include "concurry/cluster/common/address.h"
#include "concurry/cluster/common/auth.h"
#include "concurry/cluster/common/default_credentials.h"
#include "concurry/core/errors.h"
#include "tools/cli/call.h"
#include "tools/cli/head_rpc.h"
#include "tools/cli/json_text.h"
#include "tools/cli/jobs.h"
#include "tools/cli/launcher.h"
#include "tools/cli/state_dir.h"
#include "tools/cli/status.h"
#include "tools/security_flags.h"

namespace {

using concurry::cli::StateDir;

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

int fail(const std::string& what) {
  std::fprintf(stderr, "concurry: error: %s\n", what.c_str());
  return 1;
}

struct Args {
  bool head = false;
  int port = 7070;
  std::string host = "127.0.0.1";
  std::string address = env("CONCURRY_ADDRESS");
  concurry::tools::SecurityFlags security;
  std::string resources;
  std::vector<std::string> worker_libs;
  bool json = false;
  // job
  std::vector<std::string> command;
  std::string working_dir;
  bool wait = false;
  bool follow = false;
  std::string job_id;
  // call
  std::string actor;
  std::string call_target;  // FUNCTION, or METHOD with --actor
  std::string json_args = "[]";
  double timeout_s = 0;
};

// The head's address: --address, $CONCURRY_ADDRESS, or the head `start --head` recorded.
std::string head_address(const Args& a) {
  if (!a.address.empty()) {
    concurry::internal::check_address(a.address, "--address");
    return a.address;
  }
  return StateDir().head_address().value_or("");
}

// The credentials for the head at `address` (read after parsing; throws InvalidOptionError).
concurry::internal::Credentials credentials(const Args& a, const std::string& address) {
  return a.security.load(address);
}

const char* kNoHead = "no head address: pass --address HOST:PORT, set CONCURRY_ADDRESS, or start "
                      "a head with: concurry start --head";

int job(const Args& a, const std::string& what) {
  concurry::cli::JobClient client{head_address(a), {}};
  if (client.address.empty()) return fail(kNoHead);
  client.credentials = credentials(a, client.address);
  try {
    if (what == "submit") {
      std::string id = client.submit(a.command, a.working_dir, a.worker_libs);
      int code = 0;
      std::string state = client.status(id, /*json=*/false, &code);
      if (state.find("cannot start") != std::string::npos) {
        return fail(state.substr(state.find("cannot start"), state.rfind(')') -
                                                                 state.find("cannot start")) +
                    " (" + id + ")");
      }
      std::printf("%s\n", id.c_str());
      std::fflush(stdout);
      if (!a.wait) return 0;
      client.logs(id, /*follow=*/true);
      std::string line = client.status(id, false, &code);
      std::fprintf(stderr, "concurry: %s\n", line.c_str());
      return code;
    }
    if (what == "logs") {
      client.logs(a.job_id, a.follow);
      return 0;
    }
    if (what == "status") {
      std::printf("%s\n", client.status(a.job_id, a.json, nullptr).c_str());
      return 0;
    }
    if (what == "stop") {
      std::printf("%s\n", client.stop(a.job_id).c_str());
      return 0;
    }
    std::fputs(client.list(a.json).c_str(), stdout);
    return 0;
  } catch (const std::exception& e) {
    return fail(e.what());
  }
}

// The head's token file: the one in the state directory when a head started here made one
// (so that nodes and clients that have it keep working after a restart of the head), the
// token given (flag, file or environment) when there is one, else a fresh random token.
std::string head_token_file(const StateDir& state, const Args& a) {
  std::string file = state.file(concurry::internal::kTokenFileName);
  std::string given = a.security.token;
  if (given.empty() && !a.security.token_file.empty()) {
    given = concurry::internal::read_token_file(a.security.token_file);
  }
  if (given.empty()) given = concurry::internal::default_token("");  // the environment's
  if (given.empty()) {
    struct stat st;
    if (::lstat(file.c_str(), &st) == 0) {
      concurry::internal::read_token_file(file);  // refused when not private
      return file;
    }
    given = concurry::internal::random_token();
  }
  state.write_private(concurry::internal::kTokenFileName, given);
  return file;
}

int start(const Args& a) {
  StateDir state;
  std::vector<std::string> argv;
  std::string name, ready;
  if (a.head) {
    if (auto running = state.head_address()) {
      for (const auto& [n, pid] : state.daemons()) {
        if (n == "head" && concurry::cli::alive(pid)) {
          return fail("a head started here is already running at " + *running +
                      " (pid " + std::to_string(pid) + "); concurry stop first");
        }
      }
    }
    name = "head";
    ready = "listening on";
    argv = {concurry::cli::sibling_program("concurry-head"), "--port", std::to_string(a.port),
            "--host", a.host, "--auth-token-file", head_token_file(state, a)};
  } else {
    std::string address = head_address(a);
    if (address.empty()) {
      return fail("start a node with --address HOST:PORT (or CONCURRY_ADDRESS), or start a "
                  "head first with: concurry start --head");
    }
    name = state.next_node_name();
    ready = "registered with";
    argv = {concurry::cli::sibling_program("concurry-node"), "--head", address};
    // The token reaches the node in its environment, never on its command line (`ps` shows
    // argv to every user; /proc/PID/environ only to the owner).
    std::string token = credentials(a, address).token;
    if (!token.empty()) ::setenv("CONCURRY_AUTH_TOKEN", token.c_str(), 1);
    if (!a.resources.empty()) argv.insert(argv.end(), {"--resources", a.resources});
    for (const auto& lib : a.worker_libs) argv.insert(argv.end(), {"--worker-lib", lib});
  }
  // TLS files (paths, not secrets) go to the daemon as flags; checked here first.
  credentials(a, "");
  const auto& tls = a.security.tls;
  if (!tls.cert.empty()) argv.insert(argv.end(), {"--tls-cert", tls.cert, "--tls-key", tls.key});
  if (!tls.ca.empty()) argv.insert(argv.end(), {"--tls-ca", tls.ca});
  std::string log = state.file(name + ".log");
  concurry::cli::Launched launched;
  try {
    launched = concurry::cli::launch(argv, log, ready, 15.0);
  } catch (const std::exception& e) {
    return fail(e.what());
  }
  state.write(name + ".pid", std::to_string(launched.pid));
  if (a.head) {
    std::string address = launched.ready_line.substr(launched.ready_line.rfind(' ') + 1);
    state.write("head.address", address);
    std::printf("head started at %s (pid %d); log: %s\n", address.c_str(), launched.pid,
                log.c_str());
    std::printf("start nodes with: concurry start --address %s\n", address.c_str());
  } else {
    std::printf("%s started (pid %d): %s; log: %s\n", name.c_str(), launched.pid,
                launched.ready_line.c_str(), log.c_str());
  }
  return 0;
}

int stop() {
  StateDir state;
  auto daemons = state.daemons();
  if (daemons.empty()) {
    std::printf("nothing to stop (no daemons recorded in %s)\n", state.path().c_str());
    return 0;
  }
  int failed = 0;
  for (const auto& [name, pid] : daemons) {
    bool was_running = concurry::cli::alive(pid);
    if (concurry::cli::terminate(pid, 10.0)) {
      std::printf("stopped %s (pid %d)%s\n", name.c_str(), pid,
                  was_running ? "" : " (it was not running)");
      state.remove_daemon(name);
    } else {
      std::fprintf(stderr, "concurry: error: %s (pid %d) did not stop\n", name.c_str(), pid);
      failed = 1;
    }
  }
  return failed;
}

int status(const Args& a) {
  std::string address = head_address(a);
  if (address.empty()) return fail(kNoHead);
  concurry::cli::HeadRpc head{address, credentials(a, address)};
  try {
    std::fputs(concurry::cli::cluster_status(head, a.json).c_str(), stdout);
  } catch (const std::exception& e) {
    return fail(e.what());
  }
  return 0;
}

int call(const Args& a) {
  if (size_t at = concurry::cli::invalid_utf8_at(a.json_args); at != std::string::npos) {
    std::fprintf(stderr, "concurry: error: JSON_ARGS is not valid UTF-8 (byte %zu); JSON text "
                         "must be UTF-8\n", at);
    return 2;
  }
  std::string address = head_address(a);
  if (address.empty()) return fail(kNoHead);
  concurry::cli::CallSpec spec;
  (a.actor.empty() ? spec.function : spec.method) = a.call_target;
  spec.actor = a.actor;
  spec.json_args = a.json_args;
  spec.libs = a.worker_libs;
  spec.timeout_s = a.timeout_s;
  concurry::cli::HeadRpc head{address, credentials(a, address)};
  try {
    std::printf("%s\n", concurry::cli::call_on_cluster(head, spec).c_str());
  } catch (const concurry::cli::CallFailed& e) {
    std::fprintf(stderr, "concurry: error: %s\n", e.what());
    return e.exit_code();
  } catch (const std::exception& e) {
    return fail(e.what());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // gRPC's own log lines (a failed TLS handshake, ...) would come before our one-line error,
  // which says the same with its cause.
  gpr_set_log_function([](gpr_log_func_args*) {});
  if (argc > 1 && argv[1][0] == '-' && std::string(argv[1]) != "-h" &&
      std::string(argv[1]) != "--help") {
    std::fprintf(stderr, "concurry: error: unknown option '%s'; options come after a "
                         "subcommand: start, stop, status, job, call (see concurry --help)\n",
                 argv[1]);
    return 2;
  }
  if (argc > 1 && argv[1][0] != '-') {
    std::string sub = argv[1];
    if (sub != "start" && sub != "stop" && sub != "status" && sub != "job" && sub != "call") {
      std::fprintf(stderr, "concurry: error: unknown subcommand '%s'; available: start, stop, "
                           "status, job, call (see concurry --help)\n", sub.c_str());
      return 2;
    }
  }
  Args a;
  CLI::App app("concurry: run and inspect a concurry cluster", "concurry");
  app.require_subcommand(1);
  auto* start_cmd = app.add_subcommand("start", "start a head (--head) or a node (--address) in "
                                                "the background");
  start_cmd->add_flag("--head", a.head, "start the cluster's head");
  start_cmd->add_option("--port", a.port, "the head's port (0: a free one)")
      ->check(CLI::Range(0, 65535));
  start_cmd->add_option("--host", a.host, "the head's address to bind");
  start_cmd->add_option("--address", a.address, "the head a node joins (default: "
                                                 "$CONCURRY_ADDRESS, or the head started here)");
  start_cmd->add_option("--resources", a.resources, "what a node offers, e.g. cpu=4,gpu=1");
  start_cmd->add_option("--worker-lib", a.worker_libs, "a worker library a node preloads")
      ->allow_extra_args(false)
      ->check(CLI::ExistingFile);
  a.security.add_to(start_cmd);
  app.add_subcommand("stop", "stop the daemons `concurry start` started");
  auto* status_cmd = app.add_subcommand("status", "nodes, actors, pools and jobs of the cluster");
  status_cmd->add_option("--address", a.address, "the head (default: $CONCURRY_ADDRESS, or the "
                                                  "head started here)");
  a.security.add_to(status_cmd);
  status_cmd->add_flag("--json", a.json, "one JSON object, for scripts");
  auto* job_cmd = app.add_subcommand("job", "run programs on the cluster as jobs");
  job_cmd->require_subcommand(1);
  auto* call_cmd = app.add_subcommand(
      "call", "run a registered function (FUNCTION JSON_ARGS) or a named actor's method "
              "(--actor NAME METHOD JSON_ARGS); arguments as a JSON array, the result printed "
              "as JSON");
  call_cmd->add_option("--actor", a.actor, "the named actor whose METHOD to call");
  call_cmd->add_option("--lib", a.worker_libs, "a worker library the function lives in, shipped "
                                               "to the node first")
      ->allow_extra_args(false)
      ->check(CLI::ExistingFile);
  call_cmd->add_option("--timeout", a.timeout_s, "seconds to wait for the result (0: no limit)")
      ->check(CLI::NonNegativeNumber);
  call_cmd->add_option("target", a.call_target, "FUNCTION, or METHOD with --actor")->required();
  call_cmd->add_option("json_args", a.json_args, "the arguments as one JSON array, e.g. "
                                                 "'[1, \"x\"]' (default [])");
  auto* submit_cmd = job_cmd->add_subcommand("submit", "run COMMAND ARGS... as a job (after --)");
  submit_cmd->add_option("--lib", a.worker_libs, "a worker library shipped with the job")
      ->check(CLI::ExistingFile);
  submit_cmd->add_option("--working-dir", a.working_dir, "a directory shipped as the job's "
                                                          "working directory")
      ->check(CLI::ExistingDirectory);
  submit_cmd->add_flag("--wait", a.wait, "follow the job's log and exit with its exit code");
  submit_cmd->add_option("command", a.command, "the entrypoint and its arguments")->required();
  auto* job_status_cmd = job_cmd->add_subcommand("status", "a job's state");
  job_status_cmd->add_option("job_id", a.job_id, "the job")->required();
  job_status_cmd->add_flag("--json", a.json, "as JSON");
  auto* logs_cmd = job_cmd->add_subcommand("logs", "a job's output");
  logs_cmd->add_option("job_id", a.job_id, "the job")->required();
  logs_cmd->add_flag("--follow", a.follow, "keep printing until the job ends");
  auto* job_stop_cmd = job_cmd->add_subcommand("stop", "stop a job (its process group and actors)");
  job_stop_cmd->add_option("job_id", a.job_id, "the job")->required();
  auto* list_cmd = job_cmd->add_subcommand("list", "every job of the head");
  list_cmd->add_flag("--json", a.json, "as JSON");
  // Where to reach the head, accepted before or after the job subcommand alike.
  for (auto* cmd : {job_cmd, call_cmd, submit_cmd, job_status_cmd, logs_cmd, job_stop_cmd,
                    list_cmd}) {
    cmd->add_option("--address", a.address, "the head (default: $CONCURRY_ADDRESS, or the head "
                                            "started here)");
    a.security.add_to(cmd);
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "concurry: error: %s (see concurry --help)\n", e.what());
    return 2;
  }
  try {
    if (start_cmd->parsed()) {
      if (a.head && !a.resources.empty()) {
        std::fprintf(stderr, "concurry: error: --resources is for nodes; a head offers none\n");
        return 2;
      }
      return start(a);
    }
    if (status_cmd->parsed()) return status(a);
    if (call_cmd->parsed()) return call(a);
    if (job_cmd->parsed()) {
      for (auto* sub : job_cmd->get_subcommands()) return job(a, sub->get_name());
    }
    return stop();
  } catch (const concurry::InvalidOptionError& e) {  // a bad token or TLS file
    std::fprintf(stderr, "concurry: error: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {  // e.g. a state directory that is not private
    return fail(e.what());
  }
}
