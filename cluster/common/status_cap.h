// StatusCap: a server interceptor that bounds the message of every status a daemon returns.
// Errors quote what they were sent (a name, a path); a 100 KiB name made the status larger than
// the 8 KiB of headers a client accepts, so the client saw "received initial metadata size
// exceeds limit" (RESOURCE_EXHAUSTED) instead of the error. Past kMaxStatusMessage bytes the
// message is cut and says so. Internal (includes gRPC).
#ifndef CONCURRY_CLUSTER_COMMON_STATUS_CAP_H_
#define CONCURRY_CLUSTER_COMMON_STATUS_CAP_H_

#include <grpcpp/grpcpp.h>
#include <grpcpp/support/server_interceptor.h>

#include <memory>
#include <string>
#include <vector>

namespace concurry::internal {

inline constexpr size_t kMaxStatusMessage = 2048;

// `message` cut to kMaxStatusMessage bytes (on a UTF-8 character boundary), saying how much went.
inline std::string capped_status_message(const std::string& message) {
  if (message.size() <= kMaxStatusMessage) return message;
  size_t keep = kMaxStatusMessage - 64;
  while (keep > 0 && (static_cast<unsigned char>(message[keep]) & 0xC0) == 0x80) --keep;
  return message.substr(0, keep) + "... (" + std::to_string(message.size() - keep) +
         " more bytes cut)";
}

class StatusCapInterceptor final : public grpc::experimental::Interceptor {
 public:
  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::PRE_SEND_STATUS)) {
      grpc::Status status = methods->GetSendStatus();
      if (status.error_message().size() > kMaxStatusMessage) {
        methods->ModifySendStatus(grpc::Status(status.error_code(),
                                               capped_status_message(status.error_message())));
      }
    }
    methods->Proceed();
  }
};

class StatusCapFactory final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo*) override {
    return new StatusCapInterceptor();
  }
};

inline std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
status_cap_interceptors() {
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> out;
  out.push_back(std::make_unique<StatusCapFactory>());
  return out;
}

}  // namespace concurry::internal

#endif  // CONCURRY_CLUSTER_COMMON_STATUS_CAP_H_
