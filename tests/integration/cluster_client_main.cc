// A second client program for the cluster tests: what another process sees of the cluster.
//   cluster_client ADDRESS LIB get NAME   adds 1 to the named Counter, prints the new count
//   cluster_client ADDRESS LIB orphan     creates an unnamed Counter needing gpu: 1, prints
//                                         "created", then dies without disconnecting
#include <cstdio>
#include <cstdlib>
#include <string>

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
