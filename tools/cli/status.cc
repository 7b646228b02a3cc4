#include "tools/cli/status.h"

#include <grpcpp/grpcpp.h>

#include <cstdio>
#include <map>
#include <stdexcept>

#include "concurry/proto/concurry.grpc.pb.h"
#include "tools/cli/head_rpc.h"
#include "tools/cli/jobs.h"
#include "tools/cli/json_text.h"

namespace concurry::cli {
namespace {

template <class Map>
std::string json_map(const Map& m) {
  std::string out = "{";
  for (const auto& [k, v] : m) out += (out.size() > 1 ? ", " : "") + json_string(k) + ": " + json_number(v);
  return out + "}";
}

template <class Map>
std::string text_map(const Map& m) {
  std::string out;
  for (const auto& [k, v] : m) out += (out.empty() ? "" : ",") + k + "=" + json_number(v);
  return out.empty() ? "-" : out;
}

// "12", or "10000 shown, 52 more not shown" when the head left some out.
std::string count(int shown, uint32_t omitted) {
  if (omitted == 0) return std::to_string(shown);
  return std::to_string(shown) + " shown, " + std::to_string(omitted) + " more not shown";
}

}  // namespace

std::string cluster_status(const HeadRpc& head, bool json) {
  auto reply = head.call<proto::ClusterStatusRequest, proto::ClusterStatusReply>(
      &proto::Head::Stub::ClusterStatus, proto::ClusterStatusRequest(), 5);
  auto jobs = head.call<proto::ClusterStatusRequest, proto::JobList>(
      &proto::Head::Stub::ListJobs, proto::ClusterStatusRequest(), 5);
  // What each node's live actors hold.
  std::map<std::string, std::map<std::string, double>> used;
  std::map<std::string, int> load;  // live actors per node
  for (const auto& a : reply.actors()) {
    if (a.state() != "ALIVE") continue;
    ++load[a.node_id()];
    for (const auto& [k, v] : a.resources()) used[a.node_id()][k] += v;
  }
  std::string out;
  if (json) {
    out = "{\"head\": " + json_string(head.address) + ", \"nodes\": [";
    for (int i = 0; i < reply.nodes_size(); ++i) {
      const auto& n = reply.nodes(i);
      std::map<std::string, double> total(n.resources().begin(), n.resources().end());
      out += std::string(i ? ", " : "") + "{\"node_id\": " + json_string(n.node_id()) +
             ", \"address\": " + json_string(n.address()) + ", \"alive\": " +
             (n.alive() ? "true" : "false") + ", \"resources_total\": " + json_map(total) +
             ", \"resources_used\": " + json_map(used[n.node_id()]) +
             ", \"actors\": " + std::to_string(load[n.node_id()]) +
             ", \"seconds_since_heartbeat\": " + json_number(n.seconds_since_heartbeat()) + "}";
    }
    out += "], \"actors\": [";
    for (int i = 0; i < reply.actors_size(); ++i) {
      const auto& a = reply.actors(i);
      std::map<std::string, double> res(a.resources().begin(), a.resources().end());
      out += std::string(i ? ", " : "") + "{\"actor_id\": " + json_string(a.actor_id()) +
             ", \"class\": " + json_string(a.class_name()) + ", \"name\": " + json_string(a.name()) +
             ", \"node_id\": " + json_string(a.node_id()) + ", \"state\": " + json_string(a.state()) +
             ", \"restarts\": " + std::to_string(a.restarts()) +
             ", \"resources\": " + json_map(res) + "}";
    }
    out += "], \"pools\": [";
    for (int i = 0; i < reply.pools_size(); ++i) {
      const auto& p = reply.pools(i);
      std::string active, queued;
      for (int m = 0; m < p.member_active_size(); ++m) {
        active += (m ? ", " : "") + std::to_string(p.member_active(m));
        queued += (m ? ", " : "") + std::to_string(p.member_queued(m));
      }
      out += std::string(i ? ", " : "") + "{\"pool_id\": " + json_string(p.pool_id()) +
             ", \"name\": " + json_string(p.name()) + ", \"class\": " + json_string(p.class_name()) +
             ", \"members\": " + std::to_string(p.total_workers()) +
             ", \"algorithm\": " + json_string(p.algorithm()) +
             ", \"dispatched\": " + std::to_string(p.total_dispatched()) +
             ", \"in_flight\": [" + active + "], \"queued\": [" + queued + "]}";
    }
    out += "], \"jobs\": [";
    for (int i = 0; i < jobs.jobs_size(); ++i) {
      out += std::string(i ? ", " : "") + describe_job(jobs.jobs(i), true);
    }
    out += "], \"omitted\": {\"nodes\": " + std::to_string(reply.nodes_omitted()) +
           ", \"actors\": " + std::to_string(reply.actors_omitted()) +
           ", \"pools\": " + std::to_string(reply.pools_omitted()) +
           ", \"jobs\": " + std::to_string(jobs.jobs_omitted());
    return out + "}}\n";
  }
  out = "head " + head.address + "\n\nnodes (" + count(reply.nodes_size(), reply.nodes_omitted()) +
        ")\n";
  char line[512];
  std::snprintf(line, sizeof line, "  %-10s %-22s %-6s %-24s %-24s %-7s %s\n", "NODE", "ADDRESS",
                "STATE", "TOTAL", "USED", "ACTORS", "HEARTBEAT");
  out += line;
  for (const auto& n : reply.nodes()) {
    std::map<std::string, double> total(n.resources().begin(), n.resources().end());
    std::snprintf(line, sizeof line, "  %-10s %-22s %-6s %-24s %-24s %-7d %.1fs ago\n",
                  n.node_id().c_str(), n.address().c_str(), n.alive() ? "alive" : "dead",
                  text_map(total).c_str(), text_map(used[n.node_id()]).c_str(),
                  load[n.node_id()], n.seconds_since_heartbeat());
    out += line;
  }
  out += "\nactors (" + count(reply.actors_size(), reply.actors_omitted()) + ")\n";
  std::snprintf(line, sizeof line, "  %-10s %-16s %-14s %-10s %-10s %s\n", "ACTOR", "CLASS", "NAME",
                "NODE", "STATE", "RESTARTS");
  out += line;
  for (const auto& a : reply.actors()) {
    std::snprintf(line, sizeof line, "  %-10s %-16s %-14s %-10s %-10s %d\n", a.actor_id().c_str(),
                  a.class_name().c_str(), a.name().empty() ? "-" : a.name().c_str(),
                  a.node_id().c_str(), a.state().c_str(), a.restarts());
    out += line;
  }
  out += "\npools (" + count(reply.pools_size(), reply.pools_omitted()) + ")\n";
  std::snprintf(line, sizeof line, "  %-8s %-14s %-12s %-8s %-16s %-10s %s\n", "POOL", "NAME",
                "CLASS", "MEMBERS", "ALGORITHM", "DISPATCHED", "QUEUED (per member)");
  out += line;
  for (const auto& p : reply.pools()) {
    std::string queued;
    for (auto q : p.member_queued()) queued += (queued.empty() ? "" : ",") + std::to_string(q);
    std::snprintf(line, sizeof line, "  %-8s %-14s %-12s %-8u %-16s %-10llu %s\n",
                  p.pool_id().c_str(), p.name().empty() ? "-" : p.name().c_str(),
                  p.class_name().c_str(), p.total_workers(), p.algorithm().c_str(),
                  static_cast<unsigned long long>(p.total_dispatched()), queued.c_str());
    out += line;
  }
  out += "\njobs (" + count(jobs.jobs_size(), jobs.jobs_omitted()) + ")\n";
  for (const auto& j : jobs.jobs()) out += "  " + describe_job(j, false) + "\n";
  return out;
}

}  // namespace concurry::cli
