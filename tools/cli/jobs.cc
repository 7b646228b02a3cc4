#include "tools/cli/jobs.h"

#include <dirent.h>
#include <grpcpp/grpcpp.h>
#include <sys/stat.h>

#include <cstdio>
#include <stdexcept>

#include "concurry/cluster/common/digest.h"
#include "concurry/proto/concurry.grpc.pb.h"
#include "tools/cli/json_text.h"

namespace concurry::cli {
namespace {

// The regular files under `dir`, relative paths.
void collect(const std::string& dir, const std::string& prefix, proto::SubmitJobRequest* out) {
  DIR* d = ::opendir(dir.c_str());
  if (!d) throw std::runtime_error("cannot read working directory '" + dir + "'");
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    std::string path = dir + "/" + name;
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) continue;
    if (S_ISDIR(st.st_mode)) {
      collect(path, prefix + name + "/", out);
    } else if (S_ISREG(st.st_mode)) {
      auto* f = out->add_files();
      f->set_path(prefix + name);
      f->set_content(internal::read_file_bytes(path));
      f->set_executable((st.st_mode & S_IXUSR) != 0);
    }
  }
  ::closedir(d);
}

proto::JobRequest job_request(const std::string& job_id) {
  proto::JobRequest request;
  request.set_job_id(job_id);
  return request;
}

}  // namespace

std::string describe_job(const proto::JobInfo& j, bool json) {
  std::string argv;
  for (const auto& a : j.argv()) argv += (argv.empty() ? "" : " ") + a;
  if (json) {
    std::string args;
    for (const auto& a : j.argv()) args += (args.empty() ? "" : ", ") + json_string(a);
    return "{\"job_id\": " + json_string(j.job_id()) + ", \"state\": " + json_string(j.state()) +
           ", \"exit_code\": " + std::to_string(j.exit_code()) +
           ", \"reason\": " + json_string(j.reason()) + ", \"seconds\": " +
           json_number(j.seconds()) + ", \"argv\": [" + args + "]}";
  }
  char line[1024];
  std::snprintf(line, sizeof line, "%-8s %-10s %7.1fs  %s%s", j.job_id().c_str(), j.state().c_str(),
                j.seconds(), argv.c_str(), j.reason().empty() ? "" : ("  (" + j.reason() + ")").c_str());
  return line;
}

std::string JobClient::submit(const std::vector<std::string>& argv, const std::string& working_dir,
                              const std::vector<std::string>& libs) const {
  proto::SubmitJobRequest request;
  for (const auto& a : argv) request.add_argv(a);
  if (!working_dir.empty()) collect(working_dir, "", &request);
  for (const auto& digest : head().upload_libs(libs)) request.add_libs(digest);
  return head()
      .call<proto::SubmitJobRequest, proto::SubmitJobReply>(&proto::Head::Stub::SubmitJob,
                                                            request, 60)
      .job_id();
}

void JobClient::logs(const std::string& job_id, bool follow) const {
  auto stub = head().stub();
  proto::JobLogsRequest request;
  request.set_job_id(job_id);
  request.set_follow(follow);
  grpc::ClientContext context;
  head().prepare(context, 0);
  auto reader = stub->JobLogs(&context, request);
  proto::JobLogChunk chunk;
  while (reader->Read(&chunk)) {
    std::fwrite(chunk.data().data(), 1, chunk.data().size(), stdout);
    std::fflush(stdout);
  }
  grpc::Status s = reader->Finish();
  if (!s.ok()) head().fail(s);
}

std::string JobClient::status(const std::string& job_id, bool json, int* exit_code) const {
  auto info = head().call<proto::JobRequest, proto::JobInfo>(
      &proto::Head::Stub::GetJob, job_request(job_id), 10);
  if (exit_code) *exit_code = info.state() == "STOPPED" ? 143 : info.exit_code();
  return describe_job(info, json);
}

std::string JobClient::stop(const std::string& job_id) const {
  auto info = head().call<proto::JobRequest, proto::JobInfo>(
      &proto::Head::Stub::StopJob, job_request(job_id), 30);
  return describe_job(info, false);
}

std::string JobClient::list(bool json) const {
  auto jobs = head().call<proto::ClusterStatusRequest, proto::JobList>(
      &proto::Head::Stub::ListJobs, proto::ClusterStatusRequest(), 10);
  std::string out = json ? "[" : "";
  for (int i = 0; i < jobs.jobs_size(); ++i) {
    if (json) {
      out += (i ? ", " : "") + describe_job(jobs.jobs(i), true);
    } else {
      out += describe_job(jobs.jobs(i), false) + "\n";
    }
  }
  return json ? out + "]\n" : (out.empty() ? "no jobs\n" : out);
}

}  // namespace concurry::cli
