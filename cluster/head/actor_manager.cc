#include "concurry/cluster/head/actor_manager.h"

#include <set>

#include "concurry/cluster/common/auth.h"
#include "concurry/cluster/common/grpc_options.h"
#include "concurry/core/errors.h"
#include "concurry/core/option_values.h"
#include "concurry/core/wire.h"

namespace concurry::internal {
namespace {

ResourceMap required_of(const proto::CreateActorRequest& request) {
  ResourceMap required(request.resources().begin(), request.resources().end());
  if (required.empty()) required["cpu"] = 1;
  return required;
}

// A node failed the head (unreachable, or it refused): FAILED_PRECONDITION, so that the client
// does not take it for its own connection to the head failing (UNAVAILABLE) and blame the head.
grpc::Status node_failure(const std::string& why) {
  return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, why);
}

std::string what_of(const proto::CreateActorRequest& request) {
  return request.class_name().empty() ? "TaskWorker" : request.class_name();
}

void to_reply(const ActorRecord& actor, proto::LookupActorReply* reply) {
  reply->set_actor_id(actor.actor_id);
  reply->set_class_name(actor.class_name);
  reply->set_node_id(actor.node_id);
  reply->set_node_address(actor.node_address);
  reply->set_actor_ref(actor.actor_ref);
  reply->set_state(actor.state);
  reply->set_restarts(actor.restarts);
  reply->set_max_restarts(actor.max_restarts);
}

}  // namespace

ActorManager::ActorManager(NodeRegistry& registry, const LibStore& libs, Credentials credentials,
                           HistoryLimits history)
    : registry_(registry), libs_(libs), credentials_(std::move(credentials)), directory_(history) {}

void ActorManager::add_node(const std::string& node_id, std::map<std::string, double> resources) {
  std::lock_guard<std::mutex> lock(placement_mu_);
  placement_.add_node(node_id, std::move(resources));
}

grpc::Status ActorManager::construct(const proto::CreateActorRequest& request,
                                     const std::string& actor_id, proto::CreateActorReply* reply,
                                     std::string* node_id, std::string* address) {
  ResourceMap required = required_of(request);
  Placement strategy;
  try {
    strategy = parse_option<Placement>("placement",
                                       request.placement().empty() ? "spread" : request.placement());
    for (const auto& digest : request.libs()) {
      if (!libs_.has(digest)) {
        throw ClusterError("worker library " + digest + " was never uploaded to this head");
      }
    }
  } catch (const std::exception& e) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, e.what());
  }
  // A node that cannot be reached (killed, not yet declared dead) is passed over: the actor goes
  // to the next node that fits, and only when none is left does the creation fail.
  std::set<std::string> unreachable;
  std::string first_failure;
  while (true) {
    {
      std::lock_guard<std::mutex> lock(placement_mu_);
      sweep_locked(Clock::now());
      try {
        *node_id = placement_.place(required, strategy, unreachable);
      } catch (const ResourcesBusyError& e) {
        if (!first_failure.empty()) return node_failure(first_failure);
        return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, e.what());  // busy, not never
      } catch (const std::exception& e) {
        if (!first_failure.empty()) return node_failure(first_failure);
        return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, e.what());
      }
      *address = address_of(*node_id);
    }
    if (!request.shared_limits_key().empty()) {
      try {
        limits_.attach(actor_id, request.shared_limits_key(), request.shared_limits());
      } catch (const std::exception& e) {
        std::lock_guard<std::mutex> lock(placement_mu_);
        placement_.release(*node_id, required);
        return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                            std::string("shared limits: ") + e.what());
      }
    }
    proto::CreateActorRequest forward = request;
    forward.set_actor_id(actor_id);
    grpc::ClientContext call;
    add_token(&call, credentials_.token);
    call.set_deadline(std::chrono::system_clock::now() + std::chrono::minutes(2));
    grpc::Status status = node_stub(*node_id, *address).CreateActor(&call, forward, reply);
    bool constructed = false;
    if (status.ok()) {
      try {
        constructed = decode_reply(reply->init_reply()).ok;
      } catch (const std::exception&) {
      }
    }
    if (!constructed) {
      limits_.detach(actor_id);
      std::lock_guard<std::mutex> lock(placement_mu_);
      placement_.release(*node_id, required);
    }
    if (status.error_code() == grpc::StatusCode::UNAVAILABLE) {
      if (first_failure.empty()) {
        first_failure = "no node could be reached to create " + what_of(request) + " (first: " +
                        *node_id + " at " + *address + ": " + status.error_message() + ")";
      }
      unreachable.insert(*node_id);
      continue;
    }
    if (!status.ok()) {
      return node_failure(*node_id + " at " + *address + " could not create " + what_of(request) +
                          ": " + status.error_message());
    }
    if (!constructed) {
      reply->set_actor_id(actor_id);
      reply->set_node_id(*node_id);
      reply->set_node_address(*address);
      return grpc::Status(grpc::StatusCode::ABORTED, "");
    }
    break;
  }
  reply->set_actor_id(actor_id);
  reply->set_node_id(*node_id);
  reply->set_node_address(*address);
  return grpc::Status::OK;
}

grpc::Status ActorManager::check_owner(const std::string& what, const std::string& session_id,
                                       bool named) const {
  if (named || (owner_alive_ && owner_alive_(session_id))) return grpc::Status::OK;
  return grpc::Status(
      grpc::StatusCode::FAILED_PRECONDITION,
      "an unnamed " + what + " belongs to the client session that creates it, and " +
          (session_id.empty() ? std::string("none was given")
                              : "'" + session_id.substr(0, 64) + "' is not open") +
          " (clients open one with Head.OpenSession; a named " + what + " may outlive it)");
}

grpc::Status ActorManager::create(const proto::CreateActorRequest& request,
                                  proto::CreateActorReply* reply, bool pool_member) {
  if (std::string bad = bad_resource(required_of(request)); !bad.empty()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "actor resource " + bad);
  }
  for (const auto& [what, text] : {std::pair<const char*, const std::string&>{
                                       "an actor name", request.name()},
                                   {"a class name", request.class_name()},
                                   {"a placement", request.placement()}}) {
    if (std::string bad = bad_name(what, text); !bad.empty()) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, bad);
    }
  }
  if (!pool_member) {
    if (auto s = check_owner("actor", request.session_id(), !request.name().empty()); !s.ok()) {
      return s;
    }
  }
  std::string actor_id = directory_.next_id();
  if (!request.name().empty() && !directory_.claim_name(request.name(), actor_id)) {
    auto holder = directory_.find_by_name(request.name());
    return grpc::Status(grpc::StatusCode::ALREADY_EXISTS,
                        "an actor named '" + request.name() + "' already exists" +
                            (holder ? " (" + holder->actor_id + ", " + holder->class_name + " on " +
                                          holder->node_id + ")"
                                    : std::string(" (being created)")));
  }
  std::string node_id, address;
  grpc::Status status = construct(request, actor_id, reply, &node_id, &address);
  if (!status.ok()) {
    if (!request.name().empty()) directory_.release_name(request.name(), actor_id);
    // ABORTED: the constructor threw; its error travels in init_reply, the RPC itself is fine.
    return status.error_code() == grpc::StatusCode::ABORTED ? grpc::Status::OK : status;
  }
  ActorRecord record;
  record.actor_id = actor_id;
  record.class_name = what_of(request);
  record.name = request.name();
  record.session_id = request.session_id();
  record.node_id = node_id;
  record.node_address = address;
  record.actor_ref = reply->actor_ref();
  record.resources = required_of(request);
  record.max_restarts = request.max_restarts();
  request.SerializeToString(&record.create_request);
  directory_.add(std::move(record));
  return grpc::Status::OK;
}

grpc::Status ActorManager::stop(const std::string& actor_id) {
  std::optional<ActorRecord> actor = directory_.stop(actor_id);
  if (!actor) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND, "no live actor '" + actor_id + "'");
  }
  limits_.detach(actor_id);
  if (actor->state != "ALIVE") return grpc::Status::OK;  // restarting: holds nothing yet
  {
    std::lock_guard<std::mutex> lock(placement_mu_);
    placement_.release(actor->node_id, actor->resources);
  }
  grpc::ClientContext call;
  add_token(&call, credentials_.token);
  call.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  proto::StopActorRequest request;
  request.set_actor_id(actor_id);
  proto::StopActorReply ignored;
  // Best effort: a node that is gone has stopped its actors already.
  node_stub(actor->node_id, actor->node_address).StopActor(&call, request, &ignored);
  return grpc::Status::OK;
}

grpc::Status ActorManager::lookup(const proto::LookupActorRequest& request,
                                  proto::LookupActorReply* reply) {
  std::optional<ActorRecord> actor = request.name().empty()
                                         ? directory_.find(request.actor_id())
                                         : directory_.find_by_name(request.name());
  if (!actor) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND,
                        request.name().empty() ? "no actor '" + request.actor_id() + "'"
                                               : "no actor named '" + request.name() + "'");
  }
  bool on_lost_node = !request.lost_node_id().empty() && actor->state == "ALIVE" &&
                      actor->node_id == request.lost_node_id();
  if ((actor->state == "RESTARTING" || on_lost_node) && request.wait_s() > 0) {
    double wait = std::min(request.wait_s(), 300.0);
    // A node the caller lost is declared dead within the heartbeat timeout, or it is alive (the
    // connection broke, not the node): then the caller gets it back after about twice that.
    if (on_lost_node) wait = std::min(wait, 2 * registry_.timeout().count() + 1.0);
    auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(Duration(wait));
    actor = directory_.settled(actor->actor_id, deadline,
                               on_lost_node ? request.lost_node_id() : std::string());
    if (!actor) return grpc::Status(grpc::StatusCode::NOT_FOUND, "no actor '" + request.actor_id() + "'");
  }
  to_reply(*actor, reply);
  return grpc::Status::OK;
}

void ActorManager::sweep(Clock::time_point now) {
  std::lock_guard<std::mutex> lock(placement_mu_);
  sweep_locked(now);
}

void ActorManager::sweep_locked(Clock::time_point now) {
  for (const auto& node_id : registry_.sweep(now)) {
    placement_.remove_node(node_id);
    // What its actors held in shared limits goes back (a restart attaches afresh).
    for (const auto& actor : directory_.all()) {
      if (actor.node_id == node_id && actor.state == "ALIVE") limits_.detach(actor.actor_id);
    }
    for (auto& actor : directory_.node_died(node_id)) restarts_.push_back(std::move(actor));
  }
}

void ActorManager::run_restarts() {
  while (true) {
    ActorRecord actor;
    {
      std::lock_guard<std::mutex> lock(placement_mu_);
      if (restarts_.empty()) return;
      actor = std::move(restarts_.front());
      restarts_.pop_front();
    }
    proto::CreateActorRequest request;
    proto::CreateActorReply reply;
    std::string node_id, address;
    if (request.ParseFromString(actor.create_request) &&
        construct(request, actor.actor_id, &reply, &node_id, &address).ok()) {
      directory_.restarted(actor.actor_id, node_id, address, reply.actor_ref());
    } else {
      directory_.restart_failed(actor.actor_id);
    }
  }
}

void ActorManager::session_ended(const std::string& session_id) {
  for (const auto& actor : directory_.session_ended(session_id)) stop(actor.actor_id);
}

void ActorManager::fill_status(proto::ClusterStatusReply* reply) const {
  for (const auto& actor : directory_.all()) {
    auto* out = reply->add_actors();
    out->set_actor_id(actor.actor_id);
    out->set_class_name(actor.class_name);
    out->set_node_id(actor.node_id);
    out->set_state(actor.state);
    out->set_name(actor.name);
    out->set_restarts(actor.restarts);
    out->mutable_resources()->insert(actor.resources.begin(), actor.resources.end());
  }
}

std::string ActorManager::address_of(const std::string& node_id) const {
  for (const auto& node : registry_.nodes()) {
    if (node.node_id == node_id) return node.address;
  }
  return "";
}

proto::Node::Stub& ActorManager::node_stub(const std::string& node_id, const std::string& address) {
  std::lock_guard<std::mutex> lock(stubs_mu_);
  auto& stub = node_stubs_[node_id];
  if (!stub) stub = proto::Node::NewStub(make_channel(address, credentials_));
  return *stub;
}

}  // namespace concurry::internal
