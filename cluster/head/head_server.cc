#include "concurry/cluster/head/head_server.h"

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "concurry/cluster/common/auth.h"
#include "concurry/cluster/head/node_registry.h"
#include "concurry/core/errors.h"
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
    reply->set_node_id(registry_.add(request->address(), std::move(resources), Clock::now()));
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
    registry_.sweep(now);
    for (const auto& node : registry_.nodes()) {
      auto* out = reply->add_nodes();
      out->set_node_id(node.node_id);
      out->set_address(node.address);
      out->mutable_resources()->insert(node.resources.begin(), node.resources.end());
      out->set_alive(node.alive);
      out->set_seconds_since_heartbeat(Duration(now - node.last_heartbeat).count());
    }
    return grpc::Status::OK;
  }

 private:
  NodeRegistry& registry_;
  std::string token_;
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
      impl->registry.sweep(Clock::now());
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
