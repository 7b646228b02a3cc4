// process mode: a worker in its own OS process, isolated from crashes.
// Run: bazel run //examples:process_worker
#include <unistd.h>

#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "concurry/concurry.h"

class Crunch : public concurry::Worker {
 public:
  explicit Crunch(int scale) : scale_(scale) {}
  long sum_to(long n) {
    long s = 0;
    for (long i = 1; i <= n; ++i) s += i * scale_;
    return s;
  }
  bool in_another_process(int parent) const { return ::getpid() != parent; }
  int crash() {
    std::abort();  // takes down the worker process only
  }
  int picky(int x) {
    if (x < 0) throw std::invalid_argument("negative input");
    return x;
  }

 private:
  int scale_;
};
CONCURRY_WORKER(Crunch, CONCURRY_INIT(int), sum_to, in_another_process, crash, picky);

long square(long x) { return x * x; }
CONCURRY_FUNCTION(square);

int main(int argc, char** argv) {
  concurry::init(argc, argv);  // first line: starts the fork server process workers come from

  auto crunch = concurry::options<Crunch>({.mode = "process"}).init(2);
  std::printf("sum_to(1000) x 2 -> %ld\n", crunch.sum_to(1000).result());
  std::printf("runs in another process: %s\n",
              crunch.in_another_process(static_cast<int>(::getpid())).result() ? "yes" : "no");

  // Exceptions come back as themselves (standard and CONCURRY_EXCEPTION types).
  try {
    crunch.picky(-1).result();
  } catch (const std::invalid_argument& e) {
    std::printf("error from the worker: %s\n", e.what());
  }

  // A pool of processes; a TaskWorker runs registered functions.
  auto pool = concurry::options<Crunch>({.mode = "process", .max_workers = 2}).init(1);
  std::vector<concurry::Future<long>> parts = {pool.sum_to(100), pool.sum_to(200)};
  std::vector<long> sums = concurry::gather(parts);
  std::printf("pool: %ld %ld\n", sums[0], sums[1]);
  auto tasks = concurry::TaskWorker::options({.mode = "process"}).init();
  std::printf("square(12) in a worker process -> %ld\n", tasks.submit(&square, 12L).result());

  // A crash fails the calls on that worker; the program goes on.
  try {
    crunch.crash().result();
  } catch (const concurry::WorkerCrashedError& e) {
    std::printf("worker crashed: %s\n", std::string(e.what()).find("signal 6") != std::string::npos
                                            ? "killed by SIGABRT, reported"
                                            : e.what());
  }
  std::printf("the program goes on: %ld\n", pool.sum_to(3).result());
  return 0;
}
