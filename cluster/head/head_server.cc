#include "concurry/cluster/head/head_server.h"

#include "concurry/cluster/head/session_table.h"

#include <grpcpp/grpcpp.h>

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "concurry/cluster/common/auth.h"
#include "concurry/cluster/common/default_credentials.h"
#include "concurry/cluster/common/private_dir.h"
#include "concurry/cluster/common/grpc_options.h"
#include "concurry/cluster/head/actor_manager.h"
#include "concurry/cluster/head/job_manager.h"
#include "concurry/cluster/head/lib_store.h"
#include "concurry/cluster/head/node_registry.h"
#include "concurry/cluster/head/pool_manager.h"
#include "concurry/cluster/common/reply_stream.h"
#include "concurry/core/errors.h"
#include "concurry/core/option_values.h"
#include "concurry/proto/concurry.grpc.pb.h"

namespace concurry::internal {
namespace {

// Entries per list in a status reply (ClusterStatusRequest.max_entries, 0 = the default).
size_t max_entries(const proto::ClusterStatusRequest& request) {
  return request.max_entries() > 0 ? request.max_entries() : 10000;
}

// Keeps at most `max` entries of `list`, those `live` says first; returns how many went.
template <class T, class Live>
uint32_t keep_first(google::protobuf::RepeatedPtrField<T>* list, size_t max, Live live) {
  if (static_cast<size_t>(list->size()) <= max) return 0;
  google::protobuf::RepeatedPtrField<T> kept;
  for (bool want_live : {true, false}) {
    for (auto& entry : *list) {
      if (static_cast<size_t>(kept.size()) < max && live(entry) == want_live) kept.Add()->Swap(&entry);
    }
  }
  auto omitted = static_cast<uint32_t>(list->size() - kept.size());
  list->Swap(&kept);
  return omitted;
}

class HeadService final : public proto::Head::Service {
 public:
  HeadService(NodeRegistry& registry, const Credentials& credentials, std::string jobs_dir,
              HistoryLimits history)
      : registry_(registry), token_(credentials.token),
        actors_(registry, libs_, credentials, history),
        pools_(actors_, credentials),
        jobs_(std::move(jobs_dir), history),
        sessions_(std::min(registry.timeout(), Duration(2.0))) {
    actors_.set_owner_check([this](const std::string& id) { return sessions_.alive(id); });
  }

  JobManager& jobs() { return jobs_; }

  ActorManager& actors() { return actors_; }

  // Session streams end when this is set (the head is stopping).
  void stop_sessions() {
    std::lock_guard<std::mutex> lock(sessions_mu_);
    stopping_ = true;
    sessions_cv_.notify_all();
  }
  // The head's own streams to nodes end (after the server stopped taking calls).
  void close_streams() { pools_.close(); }

  grpc::Status RegisterNode(grpc::ServerContext* context, const proto::RegisterNodeRequest* request,
                            proto::RegisterNodeReply* reply) override {
    if (auto s = check_token(context, token_); !s.ok()) return s;
    std::map<std::string, double> resources(request->resources().begin(),
                                            request->resources().end());
    if (std::string bad = bad_resource(resources); !bad.empty()) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "node resource " + bad);
    }
    if (std::string bad = bad_name("a node address", request->address()); !bad.empty()) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, bad);
    }
    std::string id = registry_.add(request->address(), resources, Clock::now());
    actors_.add_node(id, std::move(resources));
    reply->set_node_id(id);
    reply->set_heartbeat_interval_s(registry_.timeout().count() / 4);
    reply->set_lease_s(lease_s());
    return grpc::Status::OK;
  }

  // Fencing: a node runs calls only until this long after sending its last acknowledged
  // heartbeat. The head declares it dead no sooner than the timeout after receiving that
  // heartbeat, so an instance that lost its lease has stopped before a replacement exists.
  double lease_s() const { return registry_.timeout().count() * 0.75; }

  grpc::Status Heartbeat(grpc::ServerContext* context, const proto::HeartbeatRequest* request,
                         proto::HeartbeatReply* reply) override {
    if (auto s = check_token(context, token_); !s.ok()) return s;
    reply->set_known(registry_.heartbeat(request->node_id(), Clock::now()));
    reply->set_lease_s(lease_s());
    return grpc::Status::OK;
  }

  grpc::Status ClusterStatus(grpc::ServerContext* context, const proto::ClusterStatusRequest* request,
                             proto::ClusterStatusReply* reply) override {
    if (auto s = check_token(context, token_); !s.ok()) return s;
    auto now = Clock::now();
    actors_.sweep(now);
    for (const auto& node : registry_.nodes()) {
      auto* out = reply->add_nodes();
      out->set_node_id(node.node_id);
      out->set_address(node.address);
      out->mutable_resources()->insert(node.resources.begin(), node.resources.end());
      out->set_alive(node.alive);
      out->set_seconds_since_heartbeat(Duration(now - node.last_heartbeat).count());
    }
    actors_.fill_status(reply);
    pools_.fill_status(reply);
    size_t max = max_entries(*request);
    reply->set_nodes_omitted(
        keep_first(reply->mutable_nodes(), max, [](const proto::NodeStatus& n) { return n.alive(); }));
    reply->set_actors_omitted(keep_first(reply->mutable_actors(), max, [](const proto::ActorStatus& a) {
      return a.state() == "ALIVE" || a.state() == "RESTARTING";
    }));
    reply->set_pools_omitted(
        keep_first(reply->mutable_pools(), max, [](const proto::PoolStatsReply&) { return true; }));
    return grpc::Status::OK;
  }

  grpc::Status CreateActor(grpc::ServerContext* context, const proto::CreateActorRequest* request,
                           proto::CreateActorReply* reply) override {
    if (auto s = check_token(context, token_); !s.ok()) return s;
    return actors_.create(*request, reply);
  }

  grpc::Status StopActor(grpc::ServerContext* context, const proto::StopActorRequest* request,
                         proto::StopActorReply*) override {
    if (auto s = check_token(context, token_); !s.ok()) return s;
    return actors_.stop(request->actor_id());
  }

  grpc::Status LookupActor(grpc::ServerContext* context, const proto::LookupActorRequest* request,
                           proto::LookupActorReply* reply) override {
    if (auto s = check_token(context, token_); !s.ok()) return s;
    return actors_.lookup(*request, reply);
  }

  // Open while the client is connected; its end (the client left, or died) stops the
  // session's unnamed actors.
  // A client's session stream. When it closes, the session waits out the grace for the client
  // to resume it (a broken connection is not a departed client); EndSession ends it at once.
  grpc::Status OpenSession(grpc::ServerContext* context, const proto::SessionRequest* request,
                           grpc::ServerWriter<proto::SessionEvent>* writer) override {
    if (auto s = check_token(context, token_); !s.ok()) return s;
    std::string id = sessions_.attach(request->resume_id());
    proto::SessionEvent hello;
    hello.set_session_id(id);
    if (writer->Write(hello)) {
      std::unique_lock<std::mutex> lock(sessions_mu_);
      while (!stopping_ && !context->IsCancelled()) {
        sessions_cv_.wait_for(lock, std::chrono::milliseconds(100));
      }
    }
    sessions_.detach(id, Clock::now());
    return grpc::Status::OK;
  }

  grpc::Status EndSession(grpc::ServerContext* context, const proto::SessionRequest* request,
                          proto::SessionEvent* reply) override {
    if (auto s = check_token(context, token_); !s.ok()) return s;
    if (sessions_.end(request->resume_id())) session_ended(request->resume_id());
    reply->set_session_id(request->resume_id());
    return grpc::Status::OK;
  }

  // Sessions whose client did not come back within the grace end: their unnamed actors and
  // pools are stopped.
  void sweep_sessions(Clock::time_point now) {
    for (const auto& id : sessions_.sweep(now)) session_ended(id);
  }

  void session_ended(const std::string& id) {
    pools_.session_ended(id);
    actors_.session_ended(id);
  }

  grpc::Status CreatePool(grpc::ServerContext* context, const proto::CreatePoolRequest* request,
                          proto::CreatePoolReply* reply) override {
    if (auto s = check_token(context, token_); !s.ok()) return s;
    return pools_.create(*request, reply);
  }

  grpc::Status PoolStats(grpc::ServerContext* context, const proto::PoolRequest* request,
                         proto::PoolStatsReply* reply) override {
    if (auto s = check_token(context, token_); !s.ok()) return s;
    return pools_.stats(*request, reply);
  }

  grpc::Status StopPool(grpc::ServerContext* context, const proto::PoolRequest* request,
                        proto::StopPoolReply*) override {
    if (auto s = check_token(context, token_); !s.ok()) return s;
    return pools_.stop(*request);
  }

  // A shared-limit acquisition or release from an actor on some node; an acquisition waits
  // here for the budget like a local one would.
  grpc::Status Limit(grpc::ServerContext* context, const proto::LimitRequest* request,
                     proto::LimitReply* reply) override {
    if (auto s = check_token(context, token_); !s.ok()) return s;
    for (const auto& release : request->releases()) {
      try {
        actors_.limits().handle(release.actor_id(), release.payload());
      } catch (const std::exception&) {
        // The actor is gone: its grants were given back when it ended.
      }
    }
    if (request->payload().empty()) return grpc::Status::OK;
    try {
      reply->set_payload(actors_.limits().handle(request->actor_id(), request->payload(),
                                                 [context] { return context->IsCancelled(); }));
    } catch (const std::exception& e) {
      return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, e.what());
    }
    return grpc::Status::OK;
  }

  grpc::Status SubmitJob(grpc::ServerContext* context, const proto::SubmitJobRequest* request,
                         proto::SubmitJobReply* reply) override {
    if (auto s = check_token(context, token_); !s.ok()) return s;
    JobSpec spec;
    spec.argv.assign(request->argv().begin(), request->argv().end());
    for (const auto& f : request->files()) spec.files.push_back({f.path(), f.content(), f.executable()});
    for (const auto& digest : request->libs()) {
      auto lib = libs_.get(digest);
      if (!lib) {
        return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                            "worker library " + digest + " was never uploaded to this head");
      }
      spec.libs.emplace_back(lib->name, *lib->content);
    }
    try {
      reply->set_job_id(jobs_.submit(spec));
    } catch (const InvalidOptionError& e) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, e.what());
    } catch (const std::exception& e) {
      return grpc::Status(grpc::StatusCode::INTERNAL, e.what());
    }
    return grpc::Status::OK;
  }

  grpc::Status GetJob(grpc::ServerContext* context, const proto::JobRequest* request,
                      proto::JobInfo* reply) override {
    if (auto s = check_token(context, token_); !s.ok()) return s;
    auto job = jobs_.get(request->job_id());
    if (!job) return no_job(request->job_id());
    to_info(*job, reply);
    return grpc::Status::OK;
  }

  grpc::Status ListJobs(grpc::ServerContext* context, const proto::ClusterStatusRequest* request,
                        proto::JobList* reply) override {
    if (auto s = check_token(context, token_); !s.ok()) return s;
    for (const auto& job : jobs_.list()) to_info(job, reply->add_jobs());
    reply->set_jobs_omitted(keep_first(reply->mutable_jobs(), max_entries(*request),
                                       [](const proto::JobInfo& j) { return j.state() == "RUNNING"; }));
    return grpc::Status::OK;
  }

  grpc::Status StopJob(grpc::ServerContext* context, const proto::JobRequest* request,
                       proto::JobInfo* reply) override {
    if (auto s = check_token(context, token_); !s.ok()) return s;
    auto job = jobs_.stop(request->job_id());
    if (!job) return no_job(request->job_id());
    to_info(*job, reply);
    return grpc::Status::OK;
  }

  // The job's log from the start; with follow, more as it comes until the job ends.
  grpc::Status JobLogs(grpc::ServerContext* context, const proto::JobLogsRequest* request,
                       grpc::ServerWriter<proto::JobLogChunk>* writer) override {
    if (auto s = check_token(context, token_); !s.ok()) return s;
    size_t offset = 0;
    while (!context->IsCancelled()) {
      auto part = jobs_.read_log(request->job_id(), offset);
      if (!part) return no_job(request->job_id());
      auto& [data, ended] = *part;
      if (!data.empty()) {
        offset += data.size();
        proto::JobLogChunk chunk;
        chunk.set_data(std::move(data));
        if (!writer->Write(chunk)) break;
      }
      if (!request->follow() || (ended && data.empty())) break;
      if (data.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return grpc::Status::OK;
  }

  grpc::Status PoolCalls(grpc::ServerContext* context, ServerCallStream* stream) override {
    if (auto s = check_token(context, token_); !s.ok()) return s;
    return serve_call_stream(context, stream,
                             [this](uint64_t ref, uint64_t id, Bytes request,
                                    const std::shared_ptr<ReplySink>& sink) {
                               pools_.call(ref, id, std::move(request), sink);
                             });
  }

  grpc::Status MissingLibs(grpc::ServerContext* context, const proto::MissingLibsRequest* request,
                           proto::MissingLibsReply* reply) override {
    if (auto s = check_token(context, token_); !s.ok()) return s;
    std::vector<std::string> asked(request->digests().begin(), request->digests().end());
    for (auto& d : libs_.missing(asked)) reply->add_digests(std::move(d));
    return grpc::Status::OK;
  }

  grpc::Status UploadLib(grpc::ServerContext* context, const proto::UploadLibRequest* request,
                         proto::UploadLibReply*) override {
    if (auto s = check_token(context, token_); !s.ok()) return s;
    try {
      libs_.put(request->digest(), request->name(), request->content());
    } catch (const InvalidOptionError& e) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, e.what());
    } catch (const std::exception& e) {
      return grpc::Status(grpc::StatusCode::INTERNAL, e.what());  // the head's disk failed it
    }
    return grpc::Status::OK;
  }

  grpc::Status FetchLib(grpc::ServerContext* context, const proto::FetchLibRequest* request,
                        proto::FetchLibReply* reply) override {
    if (auto s = check_token(context, token_); !s.ok()) return s;
    auto lib = libs_.get(request->digest());
    if (!lib) {
      return grpc::Status(grpc::StatusCode::NOT_FOUND,
                          "no worker library " + request->digest() + " on this head");
    }
    reply->set_name(lib->name);
    reply->set_content(*lib->content);
    return grpc::Status::OK;
  }

 private:
  static grpc::Status no_job(const std::string& id) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND, "no job '" + id + "' on this head");
  }
  static void to_info(const JobState& job, proto::JobInfo* out) {
    out->set_job_id(job.job_id);
    out->set_state(job.state);
    out->set_exit_code(job.exit_code);
    out->set_reason(job.reason);
    for (const auto& a : job.argv) out->add_argv(a);
    out->set_seconds(job.seconds);
  }

  NodeRegistry& registry_;
  std::string token_;
  LibStore libs_;
  ActorManager actors_;
  PoolManager pools_;
  JobManager jobs_;
  // A client whose session stream broke has this long to resume it.
  SessionTable sessions_;
  std::mutex sessions_mu_;
  std::condition_variable sessions_cv_;
  bool stopping_ = false;  // guarded by sessions_mu_
};

}  // namespace

struct HeadServer::Impl {
  explicit Impl(HeadConfig c)
      : config(std::move(c)), registry(config.heartbeat_timeout, config.history),
        service(registry, config.credentials, jobs_dir(config), config.history) {}

  // Jobs' files live in a directory only this user can change: a given one is checked now;
  // without one, JobManager makes a fresh one at the first job (a name nobody can predict).
  static std::string jobs_dir(const HeadConfig& c) {
    if (!c.jobs_dir.empty()) ensure_private_dir(c.jobs_dir, "jobs directory");
    return c.jobs_dir;
  }

  HeadConfig config;
  NodeRegistry registry;
  HeadService service;
  std::unique_ptr<grpc::Server> server;
  std::thread sweeper;  // declares silent nodes dead even when nobody asks for status
  std::mutex mu;
  std::condition_variable stop_cv;
  bool stopping = false;
};

HeadServer::HeadServer(HeadConfig config) : impl_(std::make_unique<Impl>(std::move(config))) {}

HeadServer::~HeadServer() { shutdown(); }

std::string HeadServer::start() {
  check_exposure("concurry-head", impl_->config.host, impl_->config.credentials,
                 impl_->config.insecure);
  std::string bound_address;
  impl_->server = start_server(&impl_->service, impl_->config.host, impl_->config.port,
                               impl_->config.credentials, &bound_address);
  Impl* impl = impl_.get();
  impl_->sweeper = std::thread([impl] {
    std::unique_lock<std::mutex> lock(impl->mu);
    while (!impl->stopping) {
      impl->stop_cv.wait_for(lock, std::chrono::milliseconds(200));
      lock.unlock();
      impl->service.actors().sweep(Clock::now());
      impl->service.actors().run_restarts();  // node RPCs: outside the head's locks
      impl->service.sweep_sessions(Clock::now());
      lock.lock();
    }
  });
  impl_->service.jobs().set_head(bound_address, impl_->config.credentials);
  return bound_address;
}

void HeadServer::shutdown() {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    if (impl_->stopping) return;
    impl_->stopping = true;
  }
  impl_->stop_cv.notify_all();
  impl_->service.stop_sessions();
  if (impl_->server) {
    impl_->server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  }
  impl_->service.close_streams();
  if (impl_->sweeper.joinable()) impl_->sweeper.join();
}

}  // namespace concurry::internal
