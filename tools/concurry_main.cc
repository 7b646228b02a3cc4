// concurry: the command line of a concurry cluster.
//   concurry start --head [--port 7070] [--host 127.0.0.1]      start a head in the background
//   concurry start --address HOST:PORT [--resources cpu=4,...] [--worker-lib PATH]...
//                                                               start a node in the background
//   concurry stop                                               stop what `start` started
//   concurry status [--address HOST:PORT] [--json]              nodes and actors
// --address and --auth-token also come from CONCURRY_ADDRESS and CONCURRY_AUTH_TOKEN. Pid files
// and logs live in $CONCURRY_STATE_DIR (default /tmp/concurry-UID). Exit codes: 0 done, 1 the
// cluster said no (or is not there), 2 bad usage.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

#include "tools/cli/launcher.h"
#include "tools/cli/state_dir.h"
#include "tools/cli/status.h"

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
  std::string token = env("CONCURRY_AUTH_TOKEN");
  std::string resources;
  std::vector<std::string> worker_libs;
  bool json = false;
};

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
            "--host", a.host};
  } else {
    std::string address = a.address.empty() ? state.head_address().value_or("") : a.address;
    if (address.empty()) {
      return fail("start a node with --address HOST:PORT (or CONCURRY_ADDRESS), or start a "
                  "head first with: concurry start --head");
    }
    name = state.next_node_name();
    ready = "registered with";
    argv = {concurry::cli::sibling_program("concurry-node"), "--head", address};
    if (!a.resources.empty()) argv.insert(argv.end(), {"--resources", a.resources});
    for (const auto& lib : a.worker_libs) argv.insert(argv.end(), {"--worker-lib", lib});
  }
  if (!a.token.empty()) argv.insert(argv.end(), {"--auth-token", a.token});
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
  StateDir state;
  std::string address = a.address.empty() ? state.head_address().value_or("") : a.address;
  if (address.empty()) {
    return fail("no head address: pass --address HOST:PORT, set CONCURRY_ADDRESS, or start a "
                "head with: concurry start --head");
  }
  try {
    std::fputs(concurry::cli::cluster_status(address, a.token, a.json).c_str(), stdout);
  } catch (const std::exception& e) {
    return fail(e.what());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && argv[1][0] != '-') {
    std::string sub = argv[1];
    if (sub != "start" && sub != "stop" && sub != "status") {
      std::fprintf(stderr, "concurry: error: unknown subcommand '%s'; available: start, stop, "
                           "status (see concurry --help)\n", sub.c_str());
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
      ->check(CLI::ExistingFile);
  start_cmd->add_option("--auth-token", a.token, "the cluster's token ($CONCURRY_AUTH_TOKEN)");
  app.add_subcommand("stop", "stop the daemons `concurry start` started");
  auto* status_cmd = app.add_subcommand("status", "nodes and actors of the cluster");
  status_cmd->add_option("--address", a.address, "the head (default: $CONCURRY_ADDRESS, or the "
                                                  "head started here)");
  status_cmd->add_option("--auth-token", a.token, "the cluster's token ($CONCURRY_AUTH_TOKEN)");
  status_cmd->add_flag("--json", a.json, "one JSON object, for scripts");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "concurry: error: %s (see concurry --help)\n", e.what());
    return 2;
  }
  if (start_cmd->parsed()) {
    if (a.head && !a.resources.empty()) {
      std::fprintf(stderr, "concurry: error: --resources is for nodes; a head offers none\n");
      return 2;
    }
    return start(a);
  }
  if (status_cmd->parsed()) return status(a);
  return stop();
}
