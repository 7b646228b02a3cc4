#include "concurry/cluster/node/node_agent.h"

#include <grpcpp/grpcpp.h>

#include <cmath>
#include <thread>

#include "concurry/cluster/common/auth.h"
#include "concurry/cluster/common/grpc_options.h"
#include "concurry/cluster/node/lease.h"
#include "concurry/core/errors.h"
#include "concurry/proto/concurry.grpc.pb.h"

namespace concurry::internal {

std::map<std::string, double> parse_resources(const std::string& text) {
  std::map<std::string, double> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    std::string item = text.substr(start, end - start);
    size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw InvalidOptionError("bad resource '" + item + "': expected name=amount, e.g. cpu=4");
    }
    try {
      size_t used = 0;
      double amount = std::stod(item.substr(eq + 1), &used);
      if (used != item.size() - eq - 1 || !std::isfinite(amount) || amount < 0) {
        throw std::invalid_argument("");
      }
      out[item.substr(0, eq)] = amount;
    } catch (const std::exception&) {
      throw InvalidOptionError("bad resource '" + item + "': the amount must be a finite number >= 0");
    }
    start = end + 1;
  }
  return out;
}

struct NodeAgent::Impl {
  NodeConfig config;
  std::unique_ptr<proto::Head::Stub> head;
  std::string node_id;
  Duration interval{0.5};

  std::string explain(const grpc::Status& s) const {
    if (s.error_code() == grpc::StatusCode::UNAUTHENTICATED) {
      return "head " + config.head + " refused the auth token (UNAUTHENTICATED)";
    }
    if (s.error_code() == grpc::StatusCode::UNAVAILABLE ||
        s.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
      return "cannot reach head at " + config.head + ": " + s.error_message() +
             security_hint(s, config.credentials);
    }
    return "head " + config.head + " answered " + std::to_string(s.error_code()) + ": " +
           s.error_message();
  }

  void prepare(grpc::ClientContext& context) const {
    add_token(&context, config.credentials.token);
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::duration_cast<std::chrono::milliseconds>(config.connect_timeout));
    context.set_wait_for_ready(true);
  }
};

NodeAgent::NodeAgent(NodeConfig config) : impl_(std::make_unique<Impl>()) {
  impl_->config = std::move(config);
  impl_->head = proto::Head::NewStub(make_channel(impl_->config.head, impl_->config.credentials));
}

NodeAgent::~NodeAgent() = default;

std::string NodeAgent::register_with_head() {
  grpc::ClientContext context;
  impl_->prepare(context);
  proto::RegisterNodeRequest request;
  request.set_address(impl_->config.address);
  request.mutable_resources()->insert(impl_->config.resources.begin(),
                                      impl_->config.resources.end());
  proto::RegisterNodeReply reply;
  auto sent = Clock::now();
  grpc::Status status = impl_->head->RegisterNode(&context, request, &reply);
  if (!status.ok()) throw ClusterError(impl_->explain(status));
  impl_->node_id = reply.node_id();
  if (reply.heartbeat_interval_s() > 0) impl_->interval = Duration(reply.heartbeat_interval_s());
  if (impl_->config.lease && reply.lease_s() > 0) {
    impl_->config.lease->enable(sent + std::chrono::duration_cast<Clock::duration>(
                                           Duration(reply.lease_s())));
  }
  return impl_->node_id;
}

void NodeAgent::heartbeat_until(const std::atomic<bool>& stop) {
  auto last_ok = Clock::now();
  auto patience = std::chrono::duration_cast<Clock::duration>(impl_->config.connect_timeout);
  while (!stop.load()) {
    grpc::ClientContext context;
    impl_->prepare(context);
    proto::HeartbeatRequest request;
    request.set_node_id(impl_->node_id);
    proto::HeartbeatReply reply;
    auto sent = Clock::now();  // the lease counts from here: the head saw it no sooner
    grpc::Status status = impl_->head->Heartbeat(&context, request, &reply);
    if (!status.ok()) {
      // A broken connection (the head restarting, a heartbeat in flight when it went) is tried
      // again until the connect timeout has passed since the last answer; a refusal is final.
      bool transient = status.error_code() == grpc::StatusCode::UNAVAILABLE ||
                       status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED;
      if (!transient || Clock::now() - last_ok >= patience) {
        throw ClusterError(impl_->explain(status));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      continue;
    }
    last_ok = Clock::now();
    if (!reply.known()) {
      if (impl_->config.lease) impl_->config.lease->revoke();  // fenced before anything more runs
      throw ClusterError("head " + impl_->config.head + " declared node " + impl_->node_id +
                         " dead (it was paused or cut off for longer than the heartbeat "
                         "timeout); its actors were fenced and have been replaced elsewhere");
    }
    if (impl_->config.lease && reply.lease_s() > 0) {
      impl_->config.lease->renew(sent + std::chrono::duration_cast<Clock::duration>(
                                            Duration(reply.lease_s())));
    }
    auto until = Clock::now() + std::chrono::duration_cast<Clock::duration>(impl_->interval);
    while (!stop.load() && Clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
}

}  // namespace concurry::internal
