#include "concurry/cluster/head/head_server.h"

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "concurry/cluster/common/auth.h"
#include "concurry/cluster/common/grpc_options.h"
#include "concurry/cluster/head/actor_directory.h"
#include "concurry/cluster/head/lib_store.h"
#include "concurry/cluster/head/node_registry.h"
#include "concurry/cluster/head/placement.h"
#include "concurry/core/errors.h"
#include "concurry/core/wire.h"
#include "concurry/proto/concurry.grpc.pb.h"

namespace concurry::internal {
namespace {

class HeadService final : public proto::Head::Service {
 public:
  HeadService(NodeRegistry& registry, std::string token)
      : registry_(registry), token_(std::move(token)) {}

  grpc::Status RegisterNode(grpc::ServerContext* context, const proto::RegisterNodeRequest* request,
                            proto::RegisterNodeReply* reply) override {
    if (auto s = check_token(context, token_); !s.ok()) return s;
    for (const auto& [name, amount] : request->resources()) {
      if (amount < 0) {
        return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                            "resource '" + name + "' must be >= 0");
      }
    }
    std::map<std::string, double> resources(request->resources().begin(),
                                            request->resources().end());
    std::lock_guard<std::mutex> lock(placement_mu_);
    std::string id = registry_.add(request->address(), resources, Clock::now());
    placement_.add_node(id, std::move(resources));
    reply->set_node_id(id);
    reply->set_heartbeat_interval_s(registry_.timeout().count() / 4);
    return grpc::Status::OK;
  }

  grpc::Status Heartbeat(grpc::ServerContext* context, const proto::HeartbeatRequest* request,
                         proto::HeartbeatReply* reply) override {
    if (auto s = check_token(context, token_); !s.ok()) return s;
    reply->set_known(registry_.heartbeat(request->node_id(), Clock::now()));
    return grpc::Status::OK;
  }

  grpc::Status ClusterStatus(grpc::ServerContext* context, const proto::ClusterStatusRequest*,
                             proto::ClusterStatusReply* reply) override {
    if (auto s = check_token(context, token_); !s.ok()) return s;
    auto now = Clock::now();
    sweep(now);
    for (const auto& node : registry_.nodes()) {
      auto* out = reply->add_nodes();
      out->set_node_id(node.node_id);
      out->set_address(node.address);
      out->mutable_resources()->insert(node.resources.begin(), node.resources.end());
      out->set_alive(node.alive);
      out->set_seconds_since_heartbeat(Duration(now - node.last_heartbeat).count());
    }
    for (const auto& actor : directory_.all()) {
      auto* out = reply->add_actors();
      out->set_actor_id(actor.actor_id);
      out->set_class_name(actor.class_name);
      out->set_node_id(actor.node_id);
      out->set_state(actor.state);
      out->mutable_resources()->insert(actor.resources.begin(), actor.resources.end());
    }
    return grpc::Status::OK;
  }

  grpc::Status CreateActor(grpc::ServerContext* context, const proto::CreateActorRequest* request,
                           proto::CreateActorReply* reply) override {
    if (auto s = check_token(context, token_); !s.ok()) return s;
    ResourceMap required(request->resources().begin(), request->resources().end());
    if (required.empty()) required["cpu"] = 1;
    Placement strategy;
    try {
      strategy = parse_option<Placement>("placement",
                                         request->placement().empty() ? "spread" : request->placement());
      for (const auto& digest : request->libs()) {
        if (!libs_.get(digest)) {
          throw ClusterError("worker library " + digest + " was never uploaded to this head");
        }
      }
    } catch (const std::exception& e) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, e.what());
    }
    std::string node_id, address;
    {
      std::lock_guard<std::mutex> lock(placement_mu_);
      sweep_locked(Clock::now());
      try {
        node_id = placement_.place(required, strategy);
      } catch (const std::exception& e) {
        return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, e.what());
      }
      address = address_of(node_id);
    }
    std::string what = request->class_name().empty() ? "TaskWorker" : request->class_name();
    proto::CreateActorRequest forward = *request;
    forward.set_actor_id(directory_.next_id());
    grpc::ClientContext call;
    add_token(&call, token_);
    call.set_deadline(std::chrono::system_clock::now() + std::chrono::minutes(2));
    grpc::Status status = node_stub(node_id, address).CreateActor(&call, forward, reply);
    bool constructed = false;
    if (status.ok()) {
      try {
        constructed = decode_reply(reply->init_reply()).ok;
      } catch (const std::exception&) {
      }
    }
    if (!constructed) {
      std::lock_guard<std::mutex> lock(placement_mu_);
      placement_.release(node_id, required);
    }
    if (!status.ok()) {
      return grpc::Status(status.error_code() == grpc::StatusCode::FAILED_PRECONDITION
                              ? grpc::StatusCode::FAILED_PRECONDITION
                              : grpc::StatusCode::UNAVAILABLE,
                          node_id + " at " + address + " could not create " + what + ": " +
                              status.error_message());
    }
    reply->set_node_id(node_id);
    reply->set_node_address(address);
    if (constructed) {
      directory_.add(ActorRecord{forward.actor_id(), what, node_id, required, "ALIVE"});
    }
    return grpc::Status::OK;
  }

  grpc::Status StopActor(grpc::ServerContext* context, const proto::StopActorRequest* request,
                         proto::StopActorReply*) override {
    if (auto s = check_token(context, token_); !s.ok()) return s;
    std::optional<ActorRecord> actor = directory_.stop(request->actor_id());
    if (!actor) {
      return grpc::Status(grpc::StatusCode::NOT_FOUND,
                          "no live actor '" + request->actor_id() + "'");
    }
    std::string address;
    {
      std::lock_guard<std::mutex> lock(placement_mu_);
      placement_.release(actor->node_id, actor->resources);
      address = address_of(actor->node_id);
    }
    grpc::ClientContext call;
    add_token(&call, token_);
    call.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    proto::StopActorReply ignored;
    // Best effort: a node that is gone has stopped its actors already.
    node_stub(actor->node_id, address).StopActor(&call, *request, &ignored);
    return grpc::Status::OK;
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
    } catch (const std::exception& e) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, e.what());
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

  // Declares silent nodes dead: their resources leave placement and their actors are DEAD.
  void sweep(Clock::time_point now) {
    std::lock_guard<std::mutex> lock(placement_mu_);
    sweep_locked(now);
  }

 private:
  void sweep_locked(Clock::time_point now) {
    for (const auto& node_id : registry_.sweep(now)) {
      placement_.remove_node(node_id);
      directory_.node_died(node_id);
    }
  }

  // With placement_mu_ held.
  std::string address_of(const std::string& node_id) {
    for (const auto& node : registry_.nodes()) {
      if (node.node_id == node_id) return node.address;
    }
    return "";
  }

  proto::Node::Stub& node_stub(const std::string& node_id, const std::string& address) {
    std::lock_guard<std::mutex> lock(stubs_mu_);
    auto& stub = node_stubs_[node_id];
    if (!stub) stub = proto::Node::NewStub(make_channel(address));
    return *stub;
  }

  NodeRegistry& registry_;
  std::string token_;
  std::mutex placement_mu_;
  PlacementTable placement_;                  // guarded by placement_mu_
  ActorDirectory directory_;
  LibStore libs_;
  std::mutex stubs_mu_;
  std::map<std::string, std::unique_ptr<proto::Node::Stub>> node_stubs_;  // guarded by stubs_mu_
};

}  // namespace

struct HeadServer::Impl {
  explicit Impl(HeadConfig c)
      : config(std::move(c)), registry(config.heartbeat_timeout), service(registry, config.auth_token) {}

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
  int bound = 0;
  grpc::ServerBuilder builder;
  std::string address = impl_->config.host + ":" + std::to_string(impl_->config.port);
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), &bound);
  configure_server(builder);
  builder.RegisterService(&impl_->service);
  impl_->server = builder.BuildAndStart();
  if (!impl_->server || bound == 0) {
    throw ClusterError("cannot listen on " + address + " (address in use, or not a local address)");
  }
  Impl* impl = impl_.get();
  impl_->sweeper = std::thread([impl] {
    std::unique_lock<std::mutex> lock(impl->mu);
    while (!impl->stopping) {
      impl->stop_cv.wait_for(lock, std::chrono::milliseconds(200));
      impl->service.sweep(Clock::now());
    }
  });
  return impl_->config.host + ":" + std::to_string(bound);
}

void HeadServer::shutdown() {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    if (impl_->stopping) return;
    impl_->stopping = true;
  }
  impl_->stop_cv.notify_all();
  if (impl_->server) impl_->server->Shutdown();
  if (impl_->sweeper.joinable()) impl_->sweeper.join();
}

}  // namespace concurry::internal
