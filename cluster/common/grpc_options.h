// Channel and server settings every cluster connection shares: the party's credentials (TLS when
// it has TLS material, mutual when its servers have a CA: credentials.h), large messages (worker
// libraries, big arguments) up to 256 MiB, and keepalive pings so that a peer that vanished
// without closing its connection is noticed within seconds; status messages bounded
// (status_cap.h). Internal (includes gRPC).
#ifndef CONCURRY_CLUSTER_COMMON_GRPC_OPTIONS_H_
#define CONCURRY_CLUSTER_COMMON_GRPC_OPTIONS_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "concurry/cluster/common/credentials.h"
#include "concurry/cluster/common/status_cap.h"
#include "concurry/core/errors.h"

namespace concurry::internal {

inline constexpr int kMaxMessageBytes = 256 << 20;

inline std::shared_ptr<grpc::ChannelCredentials> channel_credentials(const Credentials& c) {
  if (!c.tls()) return grpc::InsecureChannelCredentials();
  grpc::SslCredentialsOptions tls;
  tls.pem_root_certs = c.ca_pem;  // "" = the system's roots
  tls.pem_private_key = c.key_pem;
  tls.pem_cert_chain = c.cert_pem;
  return grpc::SslCredentials(tls);
}

inline std::shared_ptr<grpc::ServerCredentials> server_credentials(const Credentials& c) {
  if (!c.serves_tls()) return grpc::InsecureServerCredentials();
  grpc::SslServerCredentialsOptions tls(
      c.mutual_tls() ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
                     : GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  tls.pem_root_certs = c.ca_pem;
  tls.pem_key_cert_pairs.push_back({c.key_pem, c.cert_pem});
  return grpc::SslServerCredentials(tls);
}

inline std::shared_ptr<grpc::Channel> make_channel(const std::string& address,
                                                   const Credentials& credentials) {
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
  return grpc::CreateCustomChannel(address, channel_credentials(credentials), args);
}

// What to add to "cannot reach X: <status>" so that a TLS or plaintext mismatch reads as one:
// "" when nothing about the transport's security explains the failure.
inline std::string security_hint(const grpc::Status& s, const Credentials& c) {
  const std::string& m = s.error_message();
  if (m.find("andshake") != std::string::npos || m.find("certificate") != std::string::npos) {
    return c.ca_pem.empty() ? " (TLS handshake failed: give the CA that signed the cluster's "
                              "certificates with --tls-ca / ConnectOptions::tls_ca)"
                            : " (TLS handshake failed: the peer's certificate is not signed by "
                              "the CA in " + c.files.ca + ", or does not name this address; or "
                              "the peer does not serve TLS)";
  }
  if (s.error_code() != grpc::StatusCode::UNAVAILABLE) return "";
  if (!c.tls()) {
    return " (if it serves TLS, give --tls-ca — and --tls-cert/--tls-key when it requires "
           "client certificates)";
  }
  if (c.cert_pem.empty()) {
    return " (if it requires client certificates (mutual TLS), give --tls-cert and --tls-key)";
  }
  return " (if the peer does not serve TLS, or does not trust this party's certificate, the "
         "connection is closed like this)";
}

// Starts a server for `service` on host:port (0: a free port) with the shared settings; returns
// it and sets `bound` to "host:port". Throws ClusterError when it cannot listen.
inline std::unique_ptr<grpc::Server> start_server(grpc::Service* service, const std::string& host,
                                                  int port, const Credentials& credentials,
                                                  std::string* bound) {
  int bound_port = 0;
  grpc::ServerBuilder builder;
  std::string address = host + ":" + std::to_string(port);
  builder.AddListeningPort(address, server_credentials(credentials), &bound_port);
  builder.SetMaxReceiveMessageSize(kMaxMessageBytes);
  builder.SetMaxSendMessageSize(kMaxMessageBytes);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 1000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES, 0);
  builder.experimental().SetInterceptorCreators(status_cap_interceptors());
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
