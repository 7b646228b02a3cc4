// concurry-node: one per machine. Serves the Node service (hosts actors), registers with the
// head and heartbeats.
//   concurry-node --head HOST:PORT [--resources cpu=4,gpu=0,mem_gb=8] [--worker-lib PATH]...
//                 [--host 127.0.0.1] [--port 0] [--auth-token-file F]
//                 [--tls-cert C --tls-key K [--tls-ca CA]] [--insecure]
// A host other than loopback needs a token or mutual TLS, unless --insecure.
// Prints "concurry-node NODE_ID listening on ADDR, registered with HEAD" once registered;
// SIGTERM/SIGINT stop it.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "concurry/cluster/common/address.h"
#include "concurry/cluster/common/auth.h"
#include "concurry/cluster/common/stop_signals.h"
#include "concurry/cluster/node/node_agent.h"
#include "concurry/cluster/node/node_server.h"
#include "concurry/core/errors.h"
#include "tools/security_flags.h"

int main(int argc, char** argv) {
  concurry::internal::NodeConfig config;
  concurry::tools::SecurityFlags security;
  const char* env_head = std::getenv("CONCURRY_ADDRESS");
  if (env_head) config.head = env_head;
  concurry::internal::NodeServerConfig server_config;
  std::string resources;
  double connect_timeout = 5.0;
  CLI::App app("concurry-node: a concurry cluster node (registers its resources with the head)",
               "concurry-node");
  app.add_option("--head", config.head, "the head's HOST:PORT (default: $CONCURRY_ADDRESS)");
  app.add_option("--resources", resources,
                 "resources this node offers, e.g. cpu=4,gpu=0,mem_gb=8 (default: cpu = cores)");
  app.add_option("--worker-lib", server_config.worker_libs,
                 "a worker library (.so) to load at start; repeatable (clients can also ship "
                 "theirs through the head)")
      ->check(CLI::ExistingFile);
  app.add_option("--host", server_config.host, "address to serve actors on (default 127.0.0.1)");
  app.add_option("--port", server_config.port, "port to serve actors on (default 0: a free one)")
      ->check(CLI::Range(0, 65535));
  app.add_option("--lib-cache", server_config.lib_cache_dir,
                 "directory for worker libraries fetched from the head "
                 "(default $TMPDIR/concurry-libs-UID)");
  security.add_to(&app);
  app.add_flag("--insecure", server_config.insecure,
               "serve a non-loopback --host with neither a token nor mutual TLS (anyone who can "
               "reach it can run code as this user)");
  app.add_option("--connect-timeout", connect_timeout, "seconds to wait for the head")
      ->check(CLI::PositiveNumber);
  try {
    app.parse(argc, argv);
    if (config.head.empty()) throw CLI::RequiredError("--head (or $CONCURRY_ADDRESS)");
    concurry::internal::check_address(config.head, "--head");
    config.credentials = security.load(config.head);
    config.resources = resources.empty()
                           ? std::map<std::string, double>{{"cpu", static_cast<double>(
                                                                      std::thread::hardware_concurrency())}}
                           : concurry::internal::parse_resources(resources);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "concurry-node: error: %s (see --help)\n", e.what());
    return 2;
  } catch (const concurry::Error& e) {
    std::fprintf(stderr, "concurry-node: error: %s\n", e.what());
    return 2;
  }
  config.connect_timeout = concurry::Duration(connect_timeout);

  concurry::internal::StopSignals stop_signals;  // before any thread starts

  server_config.head = config.head;
  server_config.credentials = config.credentials;
  concurry::internal::NodeServer server(server_config);
  std::string id;
  try {
    config.address = server.start();
  } catch (const concurry::InvalidOptionError& e) {
    std::fprintf(stderr, "concurry-node: error: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "concurry-node: error: %s\n", e.what());
    return 1;
  }
  config.lease = &server.lease();
  concurry::internal::NodeAgent agent(config);
  try {
    id = agent.register_with_head();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "concurry-node: error: %s\n", e.what());
    return 1;
  }
  std::printf("concurry-node %s listening on %s, registered with %s\n", id.c_str(),
              config.address.c_str(), config.head.c_str());
  std::fflush(stdout);

  std::atomic<bool> stop{false};
  std::atomic<int> failed{0};
  std::thread heartbeats([&] {
    try {
      agent.heartbeat_until(stop);
    } catch (const std::exception& e) {
      // Declared dead, or the head stayed unreachable: calls already wait at the lease (none runs
      // again here). Exit at once, as after a crash: clients see their streams break and retry
      // where the head places the actors now. A graceful stop would answer queued calls
      // "stopped", which no retry covers.
      std::fprintf(stderr, "concurry-node: error: %s; exiting\n", e.what());
      std::fflush(stderr);
      ::_exit(1);
    }
  });
  stop_signals.wait();
  stop = true;
  heartbeats.join();
  server.shutdown();
  return failed.load();
}
