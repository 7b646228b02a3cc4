#include "tools/cli/jobs.h"

#include <dirent.h>
#include <grpcpp/grpcpp.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <vector>
#include <stdexcept>

#include "concurry/cluster/common/digest.h"
#include "concurry/proto/concurry.grpc.pb.h"
#include "tools/cli/json_text.h"

namespace concurry::cli {
namespace {

// A working directory to ship: its regular files, by relative path. Nothing outside it is read:
// a link is followed only to a regular file inside the tree (shipped as a copy); a link that
// leaves the tree, points to a directory (the way loops are made) or to nothing is refused,
// naming it. The tree is bounded in depth and in bytes (it travels in one message).
class WorkingDir {
 public:
  explicit WorkingDir(const std::string& dir) : dir_(dir) {
    char* real = ::realpath(dir.c_str(), nullptr);
    if (!real) throw std::runtime_error("cannot read working directory '" + dir + "'");
    root_ = real;
    std::free(real);
  }

  void collect(proto::SubmitJobRequest* out) { walk(root_, "", 0, out); }

 private:
  static constexpr int kMaxDepth = 64;
  static constexpr size_t kMaxBytes = 200u << 20;

  [[noreturn]] void refuse(const std::string& rel, const std::string& why) const {
    throw std::runtime_error("--working-dir " + dir_ + ": " + rel + " " + why);
  }

  void walk(const std::string& dir, const std::string& prefix, int depth,
            proto::SubmitJobRequest* out) {
    if (depth > kMaxDepth) refuse(prefix, "is nested deeper than " + std::to_string(kMaxDepth));
    DIR* d = ::opendir(dir.c_str());
    if (!d) refuse(prefix.empty() ? "." : prefix, "cannot be read");
    std::vector<std::string> names;
    while (dirent* e = ::readdir(d)) {
      std::string name = e->d_name;
      if (name != "." && name != "..") names.push_back(name);
    }
    ::closedir(d);
    for (const auto& name : names) {
      std::string path = dir + "/" + name, rel = prefix + name;
      struct stat st;
      if (::lstat(path.c_str(), &st) != 0) continue;  // gone meanwhile
      if (S_ISLNK(st.st_mode)) {
        char* real = ::realpath(path.c_str(), nullptr);
        if (!real) refuse(rel, "is a link to nothing (or a loop of links)");
        std::string target = real;
        std::free(real);
        if (target != root_ && target.rfind(root_ + "/", 0) != 0) {
          refuse(rel, "is a link that leaves the directory (to " + target + ")");
        }
        if (::stat(target.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
          refuse(rel, "is a link to a directory or a special file; links are followed only to "
                      "regular files inside the directory");
        }
        add(target, rel, st, out);
      } else if (S_ISDIR(st.st_mode)) {
        walk(path, rel + "/", depth + 1, out);
      } else if (S_ISREG(st.st_mode)) {
        add(path, rel, st, out);
      }
    }
  }

  void add(const std::string& path, const std::string& rel, const struct stat& st,
           proto::SubmitJobRequest* out) {
    bytes_ += static_cast<size_t>(st.st_size);
    if (bytes_ > kMaxBytes) {
      refuse(rel, "takes it past " + std::to_string(kMaxBytes >> 20) + " MiB; ship less "
                  "(large inputs belong on shared storage)");
    }
    auto* f = out->add_files();
    f->set_path(rel);
    f->set_content(internal::read_file_bytes(path));
    f->set_executable((st.st_mode & S_IXUSR) != 0);
  }

  std::string dir_, root_;
  size_t bytes_ = 0;
};

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
  if (!working_dir.empty()) WorkingDir(working_dir).collect(&request);
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
