// A second client program for the cluster tests: what another process sees of the cluster.
//   cluster_client ADDRESS LIB get NAME   adds 1 to the named Counter, prints the new count
//   cluster_client ADDRESS LIB orphan     creates an unnamed Counter needing gpu: 1, prints
//                                         "created", then dies without disconnecting
//   cluster_client ADDRESS LIB hold       creates an unnamed Counter needing gpu: 1, prints
//                                         "created", then waits (until it is killed)
//   cluster_client ADDRESS LIB pool NAME N MS   makes N calls slow(MS) to the named pool at
//                                         once, prints "sent", then "done" when all answered
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "concurry/concurry.h"
#include "tests/integration/cluster_workers.h"

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: cluster_client ADDRESS LIB get NAME | orphan\n");
    return 2;
  }
  try {
    concurry::connect({.address = argv[1], .worker_libs = {argv[2]}});
    std::string what = argv[3];
    if (what == "get" && argc == 5) {
      auto counter = concurry::get_actor<Counter>(argv[4]);
      std::printf("%d\n", counter.add(1).result(concurry::Duration(30.0)));
      std::fflush(stdout);
      concurry::shutdown();
      return 0;
    }
    if (what == "pool" && argc == 7) {
      auto pool = concurry::get_pool<Counter>(argv[4]);
      std::vector<concurry::Future<int>> calls;
      for (int i = 0; i < std::atoi(argv[5]); ++i) calls.push_back(pool.slow(std::atoi(argv[6])));
      std::printf("sent\n");
      std::fflush(stdout);
      for (auto& call : calls) call.result(concurry::Duration(60.0));
      std::printf("done\n");
      std::fflush(stdout);
      concurry::shutdown();
      return 0;
    }
    if (what == "hold") {
      auto counter =
          concurry::options<Counter>({.mode = "cluster", .resources = {{"gpu", 1}}}).init(0);
      counter.get().result(concurry::Duration(30.0));
      std::printf("created\n");
      std::fflush(stdout);
      for (;;) ::pause();
    }
    if (what == "orphan") {
      auto counter =
          concurry::options<Counter>({.mode = "cluster", .resources = {{"gpu", 1}}}).init(0);
      counter.get().result(concurry::Duration(30.0));
      std::printf("created\n");
      std::fflush(stdout);
      std::_Exit(0);  // no shutdown, no destructors: as if the client crashed
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cluster_client: %s\n", e.what());
    return 1;
  }
  return 2;
}
