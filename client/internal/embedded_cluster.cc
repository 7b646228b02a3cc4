#include "concurry/client/internal/embedded_cluster.h"

#include <atomic>
#include <thread>

#include "concurry/cluster/head/head_server.h"
#include "concurry/cluster/node/node_agent.h"
#include "concurry/cluster/node/node_server.h"

namespace concurry::internal {

struct EmbeddedCluster::Impl {
  std::unique_ptr<HeadServer> head;
  std::unique_ptr<NodeServer> node;
  std::unique_ptr<NodeAgent> agent;
  std::string head_address;
  std::string token;
  std::map<std::string, double> resources;
  std::atomic<bool> stop{false};
  std::thread heartbeats;
};

EmbeddedCluster::EmbeddedCluster(const std::string& auth_token,
                                 std::map<std::string, double> resources)
    : impl_(std::make_unique<Impl>()) {
  if (resources.empty()) {
    resources["cpu"] = static_cast<double>(std::max(1u, std::thread::hardware_concurrency()));
  }
  impl_->resources = resources;
  impl_->token = auth_token;
  HeadConfig head_config;
  head_config.credentials.token = auth_token;
  impl_->head = std::make_unique<HeadServer>(head_config);
  impl_->head_address = impl_->head->start();

  NodeServerConfig node_config;
  node_config.head = impl_->head_address;
  node_config.credentials.token = auth_token;
  impl_->node = std::make_unique<NodeServer>(node_config);
  NodeConfig agent_config;
  agent_config.head = impl_->head_address;
  agent_config.address = impl_->node->start();
  agent_config.resources = std::move(resources);
  agent_config.credentials.token = auth_token;
  impl_->agent = std::make_unique<NodeAgent>(agent_config);
  impl_->agent->register_with_head();
  Impl* impl = impl_.get();
  impl_->heartbeats = std::thread([impl] {
    try {
      impl->agent->heartbeat_until(impl->stop);
    } catch (const std::exception&) {
      // The head is in this process: it only stops when we do.
    }
  });
}

EmbeddedCluster::~EmbeddedCluster() {
  impl_->stop = true;
  if (impl_->heartbeats.joinable()) impl_->heartbeats.join();
  impl_->head->shutdown();  // first: its streams to the node end, so the node stops at once
  impl_->node->shutdown();
}

const std::string& EmbeddedCluster::head_address() const { return impl_->head_address; }

const std::string& EmbeddedCluster::token() const { return impl_->token; }

const std::map<std::string, double>& EmbeddedCluster::resources() const {
  return impl_->resources;
}

}  // namespace concurry::internal
