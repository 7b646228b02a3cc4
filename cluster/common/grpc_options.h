// Channel and server settings every cluster connection shares: large messages (worker
// libraries, big arguments) up to 256 MiB, and keepalive pings so that a peer that vanished
// without closing its connection is noticed within seconds. Internal (includes gRPC).
#ifndef CONCURRY_CLUSTER_COMMON_GRPC_OPTIONS_H_
#define CONCURRY_CLUSTER_COMMON_GRPC_OPTIONS_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

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

inline void configure_server(grpc::ServerBuilder& builder) {
  builder.SetMaxReceiveMessageSize(kMaxMessageBytes);
  builder.SetMaxSendMessageSize(kMaxMessageBytes);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 1000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES, 0);
}

}  // namespace concurry::internal

#endif  // CONCURRY_CLUSTER_COMMON_GRPC_OPTIONS_H_
