// The shared-token check of every cluster RPC. Clients send `authorization: Bearer <token>`;
// a server with a token refuses a missing or wrong one with UNAUTHENTICATED and runs nothing.
// Internal (includes gRPC).
#ifndef CONCURRY_CLUSTER_COMMON_AUTH_H_
#define CONCURRY_CLUSTER_COMMON_AUTH_H_

#include <grpcpp/grpcpp.h>

#include <string>

namespace concurry::internal {

inline constexpr const char* kAuthHeader = "authorization";

inline grpc::Status check_token(const grpc::ServerContext* context, const std::string& token) {
  if (token.empty()) return grpc::Status::OK;
  auto it = context->client_metadata().find(kAuthHeader);
  if (it == context->client_metadata().end() ||
      std::string(it->second.data(), it->second.size()) != "Bearer " + token) {
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                        "missing or wrong auth token (set --auth-token / CONCURRY_AUTH_TOKEN)");
  }
  return grpc::Status::OK;
}

inline void add_token(grpc::ClientContext* context, const std::string& token) {
  if (!token.empty()) context->AddMetadata(kAuthHeader, "Bearer " + token);
}

}  // namespace concurry::internal

#endif  // CONCURRY_CLUSTER_COMMON_AUTH_H_
