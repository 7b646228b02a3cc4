#include "tools/cli/jobs.h"

#include <dirent.h>
#include <grpcpp/grpcpp.h>
#include <sys/stat.h>

#include <cstdio>
#include <stdexcept>

#include "concurry/cluster/common/auth.h"
#include "concurry/cluster/common/digest.h"
#include "concurry/cluster/common/grpc_options.h"
#include "concurry/proto/concurry.grpc.pb.h"

namespace concurry::cli {
namespace {

std::unique_ptr<proto::Head::Stub> stub_for(const std::string& address) {
  return proto::Head::NewStub(internal::make_channel(address));
}

void prepare(grpc::ClientContext& context, const std::string& token, int seconds) {
  internal::add_token(&context, token);
  if (seconds > 0) {
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(seconds));
  }
}

[[noreturn]] void fail(const grpc::Status& s, const std::string& address) {
  switch (s.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      throw std::runtime_error("cannot reach the head at " + address + ": " + s.error_message());
    case grpc::StatusCode::UNAUTHENTICATED:
      throw std::runtime_error("the head at " + address + " refused the auth token");
    default:
      throw std::runtime_error(s.error_message());
  }
}

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

// One unary Head RPC with the token and a deadline; a failure throws, naming the head.
template <class Request, class Reply, class Method>
Reply call_head(const std::string& address, const std::string& token, Method method,
                const Request& request, int seconds) {
  auto stub = stub_for(address);
  Reply reply;
  grpc::ClientContext context;
  prepare(context, token, seconds);
  grpc::Status s = ((*stub).*method)(&context, request, &reply);
  if (!s.ok()) fail(s, address);
  return reply;
}

proto::JobRequest job_request(const std::string& job_id) {
  proto::JobRequest request;
  request.set_job_id(job_id);
  return request;
}

std::string describe(const proto::JobInfo& j, bool json) {
  std::string argv;
  for (const auto& a : j.argv()) argv += (argv.empty() ? "" : " ") + a;
  char line[1024];
  if (json) {
    std::snprintf(line, sizeof line,
                  "{\"job_id\": \"%s\", \"state\": \"%s\", \"exit_code\": %d, \"reason\": \"%s\", "
                  "\"seconds\": %.3f}",
                  j.job_id().c_str(), j.state().c_str(), j.exit_code(), j.reason().c_str(),
                  j.seconds());
    return line;
  }
  std::snprintf(line, sizeof line, "%-8s %-10s %7.1fs  %s%s", j.job_id().c_str(), j.state().c_str(),
                j.seconds(), argv.c_str(), j.reason().empty() ? "" : ("  (" + j.reason() + ")").c_str());
  return line;
}

}  // namespace

std::string JobClient::submit(const std::vector<std::string>& argv, const std::string& working_dir,
                              const std::vector<std::string>& libs) const {
  auto stub = stub_for(address);
  proto::SubmitJobRequest request;
  for (const auto& a : argv) request.add_argv(a);
  if (!working_dir.empty()) collect(working_dir, "", &request);
  for (const auto& path : libs) {  // uploaded once, content-addressed (like connect() does)
    std::string bytes = internal::read_file_bytes(path);
    std::string digest = internal::content_digest(bytes);
    proto::MissingLibsRequest ask;
    ask.add_digests(digest);
    proto::MissingLibsReply missing;
    grpc::ClientContext c1;
    prepare(c1, token, 10);
    grpc::Status s = stub->MissingLibs(&c1, ask, &missing);
    if (!s.ok()) fail(s, address);
    if (missing.digests_size() > 0) {
      proto::UploadLibRequest up;
      up.set_digest(digest);
      up.set_name(path.substr(path.rfind('/') + 1));
      up.set_content(std::move(bytes));
      proto::UploadLibReply ok;
      grpc::ClientContext c2;
      prepare(c2, token, 120);
      s = stub->UploadLib(&c2, up, &ok);
      if (!s.ok()) fail(s, address);
    }
    request.add_libs(digest);
  }
  proto::SubmitJobReply reply;
  grpc::ClientContext context;
  prepare(context, token, 60);
  grpc::Status s = stub->SubmitJob(&context, request, &reply);
  if (!s.ok()) fail(s, address);
  return reply.job_id();
}

void JobClient::logs(const std::string& job_id, bool follow) const {
  auto stub = stub_for(address);
  proto::JobLogsRequest request;
  request.set_job_id(job_id);
  request.set_follow(follow);
  grpc::ClientContext context;
  prepare(context, token, 0);
  auto reader = stub->JobLogs(&context, request);
  proto::JobLogChunk chunk;
  while (reader->Read(&chunk)) {
    std::fwrite(chunk.data().data(), 1, chunk.data().size(), stdout);
    std::fflush(stdout);
  }
  grpc::Status s = reader->Finish();
  if (!s.ok()) fail(s, address);
}

std::string JobClient::status(const std::string& job_id, bool json, int* exit_code) const {
  auto info = call_head<proto::JobRequest, proto::JobInfo>(
      address, token, &proto::Head::Stub::GetJob, job_request(job_id), 10);
  if (exit_code) *exit_code = info.state() == "STOPPED" ? 143 : info.exit_code();
  return describe(info, json);
}

std::string JobClient::stop(const std::string& job_id) const {
  auto info = call_head<proto::JobRequest, proto::JobInfo>(
      address, token, &proto::Head::Stub::StopJob, job_request(job_id), 30);
  return describe(info, false);
}

std::string JobClient::list(bool json) const {
  auto jobs = call_head<proto::ClusterStatusRequest, proto::JobList>(
      address, token, &proto::Head::Stub::ListJobs, proto::ClusterStatusRequest(), 10);
  std::string out = json ? "[" : "";
  for (int i = 0; i < jobs.jobs_size(); ++i) {
    if (json) {
      out += (i ? ", " : "") + describe(jobs.jobs(i), true);
    } else {
      out += describe(jobs.jobs(i), false) + "\n";
    }
  }
  return json ? out + "]\n" : (out.empty() ? "no jobs\n" : out);
}

}  // namespace concurry::cli
