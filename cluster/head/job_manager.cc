#include "concurry/cluster/head/job_manager.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "concurry/cluster/common/private_dir.h"
#include "concurry/core/errors.h"

namespace concurry::internal {
namespace {

void make_dirs(const std::string& path) {
  for (size_t i = 1; i <= path.size(); ++i) {
    if (i == path.size() || path[i] == '/') ::mkdir(path.substr(0, i).c_str(), 0700);
  }
}

// Writes a new file of a job: never through a link, never over a file already there (a job's
// directory is fresh, so anything in the way was not put there by this head).
void write_file(const std::string& path, const std::string& content, bool executable) {
  make_dirs(path.substr(0, path.rfind('/')));
  write_private_file(path, content, executable);
}

}  // namespace

struct JobManager::Job {
  std::string id;
  std::vector<std::string> argv;
  std::string dir;
  pid_t pid = -1;
  Clock::time_point started = Clock::now();
  Clock::time_point ended;
  std::string state = "RUNNING";  // guarded by the manager's mu_
  int exit_code = 0;
  std::string reason;
  bool stop_requested = false;
};

JobManager::JobManager(std::string jobs_dir, HistoryLimits history)
    : jobs_dir_(std::move(jobs_dir)), finished_(history) {}

void JobManager::finished(const std::shared_ptr<Job>& job) {
  for (const auto& id : finished_.ended(job->id, Clock::now())) {
    auto it = jobs_.find(id);
    if (it == jobs_.end()) continue;
    std::error_code ignored;
    std::filesystem::remove_all(it->second->dir, ignored);  // links removed, never followed
    jobs_.erase(it);
  }
}

JobManager::~JobManager() {
  std::vector<std::shared_ptr<Job>> running;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [id, job] : jobs_) {
      if (job->state == "RUNNING") running.push_back(job);
    }
  }
  for (auto& job : running) stop(job->id);
  std::unique_lock<std::mutex> lock(mu_);
  watchers_done_.wait(lock, [&] { return watching_ == 0; });
}

void JobManager::set_head(std::string address, const Credentials& credentials) {
  std::lock_guard<std::mutex> lock(mu_);
  head_address_ = std::move(address);
  token_ = credentials.token;
  tls_files_ = credentials.files;
}

std::string JobManager::submit(const JobSpec& spec) {
  if (spec.argv.empty() || spec.argv[0].empty()) {
    throw InvalidOptionError("a job needs an entrypoint: concurry job submit -- COMMAND ARGS...");
  }
  for (const auto& f : spec.files) {
    if (f.path.empty() || f.path[0] == '/' || f.path.find("..") != std::string::npos) {
      throw InvalidOptionError("job file '" + f.path + "' is not a path inside the working "
                               "directory");
    }
  }
  auto job = std::make_shared<Job>();
  std::string address, token;
  TlsFiles tls;
  {
    std::lock_guard<std::mutex> lock(mu_);
    job->id = "job-" + std::to_string(next_++);
    address = head_address_;
    token = token_;
    tls = tls_files_;
  }
  job->argv = spec.argv;
  {
    std::lock_guard<std::mutex> lock(mu_);
    // Made at the first job: mkdtemp (0700, a name nobody can predict), so that no other user
    // can have planted links or files where the head writes jobs' files.
    if (jobs_dir_.empty()) {
      jobs_dir_ = make_private_temp_dir("concurry-jobs-" + std::to_string(::getuid()) + "-");
    }
    job->dir = jobs_dir_ + "/" + job->id;
  }
  std::string work = job->dir + "/work";
  make_dirs(work);
  for (const auto& f : spec.files) write_file(work + "/" + f.path, f.content, f.executable);
  std::string libs;
  for (const auto& [name, bytes] : spec.libs) {
    std::string path = job->dir + "/libs/" + name;
    write_file(path, bytes, false);
    libs += (libs.empty() ? "" : ":") + path;
  }
  std::string log = job->dir + "/log";
  int log_fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (log_fd < 0) throw Error("cannot write " + log + ": " + std::strerror(errno));
  int report[2];  // the child reports an exec failure here (close-on-exec: silent on success)
  if (::pipe2(report, O_CLOEXEC) != 0) {
    ::close(log_fd);
    throw Error(std::string("pipe failed: ") + std::strerror(errno));
  }
  std::vector<std::string> env_strings = {"CONCURRY_ADDRESS=" + address, "CONCURRY_JOB_ID=" + job->id};
  if (!token.empty()) env_strings.push_back("CONCURRY_AUTH_TOKEN=" + token);
  if (!libs.empty()) env_strings.push_back("CONCURRY_WORKER_LIBS=" + libs);
  append_tls_env(tls, &env_strings);
  std::vector<char*> argv, envp;
  for (auto& a : job->argv) argv.push_back(a.data());
  argv.push_back(nullptr);
  for (char** e = environ; *e; ++e) {
    std::string var = *e;
    if (var.rfind("CONCURRY_", 0) != 0) envp.push_back(*e);
  }
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  // Everything the child needs is built before fork: the head has threads, the child of a
  // threaded process may not allocate.
  std::string local_entry = std::string("./") + job->argv[0];
  bool bare_name = job->argv[0].find('/') == std::string::npos;
  pid_t pid = ::fork();
  if (pid == 0) {
    ::setpgid(0, 0);  // its own process group: stop() ends the job and everything it started
    sigset_t none;    // the head blocks SIGTERM/SIGINT in every thread; the job must not
    ::sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    int null = ::open("/dev/null", O_RDONLY);
    ::dup2(null, 0);
    ::dup2(log_fd, 1);
    ::dup2(log_fd, 2);
    if (::chdir(work.c_str()) == 0) {
      // A relative entrypoint is found in the working directory first, then on PATH.
      if (bare_name && ::access(local_entry.c_str(), X_OK) == 0) {
        ::execve(local_entry.c_str(), argv.data(), envp.data());
      }
      ::execvpe(argv[0], argv.data(), envp.data());
    }
    int err = errno;
    if (::write(report[1], &err, sizeof err) < 0) {
    }
    ::_exit(127);
  }
  ::close(log_fd);
  ::close(report[1]);
  int err = 0;
  ssize_t n = pid < 0 ? -1 : ::read(report[0], &err, sizeof err);
  ::close(report[0]);
  job->pid = pid;
  if (pid < 0 || n == static_cast<ssize_t>(sizeof err)) {
    if (pid > 0) ::waitpid(pid, nullptr, 0);
    job->state = "FAILED";
    job->exit_code = 127;
    job->reason = "cannot start '" + job->argv[0] + "': " +
                  std::strerror(pid < 0 ? errno : err);
    job->ended = Clock::now();
    std::lock_guard<std::mutex> lock(mu_);
    jobs_[job->id] = job;
    finished(job);
    return job->id;
  }
  std::lock_guard<std::mutex> lock(mu_);
  jobs_[job->id] = job;
  ++watching_;
  std::thread([this, job] { watch(job); }).detach();
  return job->id;
}

void JobManager::watch(const std::shared_ptr<Job>& job) {
  int status = 0;
  while (::waitpid(job->pid, &status, 0) < 0 && errno == EINTR) {
  }
  ::kill(-job->pid, SIGKILL);  // whatever the job started and left behind goes with it
  std::lock_guard<std::mutex> lock(mu_);
  job->ended = Clock::now();
  if (job->stop_requested) {
    job->state = "STOPPED";
    job->reason = "stopped by request";
  } else if (WIFEXITED(status)) {
    job->exit_code = WEXITSTATUS(status);
    job->state = job->exit_code == 0 ? "SUCCEEDED" : "FAILED";
    if (job->exit_code != 0) job->reason = "exited with code " + std::to_string(job->exit_code);
  } else {
    int sig = WTERMSIG(status);
    job->exit_code = 128 + sig;
    job->state = "FAILED";
    job->reason = "killed by signal " + std::to_string(sig) + " (" + ::strsignal(sig) + ")";
  }
  finished(job);
  if (--watching_ == 0) watchers_done_.notify_all();
}

JobState JobManager::snapshot(const Job& job) const {
  JobState s{job.id, job.state, job.exit_code, job.reason, job.argv, 0};
  auto end = job.state == "RUNNING" ? Clock::now() : job.ended;
  s.seconds = Duration(end - job.started).count();
  return s;
}

std::optional<JobState> JobManager::get(const std::string& job_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = jobs_.find(job_id);
  if (it == jobs_.end()) return std::nullopt;
  return snapshot(*it->second);
}

std::vector<JobState> JobManager::list() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<JobState> out;
  for (const auto& [id, job] : jobs_) out.push_back(snapshot(*job));
  return out;
}

std::optional<JobState> JobManager::stop(const std::string& job_id) {
  std::shared_ptr<Job> job;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = jobs_.find(job_id);
    if (it == jobs_.end()) return std::nullopt;
    job = it->second;
    if (job->state != "RUNNING") return snapshot(*job);
    job->stop_requested = true;
  }
  ::kill(-job->pid, SIGTERM);
  for (int i = 0; i < 100; ++i) {  // up to 5 s to end, then SIGKILL
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (job->state != "RUNNING") return snapshot(*job);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ::kill(-job->pid, SIGKILL);
  for (int i = 0; i < 100; ++i) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (job->state != "RUNNING") return snapshot(*job);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return get(job_id);
}

std::optional<std::pair<std::string, bool>> JobManager::read_log(const std::string& job_id,
                                                                 size_t offset) const {
  std::string dir;
  bool ended;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = jobs_.find(job_id);
    if (it == jobs_.end()) return std::nullopt;
    dir = it->second->dir;
    ended = it->second->state != "RUNNING";
  }
  std::ifstream in(dir + "/log", std::ios::binary);
  in.seekg(static_cast<std::streamoff>(offset));
  std::ostringstream data;
  data << in.rdbuf();
  return std::make_pair(data.str(), ended);
}

}  // namespace concurry::internal
