#include "tools/cli/call.h"

#include <cstdio>
#include <map>

#include "concurry/cluster/common/grpc_options.h"

namespace concurry::cli {
namespace {

struct Target {
  std::string node_address;
  proto::JsonCallRequest request;
};

Target actor_target(const HeadRpc& head, const CallSpec& spec) {
  proto::LookupActorRequest lookup;
  lookup.set_name(spec.actor);
  lookup.set_wait_s(10);  // an actor being restarted elsewhere is worth waiting for
  auto found = head.call<proto::LookupActorRequest, proto::LookupActorReply>(
      &proto::Head::Stub::LookupActor, lookup, 15);
  if (found.state() != "ALIVE") {
    throw CallFailed("actor '" + spec.actor + "' (" + found.actor_id() + ") is " + found.state(),
                     1);
  }
  Target t;
  t.node_address = found.node_address();
  t.request.set_actor_ref(found.actor_ref());
  t.request.set_method(spec.method);
  return t;
}

// The alive node with the most cpu not held by actors.
Target function_target(const HeadRpc& head, const CallSpec& spec) {
  auto status = head.call<proto::ClusterStatusRequest, proto::ClusterStatusReply>(
      &proto::Head::Stub::ClusterStatus, proto::ClusterStatusRequest(), 10);
  std::map<std::string, double> held;
  for (const auto& a : status.actors()) {
    if (a.state() != "ALIVE") continue;
    auto cpu = a.resources().find("cpu");
    held[a.node_id()] += cpu == a.resources().end() ? 0 : cpu->second;
  }
  const proto::NodeStatus* best = nullptr;
  double best_free = 0;
  for (const auto& n : status.nodes()) {
    if (!n.alive()) continue;
    auto cpu = n.resources().find("cpu");
    double free = (cpu == n.resources().end() ? 0 : cpu->second) - held[n.node_id()];
    if (!best || free > best_free) {
      best = &n;
      best_free = free;
    }
  }
  if (!best) {
    throw CallFailed("no alive node in the cluster at " + head.address +
                         " to run it; start one with: concurry start --address " + head.address,
                     1);
  }
  Target t;
  t.node_address = best->address();
  t.request.set_function(spec.function);
  for (const auto& digest : head.upload_libs(spec.libs)) t.request.add_libs(digest);
  return t;
}

}  // namespace

std::string call_on_cluster(const HeadRpc& head, const CallSpec& spec) {
  Target target = spec.actor.empty() ? function_target(head, spec) : actor_target(head, spec);
  target.request.set_json_args(spec.json_args);
  std::string what = spec.actor.empty() ? spec.function : spec.actor + "." + spec.method;

  auto node = proto::Node::NewStub(internal::make_channel(target.node_address, head.credentials));
  grpc::ClientContext context;
  head.prepare(context, 0);
  if (spec.timeout_s > 0) {
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::milliseconds(static_cast<int64_t>(spec.timeout_s * 1000)));
  }
  proto::CallReply reply;
  grpc::Status s = node->CallJson(&context, target.request, &reply);
  if (s.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%g", spec.timeout_s);
    throw CallFailed(what + " did not finish within --timeout " + seconds +
                         " s (it may still be running)",
                     1);
  }
  if (!s.ok()) {
    throw CallFailed("the node at " + target.node_address + " did not run " + what + ": " +
                         s.error_message(),
                     1);
  }
  if (reply.has_error()) {
    const proto::ErrorInfo& e = reply.error();
    if (e.code() == proto::ErrorInfo::BAD_ARGUMENTS) throw CallFailed(e.message(), 2);
    std::string where = e.where().empty() ? what : e.where();
    throw CallFailed(where + " raised " + e.type() + ": " + e.message(), 1);
  }
  return reply.value();
}

}  // namespace concurry::cli
