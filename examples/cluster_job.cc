// A job for a cluster: the same worker in every mode, then a cluster pool and a cluster task.
// Submitted by the quickstart (examples/cluster_quickstart.sh) with
//   concurry job submit --lib libjob_workers.so --wait -- cluster_job
// the head runs it with CONCURRY_ADDRESS (the cluster) and CONCURRY_WORKER_LIBS (the shipped
// library, which nodes load) set; concurry::connect() reads both. Run alone, with neither set,
// it uses the embedded cluster instead.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "concurry/concurry.h"
#include "job_workers.h"

int main(int argc, char** argv) {
  concurry::init(argc, argv);  // first line of main(): process mode's fork server
  if (std::getenv("CONCURRY_ADDRESS")) {
    concurry::connect();  // the cluster's nodes declare their own resources
  } else {
    concurry::connect({.resources = {{"cpu", 4}}});  // the embedded cluster's node offers these
  }

  const std::vector<std::string> lines = {
      "the quick brown fox",       "jumps over the lazy dog",
      "and the dog sleeps on",     "while the fox runs home",
      "through the tall grass",    "under a pale moon",
      "the night is quiet now",    "and all the hills are still"};

  // One worker in each mode: the same class, the same calls.
  for (const char* mode : {"sync", "thread", "asyncio", "process", "cluster"}) {
    auto counter = concurry::options<WordCounter>({.mode = mode}).init();
    for (const auto& line : lines) counter.count(line);
    std::printf("%-7s worker: %d words\n", mode, counter.total().result());
  }

  // A cluster pool: the head places 4 members on the nodes and dispatches every call to the
  // least busy one.
  auto pool = concurry::options<WordCounter>({.mode = "cluster",
                                              .max_workers = 4,
                                              .load_balancing = "least_active",
                                              .resources = {{"cpu", 0.5}}})
                  .init();
  std::vector<concurry::Future<int>> counts;
  for (const auto& line : lines) counts.push_back(pool.count(line));
  int words = 0;
  for (int n : concurry::gather(counts)) words += n;
  concurry::PoolStats stats = pool.stats();
  std::printf("cluster pool: %zu members, %llu calls dispatched by the head, %d words\n",
              stats.total_workers, static_cast<unsigned long long>(stats.total_dispatched), words);

  // A registered function as a cluster task.
  auto count_task = concurry::task(&word_count, {.mode = "cluster"});
  std::string all;
  for (const auto& line : lines) all += line + "\n";
  std::printf("cluster task: word_count(all lines) -> %d\n", count_task(all).result());

  pool.stop();
  concurry::shutdown();
  return 0;
}
