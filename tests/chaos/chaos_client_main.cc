// The chaos tests' second client: holds actors under load until it is killed.
//   chaos_client ADDRESS LIB N CPU
// connects (shipping LIB), creates N unnamed ChaosSink actors asking `cpu: CPU` each, runs a
// pipelined load on them (two threads, bounded windows), prints "loaded CALLS RATE" once 2,000
// calls have answered, and goes on until killed. Exit 1 with a line on stderr on any failure.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "concurry/concurry.h"
#include "tests/chaos/chaos_workers.h"
#include "tests/chaos/load.h"

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: chaos_client ADDRESS LIB N CPU\n");
    return 2;
  }
  try {
    concurry::connect({.address = argv[1], .worker_libs = {argv[2]}});
    const int n = std::atoi(argv[3]);
    concurry::Options o{.mode = "cluster", .resources = {{"cpu", std::atof(argv[4])}},
                        .placement = "spread"};
    std::vector<concurry::Handle<ChaosSink>> sinks;
    for (int i = 0; i < n; ++i) sinks.push_back(concurry::options<ChaosSink>(o).init());
    chaos::Load load(n, [&](int t, int64_t seq) { return sinks[t].work(seq); }, 2, 32);
    load.start();
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (load.completed() < 2000 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (load.completed() < 2000) {
      std::fprintf(stderr, "chaos_client: only %ld calls answered in 30 s\n", load.completed());
      std::_Exit(1);
    }
    std::printf("loaded %ld %.0f\n", load.completed(), load.rate());
    std::fflush(stdout);
    for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));  // until killed
  } catch (const std::exception& e) {
    std::fprintf(stderr, "chaos_client: %s\n", e.what());
    std::_Exit(1);
  }
}
