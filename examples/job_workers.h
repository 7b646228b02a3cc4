// What examples/cluster_job spreads over a cluster: compiled into the job's program (the caller
// needs the types) and into libjob_workers.so, the library cluster nodes load (shipped with
// `concurry job submit --lib`).
#ifndef CONCURRY_EXAMPLES_JOB_WORKERS_H_
#define CONCURRY_EXAMPLES_JOB_WORKERS_H_

#include <string>

#include "concurry/core/worker.h"
#include "concurry/core/worker_macros.h"

// Counts the words of the lines it is given, and keeps a running total.
class WordCounter : public concurry::Worker {
 public:
  int count(const std::string& line);  // the words in `line`
  int total() const { return total_; }

 private:
  int total_ = 0;
};
CONCURRY_WORKER(WordCounter, count, total);

int word_count(std::string text);  // registered with CONCURRY_FUNCTION

#endif  // CONCURRY_EXAMPLES_JOB_WORKERS_H_
