// The CLI's way to talk to the head: one unary RPC with the token and a deadline, failures turned
// into one-line std::runtime_errors naming the head (unreachable, token refused, or what the head
// said), and worker libraries uploaded once (content-addressed). Internal to tools/.
#ifndef CONCURRY_TOOLS_CLI_HEAD_RPC_H_
#define CONCURRY_TOOLS_CLI_HEAD_RPC_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "concurry/cluster/common/credentials.h"
#include "concurry/proto/concurry.grpc.pb.h"

namespace concurry::cli {

struct HeadRpc {
  std::string address;
  internal::Credentials credentials;

  std::unique_ptr<proto::Head::Stub> stub() const;
  // Adds the token and, when seconds > 0, a deadline.
  void prepare(grpc::ClientContext& context, int seconds) const;
  [[noreturn]] void fail(const grpc::Status& status) const;

  template <class Request, class Reply, class Method>
  Reply call(Method method, const Request& request, int seconds) const {
    auto s = stub();
    Reply reply;
    grpc::ClientContext context;
    prepare(context, seconds);
    grpc::Status status = ((*s).*method)(&context, request, &reply);
    if (!status.ok()) fail(status);
    return reply;
  }

  // Uploads the libraries the head does not hold yet; returns their digests, in order.
  std::vector<std::string> upload_libs(const std::vector<std::string>& paths) const;
};

}  // namespace concurry::cli

#endif  // CONCURRY_TOOLS_CLI_HEAD_RPC_H_
