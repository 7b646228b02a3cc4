// Channel and server settings every cluster connection shares: large messages (worker
// libraries, big arguments) up to 256 MiB, and keepalive pings so that a peer that vanished
// without closing its connection is noticed within seconds. Internal (includes gRPC).
#ifndef CONCURRY_CLUSTER_COMMON_GRPC_OPTIONS_H_
#define CONCURRY_CLUSTER_COMMON_GRPC_OPTIONS_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "concurry/core/errors.h"

namespace concurry::internal {

inline constexpr int kMaxMessageBytes = 256 << 20;

inline std::shared_ptr<grpc::Channel> make_channel(const std::string& address) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(kMaxMessageBytes);
  args.SetMaxSendMessageSize(kMaxMessageBytes);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 2000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 2000);
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  // A separate channel per address, not shared with other stubs of this process: a call
  // stream's traffic never queues behind another connection's.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
}

// Starts a server for `service` on host:port (0: a free port) with the shared settings; returns
// it and sets `bound` to "host:port". Throws ClusterError when it cannot listen.
inline std::unique_ptr<grpc::Server> start_server(grpc::Service* service, const std::string& host,
                                                  int port, std::string* bound) {
  int bound_port = 0;
  grpc::ServerBuilder builder;
  std::string address = host + ":" + std::to_string(port);
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), &bound_port);
  builder.SetMaxReceiveMessageSize(kMaxMessageBytes);
  builder.SetMaxSendMessageSize(kMaxMessageBytes);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 1000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES, 0);
  builder.RegisterService(service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || bound_port == 0) {
    throw ClusterError("cannot listen on " + address + " (address in use, or not a local address)");
  }
  *bound = host + ":" + std::to_string(bound_port);
  return server;
}

}  // namespace concurry::internal

#endif  // CONCURRY_CLUSTER_COMMON_GRPC_OPTIONS_H_
