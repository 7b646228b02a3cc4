// concurry-head: one per cluster. Node registry with heartbeats and cluster status.
//   concurry-head --port 0 [--host 127.0.0.1] [--auth-token-file F] [--heartbeat-timeout 3]
//                 [--tls-cert C --tls-key K [--tls-ca CA]] [--insecure]
// (the token also comes from $CONCURRY_AUTH_TOKEN or --auth-token T). A host other than loopback
// needs a token or mutual TLS, unless --insecure.
// Prints "concurry-head listening on HOST:PORT" as its first line; SIGTERM/SIGINT stop it.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "concurry/cluster/common/auth.h"
#include "concurry/cluster/common/stop_signals.h"
#include "concurry/cluster/head/head_server.h"
#include "concurry/core/errors.h"
#include "tools/security_flags.h"

int main(int argc, char** argv) {
  concurry::internal::HeadConfig config;
  config.port = 7070;
  concurry::tools::SecurityFlags security;
  double timeout = 3.0;
  CLI::App app("concurry-head: the head of a concurry cluster (node registry, heartbeats, status)",
               "concurry-head");
  app.add_option("--port", config.port, "port to listen on; 0 picks a free one")
      ->check(CLI::Range(0, 65535));
  app.add_option("--host", config.host, "address to bind (loopback by default)");
  security.add_to(&app);
  app.add_flag("--insecure", config.insecure,
               "serve a non-loopback --host with neither a token nor mutual TLS (anyone who can "
               "reach it can run code as this user)");
  app.add_option("--history-max", config.history.max_count,
                 "dead nodes, stopped actors and finished jobs kept for status, of each kind "
                 "(the oldest are forgotten first)")
      ->capture_default_str();
  double history_age = 0;
  app.add_option("--history-max-age", history_age,
                 "seconds after which an ended node, actor or job is forgotten (0: no limit)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--heartbeat-timeout", timeout,
                 "seconds of silence after which a node is declared dead")
      ->check(CLI::PositiveNumber);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "concurry-head: error: %s (see --help)\n", e.what());
    return 2;
  }
  try {
    config.credentials = security.load("");
  } catch (const concurry::Error& e) {
    std::fprintf(stderr, "concurry-head: error: %s\n", e.what());
    return 2;
  }
  config.heartbeat_timeout = concurry::Duration(timeout);
  config.history.max_age = concurry::Duration(history_age);

  concurry::internal::StopSignals stop_signals;  // before any thread starts

  concurry::internal::HeadServer head(config);
  std::string address;
  try {
    address = head.start();
  } catch (const concurry::InvalidOptionError& e) {
    std::fprintf(stderr, "concurry-head: error: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "concurry-head: error: %s\n", e.what());
    return 1;
  }
  std::printf("concurry-head listening on %s\n", address.c_str());
  std::fflush(stdout);
  int signal = stop_signals.wait();
  head.shutdown();
  std::fprintf(stderr, "concurry-head: stopped (%s)\n", signal == SIGINT ? "SIGINT" : "SIGTERM");
  return 0;
}
