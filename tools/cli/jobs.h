// `concurry job ...`: submit a job to the head (its working directory's files and worker
// libraries shipped with it), follow its log, read its state, stop it, list jobs. Errors throw
// std::runtime_error with a one-line message.
#ifndef CONCURRY_TOOLS_CLI_JOBS_H_
#define CONCURRY_TOOLS_CLI_JOBS_H_

#include <string>
#include <vector>

#include "tools/cli/head_rpc.h"

namespace concurry::proto {
class JobInfo;
}  // namespace concurry::proto

namespace concurry::cli {

// One job: "job-1    RUNNING  2.1s  ./main --x" for people, or a JSON object.
std::string describe_job(const proto::JobInfo& job, bool json);

struct JobClient {
  std::string address;
  internal::Credentials credentials;

  // Returns the job id. `working_dir` "" ships nothing.
  std::string submit(const std::vector<std::string>& argv, const std::string& working_dir,
                     const std::vector<std::string>& libs) const;
  // Writes the job's log to stdout (following it until the job ends when `follow`).
  void logs(const std::string& job_id, bool follow) const;
  // "job-1 RUNNING 2.1s ./main --x" style line, or JSON; the job's exit code in `exit_code`.
  std::string status(const std::string& job_id, bool json, int* exit_code) const;
  std::string stop(const std::string& job_id) const;
  std::string list(bool json) const;
 private:
  HeadRpc head() const { return HeadRpc{address, credentials}; }
};

}  // namespace concurry::cli

#endif  // CONCURRY_TOOLS_CLI_JOBS_H_
