// JobManager: the head runs jobs — a program started with CONCURRY_ADDRESS (and the token) set,
// in its own process group and working directory (the files its submitter sent), stdout and
// stderr in its log. States: RUNNING, then SUCCEEDED (exit 0), FAILED (exit code, signal, or it
// could not start) or STOPPED (stop() ends its process group; its actors go with its client
// session). Thread-safe. No gRPC here.
#ifndef CONCURRY_CLUSTER_HEAD_JOB_MANAGER_H_
#define CONCURRY_CLUSTER_HEAD_JOB_MANAGER_H_

#include <sys/types.h>

#include <map>
#include <memory>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "concurry/cluster/common/credentials.h"
#include "concurry/core/duration.h"
#include "concurry/core/history.h"

namespace concurry::internal {

struct JobFileSpec {
  std::string path;  // relative to the working directory
  std::string content;
  bool executable = false;
};

struct JobSpec {
  std::vector<std::string> argv;
  std::vector<JobFileSpec> files;
  std::vector<std::pair<std::string, std::string>> libs;  // file name, bytes
};

struct JobState {
  std::string job_id;
  std::string state;  // RUNNING | SUCCEEDED | FAILED | STOPPED
  int exit_code = 0;
  std::string reason;
  std::vector<std::string> argv;
  double seconds = 0;
};

class JobManager {
 public:
  // Jobs live under `jobs_dir`/<job id>/ (work/ and log). Finished jobs are kept as long as
  // `history` allows; then they are forgotten and their directories removed.
  explicit JobManager(std::string jobs_dir, HistoryLimits history = {});
  ~JobManager();  // stops running jobs

  // The environment jobs get: the head's address, its token and TLS files.
  void set_head(std::string address, const Credentials& credentials);
  // Starts a job; throws InvalidOptionError on a bad spec (no entrypoint, a path leaving the
  // working directory) and concurry::Error when its directory cannot be written. A job whose
  // program cannot start is created FAILED, saying why.
  std::string submit(const JobSpec& spec);
  std::optional<JobState> get(const std::string& job_id) const;
  std::vector<JobState> list() const;
  std::optional<JobState> stop(const std::string& job_id);
  // Log bytes from `offset` on, and whether the job has ended (so nothing more will come).
  std::optional<std::pair<std::string, bool>> read_log(const std::string& job_id,
                                                       size_t offset) const;

 private:
  struct Job;
  void watch(const std::shared_ptr<Job>& job);
  void finished(const std::shared_ptr<Job>& job);  // with mu_ held
  JobState snapshot(const Job& job) const;

  std::string jobs_dir_;  // guarded by mu_: "" until the first job makes a private one
  std::string head_address_, token_;
  TlsFiles tls_files_;
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<Job>> jobs_;  // guarded by mu_
  // One watcher thread per running job, detached; the destructor waits until none is left.
  int watching_ = 0;                                  // guarded by mu_
  std::condition_variable watchers_done_;
  History finished_;                                  // guarded by mu_
  int next_ = 1;                                      // guarded by mu_
};

}  // namespace concurry::internal

#endif  // CONCURRY_CLUSTER_HEAD_JOB_MANAGER_H_
