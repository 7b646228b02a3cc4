#include "concurry/cluster/node/node_server.h"

#include <grpcpp/grpcpp.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "concurry/cluster/common/auth.h"
#include "concurry/cluster/common/default_credentials.h"
#include "concurry/cluster/common/grpc_options.h"
#include "concurry/cluster/node/actor_host.h"
#include "concurry/cluster/node/head_limits.h"
#include "concurry/cluster/node/json_call.h"
#include "concurry/cluster/node/lease.h"
#include "concurry/cluster/node/lib_loader.h"
#include "concurry/cluster/common/reply_stream.h"
#include "concurry/core/errors.h"
#include "concurry/core/limit_codec.h"
#include "concurry/core/limit_set.h"
#include "concurry/proto/concurry.grpc.pb.h"

namespace concurry::internal {
namespace {

std::string default_cache_dir() {
  const char* tmp = std::getenv("TMPDIR");
  return std::string(tmp && *tmp ? tmp : "/tmp") + "/concurry-libs-" + std::to_string(::getuid());
}

}  // namespace

class NodeService final : public proto::Node::Service {
 public:
  explicit NodeService(const NodeServerConfig& config)
      : config_(config),
        loader_(config.lib_cache_dir.empty() ? default_cache_dir() : config.lib_cache_dir),
        host_(&lease_) {
    if (!config.head.empty()) {
      head_ = proto::Head::NewStub(make_channel(config.head, config.credentials));
      head_limits_ = std::make_unique<HeadLimits>(head_.get(), config.credentials.token);
    }
  }

  LibLoader& loader() { return loader_; }
  ActorHost& host() { return host_; }
  Lease& lease() { return lease_; }

  grpc::Status CreateActor(grpc::ServerContext* context, const proto::CreateActorRequest* request,
                           proto::CreateActorReply* reply) override {
    if (auto s = check_token(context, config_.credentials.token); !s.ok()) return s;
    if (auto s = load_libs(request->libs()); !s.ok()) return s;
    LimitSet limits;
    try {
      limits = limits_for(*request);
    } catch (const std::exception& e) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, e.what());
    }
    ActorHost::Created created =
        host_.create(request->actor_id(), request->class_name(), request->ctor_index(),
                     request->ctor_args(), std::move(limits),
                     "worker libraries loaded on this node: " + loader_.describe());
    reply->set_actor_id(request->actor_id());
    reply->set_actor_ref(created.ref);
    reply->set_init_reply(std::move(created.init_reply));
    return grpc::Status::OK;
  }

  grpc::Status StopActor(grpc::ServerContext* context, const proto::StopActorRequest* request,
                         proto::StopActorReply*) override {
    if (auto s = check_token(context, config_.credentials.token); !s.ok()) return s;
    host_.stop(request->actor_id(), Duration(5.0));
    return grpc::Status::OK;
  }

  grpc::Status Calls(grpc::ServerContext* context, ServerCallStream* stream) override {
    if (auto s = check_token(context, config_.credentials.token); !s.ok()) return s;
    return serve_call_stream(context, stream,
                             [this](uint64_t ref, uint64_t id, Bytes request,
                                    const std::shared_ptr<ReplySink>& sink) {
                               host_.call(ref, id, std::move(request), sink);
                             });
  }

  grpc::Status CallJson(grpc::ServerContext* context, const proto::JsonCallRequest* request,
                        proto::CallReply* reply) override {
    if (auto s = check_token(context, config_.credentials.token); !s.ok()) return s;
    if (auto s = load_libs(request->libs()); !s.ok()) return s;
    JsonCall call{request->actor_ref(), request->function(), request->method(),
                  request->json_args()};
    Bytes envelope = run_json_call(host_, call,
                                   "worker libraries loaded on this node: " + loader_.describe(),
                                   [context] { return context->IsCancelled(); });
    if (!reply->ParseFromString(envelope)) {
      return grpc::Status(grpc::StatusCode::INTERNAL, "malformed reply envelope");
    }
    return grpc::Status::OK;
  }

 private:
  // Loads the worker libraries (fetched from the head when not cached); FAILED_PRECONDITION
  // naming the library that cannot be had.
  template <class Digests>
  grpc::Status load_libs(const Digests& digests) {
    std::vector<std::string> libs(digests.begin(), digests.end());
    try {
      loader_.ensure(libs, [this](const std::string& digest) { return fetch(digest); });
    } catch (const std::exception& e) {
      return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, e.what());
    }
    return grpc::Status::OK;
  }

  // The actor's limits(): its own set from definitions, a view of a set the head hosts, or none.
  LimitSet limits_for(const proto::CreateActorRequest& request) {
    if (!request.shared_limits_key().empty()) {
      if (!head_limits_) throw ClusterError("shared limits need the head, and this node knows none");
      return head_limits_->view_for(request.actor_id());
    }
    if (!request.limits().empty()) {
      return Limits(decode_limit_definitions(request.limits())).for_worker();
    }
    return LimitSet();
  }

  std::pair<std::string, std::string> fetch(const std::string& digest) {
    if (config_.head.empty()) throw ClusterError("library " + digest + " is not on this node and no head is known to fetch it from");
    grpc::ClientContext context;
    add_token(&context, config_.credentials.token);
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    proto::FetchLibRequest request;
    request.set_digest(digest);
    proto::FetchLibReply reply;
    grpc::Status status = head_->FetchLib(&context, request, &reply);
    if (!status.ok()) {
      throw ClusterError("cannot fetch worker library " + digest + " from the head at " +
                         config_.head + ": " + status.error_message());
    }
    return {reply.name(), std::move(*reply.mutable_content())};
  }

  const NodeServerConfig& config_;
  // Before host_: actors' limits() use head_limits_ until the last actor is gone.
  std::unique_ptr<proto::Head::Stub> head_;  // fetches libraries, serves shared limits
  std::unique_ptr<HeadLimits> head_limits_;
  LibLoader loader_;
  Lease lease_;  // before host_: its calls check it until the last actor is gone
  ActorHost host_;
};

struct NodeServer::Impl {
  explicit Impl(NodeServerConfig c) : config(std::move(c)), service(config) {}
  NodeServerConfig config;
  NodeService service;
  std::unique_ptr<grpc::Server> server;
  std::once_flag stopped;
};

NodeServer::NodeServer(NodeServerConfig config) : impl_(std::make_unique<Impl>(std::move(config))) {}

NodeServer::~NodeServer() { shutdown(); }

std::string NodeServer::start() {
  for (const auto& lib : impl_->config.worker_libs) impl_->service.loader().preload(lib);
  check_exposure("concurry-node", impl_->config.host, impl_->config.credentials,
                 impl_->config.insecure);
  std::string bound_address;
  impl_->server = start_server(&impl_->service, impl_->config.host, impl_->config.port,
                               impl_->config.credentials, &bound_address);
  return bound_address;
}

Lease& NodeServer::lease() { return impl_->service.lease(); }

void NodeServer::shutdown() {
  std::call_once(impl_->stopped, [this] {
    if (impl_->server) {
      impl_->server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
    }
    impl_->service.lease().revoke();  // calls waiting for a lease that no heartbeat renews now
    impl_->service.host().stop_all(Duration(5.0));
  });
}

}  // namespace concurry::internal
