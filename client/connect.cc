#include "concurry/client/connect.h"

#include "concurry/client/internal/cluster_client.h"

namespace concurry {

void connect(const ConnectOptions& options) { internal::ClusterClient::connect(options); }

void shutdown() { internal::ClusterClient::shutdown(); }

std::string connected_address() {
  auto client = internal::ClusterClient::current(/*implicit=*/false);
  return client ? client->address() : "";
}

}  // namespace concurry
