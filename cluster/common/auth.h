// The shared-token check of every cluster RPC. Clients send `authorization: Bearer <token>`;
// a server with a token refuses a missing or wrong one with UNAUTHENTICATED and runs nothing;
// the comparison takes the same time wherever the token differs.
// Internal (includes gRPC).
#ifndef CONCURRY_CLUSTER_COMMON_AUTH_H_
#define CONCURRY_CLUSTER_COMMON_AUTH_H_

#include <grpcpp/grpcpp.h>

#include <string>
#include <string_view>

namespace concurry::internal {

inline constexpr const char* kAuthHeader = "authorization";

// Equal contents, in time that depends on the lengths only (not on where they differ).
inline bool same_secret(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  volatile unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    diff = diff | static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return diff == 0;
}

inline grpc::Status check_token(const grpc::ServerContext* context, const std::string& token) {
  if (token.empty()) return grpc::Status::OK;
  auto it = context->client_metadata().find(kAuthHeader);
  if (it == context->client_metadata().end() ||
      !same_secret(std::string_view(it->second.data(), it->second.size()), "Bearer " + token)) {
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                        "missing or wrong auth token (set --auth-token / CONCURRY_AUTH_TOKEN)");
  }
  return grpc::Status::OK;
}

// The token kept in `path` (its first line, trailing whitespace dropped), so that it need not
// be on a command line (`ps` shows argv to every user). Throws InvalidOptionError naming the
// file when it cannot be read, is empty, or is readable by its group or others.
std::string read_token_file(const std::string& path);

inline void add_token(grpc::ClientContext* context, const std::string& token) {
  if (!token.empty()) context->AddMetadata(kAuthHeader, "Bearer " + token);
}

}  // namespace concurry::internal

#endif  // CONCURRY_CLUSTER_COMMON_AUTH_H_
