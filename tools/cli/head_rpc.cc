#include "tools/cli/head_rpc.h"

#include <stdexcept>

#include "concurry/cluster/common/auth.h"
#include "concurry/cluster/common/digest.h"
#include "concurry/cluster/common/grpc_options.h"

namespace concurry::cli {

std::unique_ptr<proto::Head::Stub> HeadRpc::stub() const {
  return proto::Head::NewStub(internal::make_channel(address, credentials));
}

void HeadRpc::prepare(grpc::ClientContext& context, int seconds) const {
  internal::add_token(&context, credentials.token);
  if (seconds > 0) {
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(seconds));
  }
}

void HeadRpc::fail(const grpc::Status& s) const {
  switch (s.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      throw std::runtime_error("cannot reach the head at " + address + ": " + s.error_message() +
                               internal::security_hint(s, credentials));
    case grpc::StatusCode::UNAUTHENTICATED:
      throw std::runtime_error("the head at " + address + " refused the auth token (set " +
                               "--auth-token or CONCURRY_AUTH_TOKEN)");
    default:
      throw std::runtime_error(s.error_message());
  }
}

std::vector<std::string> HeadRpc::upload_libs(const std::vector<std::string>& paths) const {
  std::vector<std::string> digests;
  auto s = stub();
  for (const auto& path : paths) {
    std::string bytes = internal::read_file_bytes(path);
    std::string digest = internal::content_digest(bytes);
    proto::MissingLibsRequest ask;
    ask.add_digests(digest);
    proto::MissingLibsReply missing;
    grpc::ClientContext c1;
    prepare(c1, 10);
    grpc::Status status = s->MissingLibs(&c1, ask, &missing);
    if (!status.ok()) fail(status);
    if (missing.digests_size() > 0) {
      proto::UploadLibRequest up;
      up.set_digest(digest);
      up.set_name(path.substr(path.rfind('/') + 1));
      up.set_content(std::move(bytes));
      proto::UploadLibReply ok;
      grpc::ClientContext c2;
      prepare(c2, 120);
      status = s->UploadLib(&c2, up, &ok);
      if (!status.ok()) fail(status);
    }
    digests.push_back(digest);
  }
  return digests;
}

}  // namespace concurry::cli
