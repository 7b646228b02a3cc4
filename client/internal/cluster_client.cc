#include "concurry/client/internal/cluster_client.h"

#include "concurry/client/internal/client_session.h"

#include <grpcpp/grpcpp.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <thread>
#include <mutex>

#include "concurry/client/internal/embedded_cluster.h"
#include "concurry/cluster/common/call_stream.h"
#include "concurry/cluster/common/address.h"
#include "concurry/cluster/common/auth.h"
#include "concurry/cluster/common/default_credentials.h"
#include "concurry/cluster/common/digest.h"
#include "concurry/cluster/common/grpc_options.h"
#include "concurry/core/errors.h"
#include "concurry/core/limit_codec.h"
#include "concurry/core/wire.h"
#include "concurry/proto/concurry.grpc.pb.h"
#include "concurry/runtime/internal/remote_call_task.h"
#include "concurry/runtime/internal/worker_host.h"

namespace concurry::internal {
namespace {

std::mutex session_mu;
std::shared_ptr<ClusterClient> session;  // guarded by session_mu

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

// shutdown() at exit, once, for sessions opened explicitly or implicitly.
void shutdown_at_exit() {
  static std::once_flag once;
  std::call_once(once, [] { std::atexit([] { ClusterClient::shutdown(); }); });
}

std::chrono::system_clock::time_point after(Duration d) {
  return std::chrono::system_clock::now() +
         std::chrono::duration_cast<std::chrono::system_clock::duration>(d);
}

}  // namespace

struct ClusterClient::Impl {
  std::string address;
  Credentials credentials;
  Duration timeout{5.0};
  std::unique_ptr<EmbeddedCluster> embedded;
  std::unique_ptr<proto::Head::Stub> head;
  std::vector<std::string> libs;  // digests
  std::unique_ptr<ClientSession> session;  // open while we are connected
  std::mutex mu;
  std::map<std::string, std::shared_ptr<CallStream>> nodes;  // guarded by mu
  std::shared_ptr<CallStream> pools;                          // guarded by mu: to the head
  bool closed = false;                                           // guarded by mu

  // ClusterError for a failed head RPC, naming the head and the cause.
  [[noreturn]] void fail(const grpc::Status& s, const std::string& doing) const {
    switch (s.error_code()) {
      case grpc::StatusCode::UNAUTHENTICATED:
        throw ClusterError("the concurry head at " + address + " refused the auth token while " +
                           doing + " (set ConnectOptions::auth_token or CONCURRY_AUTH_TOKEN)");
      case grpc::StatusCode::UNAVAILABLE:
      case grpc::StatusCode::DEADLINE_EXCEEDED:
        throw ClusterError("cannot reach the concurry head at " + address + " while " + doing +
                           ": " + s.error_message() + security_hint(s, credentials));
      case grpc::StatusCode::RESOURCE_EXHAUSTED:
        throw ResourcesBusyError(s.error_message());
      default:
        throw ClusterError(s.error_message());
    }
  }

  void prepare(grpc::ClientContext& context, Duration deadline) const {
    add_token(&context, credentials.token);
    context.set_deadline(after(deadline));
  }

  void upload(const std::vector<std::string>& paths) {
    std::map<std::string, std::pair<std::string, std::string>> files;  // digest -> name, bytes
    for (const auto& path : paths) {
      std::string bytes;
      try {
        bytes = read_file_bytes(path);
      } catch (const std::exception& e) {
        throw InvalidOptionError(std::string("worker_libs: ") + e.what());
      }
      std::string digest = content_digest(bytes);
      libs.push_back(digest);
      size_t slash = path.rfind('/');
      files[digest] = {slash == std::string::npos ? path : path.substr(slash + 1), std::move(bytes)};
    }
    if (files.empty()) return;
    proto::MissingLibsRequest ask;
    for (const auto& [digest, file] : files) ask.add_digests(digest);
    proto::MissingLibsReply missing;
    grpc::ClientContext context;
    prepare(context, timeout);
    grpc::Status s = head->MissingLibs(&context, ask, &missing);
    if (!s.ok()) fail(s, "checking worker libraries");
    for (const auto& digest : missing.digests()) {
      proto::UploadLibRequest upload;
      upload.set_digest(digest);
      upload.set_name(files[digest].first);
      upload.set_content(std::move(files[digest].second));
      proto::UploadLibReply ok;
      grpc::ClientContext up;
      prepare(up, Duration(120.0));
      s = head->UploadLib(&up, upload, &ok);
      if (!s.ok()) fail(s, "uploading worker library " + upload.name());
    }
  }
};

ClusterClient::ClusterClient(const ConnectOptions& options) : impl_(std::make_unique<Impl>()) {
  Impl& c = *impl_;
  c.address = options.address.empty() ? env("CONCURRY_ADDRESS") : options.address;
  c.timeout = options.connect_timeout;
  if (c.address.empty()) {
    // On loopback, closed to other users of the machine by a token of its own.
    c.embedded = std::make_unique<EmbeddedCluster>(
        options.auth_token.empty() ? random_token() : options.auth_token, options.resources);
    c.address = c.embedded->head_address();
    c.credentials.token = c.embedded->token();
  } else {
    if (!options.resources.empty()) {
      throw InvalidOptionError("ConnectOptions::resources configures the embedded cluster's "
                               "node; nodes of a running cluster declare their own "
                               "(concurry-node --resources)");
    }
    check_address(c.address, options.address.empty() ? "$CONCURRY_ADDRESS" : "ConnectOptions::address");
    TlsFiles files{options.tls_ca, options.tls_cert, options.tls_key};
    if (!files.any()) files = tls_files_from_env();
    c.credentials = load_credentials(
        options.auth_token.empty() ? default_token(c.address) : options.auth_token, files);
  }
  c.head = proto::Head::NewStub(make_channel(c.address, c.credentials));
  // One round trip proves the head is there and takes our token.
  grpc::ClientContext context;
  c.prepare(context, c.timeout);
  context.set_wait_for_ready(true);  // wait out the channel's first connection attempt
  proto::ClusterStatusReply status;
  grpc::Status s = c.head->ClusterStatus(&context, proto::ClusterStatusRequest(), &status);
  if (s.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
    // Waiting hides why the channel could not connect (refused, a TLS handshake): one attempt
    // that fails fast says it.
    grpc::ClientContext probe;
    c.prepare(probe, Duration(1.0));
    grpc::Status why = c.head->ClusterStatus(&probe, proto::ClusterStatusRequest(), &status);
    if (!why.ok()) s = why;
  }
  if (!s.ok()) c.fail(s, "connecting");
  std::vector<std::string> libs = options.worker_libs;
  if (libs.empty()) {
    // A job started by the head finds the libraries shipped with it here.
    std::string shipped = env("CONCURRY_WORKER_LIBS");
    for (size_t start = 0; !shipped.empty() && start <= shipped.size();) {
      size_t end = shipped.find(':', start);
      if (end == std::string::npos) end = shipped.size();
      if (end > start) libs.push_back(shipped.substr(start, end - start));
      start = end + 1;
    }
  }
  if (!c.embedded) c.upload(libs);  // the embedded node has our classes already
  c.session = std::make_unique<ClientSession>(c.head.get(), c.credentials.token, c.address);
  grpc::Status opened = c.session->open(Duration(c.timeout));
  if (!opened.ok()) c.fail(opened, "opening a session");
  c.session->start();
}

ClusterClient::~ClusterClient() { close(); }

void ClusterClient::close() {
  std::map<std::string, std::shared_ptr<CallStream>> nodes;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->closed = true;
    nodes.swap(impl_->nodes);
    if (impl_->pools) nodes["head"] = std::move(impl_->pools);
  }
  for (auto& [address, connection] : nodes) connection->close();
  if (impl_->session) impl_->session->end();  // the head stops our unnamed actors now
  impl_->embedded.reset();
}

const std::string& ClusterClient::address() const { return impl_->address; }

namespace {

// What the head needs to place and construct one actor of `spec` (also a pool's member).
proto::CreateActorRequest actor_request(const RemoteSpec& spec, const ResolvedOptions& options,
                                        const std::string& session_id,
                                        const std::vector<std::string>& libs) {
  proto::CreateActorRequest request;
  request.set_class_name(spec.class_name);
  request.set_ctor_index(spec.ctor_index);
  request.set_ctor_args(spec.ctor_args);
  for (const auto& [name, amount] : options.merged.resources) {
    (*request.mutable_resources())[name] = amount;
  }
  if (options.merged.placement) request.set_placement(options.merged.placement->str());
  if (options.merged.name) request.set_name(*options.merged.name);
  if (options.merged.max_restarts) request.set_max_restarts(*options.merged.max_restarts);
  request.set_session_id(session_id);
  for (const auto& digest : libs) request.add_libs(digest);
  if (spec.limits.is_shared()) {
    // One budget for every cluster worker given this set: the head hosts it, under a key
    // naming this session and this set.
    LimitSet shared = spec.limits.for_worker();
    char key[64];
    std::snprintf(key, sizeof key, "%s/set-%p", session_id.c_str(),
                  static_cast<const void*>(shared.service().get()));
    request.set_shared_limits_key(key);
    request.set_shared_limits(encode_limit_definitions(shared.definitions()));
  } else if (!spec.limits.empty()) {
    // Private limits: the node builds the actor's own set from the definitions.
    request.set_limits(encode_limit_definitions(spec.limits.definitions()));
  }
  return request;
}

}  // namespace

ClusterClient::Placed ClusterClient::create_actor(const RemoteSpec& spec,
                                                  const ResolvedOptions& options) {
  Impl& c = *impl_;
  proto::CreateActorRequest request = actor_request(spec, options, c.session->id(), c.libs);
  proto::CreateActorReply reply;
  grpc::ClientContext context;
  c.prepare(context, Duration(150.0));  // constructors may take their time
  std::string what = spec.class_name.empty() ? "a TaskWorker" : spec.class_name;
  grpc::Status s = c.head->CreateActor(&context, request, &reply);
  if (!s.ok()) c.fail(s, "creating " + what);
  ReplyMessage constructed = decode_reply(reply.init_reply());
  if (!constructed.ok) raise_error(constructed.error);

  Placed placed{reply.actor_id(), reply.node_id(), reply.actor_ref(), nullptr};
  placed.class_name = spec.class_name;
  placed.max_restarts = request.max_restarts();
  placed.state = "ALIVE";
  placed.connection = connection(reply.node_address());
  return placed;
}

ClusterClient::Pool ClusterClient::create_pool(const RemoteSpec& spec,
                                              const ResolvedOptions& options) {
  Impl& c = *impl_;
  proto::CreatePoolRequest request;
  *request.mutable_member() = actor_request(spec, options, c.session->id(), c.libs);
  request.mutable_member()->clear_name();
  request.set_size(static_cast<uint32_t>(options.max_workers));
  request.set_algorithm(std::string(to_string(options.load_balancing)));
  request.set_max_queued_tasks(options.max_queued_tasks.value_or(0));
  if (options.merged.name) request.set_name(*options.merged.name);
  proto::CreatePoolReply reply;
  grpc::ClientContext context;
  c.prepare(context, Duration(300.0));
  std::string what = "a pool of " + std::to_string(options.max_workers) + " " +
                     (spec.class_name.empty() ? std::string("TaskWorker") : spec.class_name);
  grpc::Status s = c.head->CreatePool(&context, request, &reply);
  if (!s.ok()) c.fail(s, "creating " + what);
  ReplyMessage constructed = decode_reply(reply.init_reply());
  if (!constructed.ok) raise_error(constructed.error);
  return Pool{reply.pool_id(), reply.pool_ref()};
}

ClusterClient::Pool ClusterClient::find_pool(const std::string& name, std::string* class_name) {
  Impl& c = *impl_;
  proto::PoolRequest request;
  request.set_name(name);
  proto::PoolStatsReply reply;
  grpc::ClientContext context;
  c.prepare(context, c.timeout);
  grpc::Status s = c.head->PoolStats(&context, request, &reply);
  if (!s.ok()) c.fail(s, "looking up pool " + name);
  *class_name = reply.class_name();
  return Pool{reply.pool_id(), reply.pool_ref()};
}

PoolStats ClusterClient::pool_stats(const std::string& pool_id) {
  Impl& c = *impl_;
  proto::PoolRequest request;
  request.set_pool_id(pool_id);
  proto::PoolStatsReply reply;
  grpc::ClientContext context;
  c.prepare(context, c.timeout);
  grpc::Status s = c.head->PoolStats(&context, request, &reply);
  if (!s.ok()) c.fail(s, "reading the stats of " + pool_id);
  PoolStats out;
  out.total_workers = reply.total_workers();
  out.max_workers = static_cast<int>(reply.total_workers());
  out.algorithm = reply.algorithm();
  out.total_dispatched = reply.total_dispatched();
  out.stopped = reply.stopped();
  if (reply.max_queued_tasks() > 0) out.max_queued_tasks = reply.max_queued_tasks();
  for (auto n : reply.member_active()) out.in_flight += n;
  for (auto n : reply.member_queued()) out.queued += n;
  return out;
}

void ClusterClient::stop_pool(const std::string& pool_id) {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    if (impl_->closed && !impl_->embedded) return;
  }
  proto::PoolRequest request;
  request.set_pool_id(pool_id);
  proto::StopPoolReply reply;
  grpc::ClientContext context;
  impl_->prepare(context, Duration(30.0));
  impl_->head->StopPool(&context, request, &reply);  // best effort, like stop_actor
}

bool ClusterClient::closed() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->closed;
}

std::shared_ptr<CallStream> ClusterClient::pool_stream() {
  Impl& c = *impl_;
  std::lock_guard<std::mutex> lock(c.mu);
  if (c.closed) throw ClusterError("disconnected from the cluster (concurry::shutdown())");
  if (!c.pools || c.pools->broken()) {
    // A broken stream is replaced, not closed: its reader is still handing its calls to their
    // callers as lost (to be retried); it ends on its own.
    c.pools = std::make_shared<CallStream>(c.address, c.credentials, CallStream::Target::kHeadPools);
  }
  return c.pools;
}

std::shared_ptr<CallStream> ClusterClient::connection(const std::string& address) {
  Impl& c = *impl_;
  std::lock_guard<std::mutex> lock(c.mu);
  if (c.closed) throw ClusterError("disconnected from the cluster (concurry::shutdown())");
  auto& connection = c.nodes[address];
  if (!connection || connection->broken()) {
    // Replaced, not closed: see pool_stream().
    connection = std::make_shared<CallStream>(address, c.credentials);
  }
  return connection;
}

ClusterClient::Placed ClusterClient::lookup_actor(const std::string& key, bool by_name,
                                                  Duration wait, const std::string& lost_node_id) {
  Impl& c = *impl_;
  proto::LookupActorRequest request;
  if (by_name) {
    request.set_name(key);
  } else {
    request.set_actor_id(key);
  }
  request.set_wait_s(wait.count());
  request.set_lost_node_id(lost_node_id);
  proto::LookupActorReply reply;
  grpc::ClientContext context;
  c.prepare(context, c.timeout + wait);
  grpc::Status s = c.head->LookupActor(&context, request, &reply);
  if (!s.ok()) c.fail(s, "looking up actor " + key);
  Placed placed{reply.actor_id(), reply.node_id(), reply.actor_ref(), nullptr};
  placed.class_name = reply.class_name();
  placed.max_restarts = reply.max_restarts();
  placed.state = reply.state();
  if (reply.state() == "ALIVE") placed.connection = connection(reply.node_address());
  return placed;
}

void ClusterClient::stop_actor(const std::string& actor_id) {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    if (impl_->closed && !impl_->embedded) return;
  }
  grpc::ClientContext context;
  impl_->prepare(context, Duration(10.0));
  proto::StopActorRequest request;
  request.set_actor_id(actor_id);
  proto::StopActorReply reply;
  impl_->head->StopActor(&context, request, &reply);  // best effort: errors change nothing here
}

std::shared_ptr<ClusterClient> ClusterClient::current(bool implicit) {
  std::lock_guard<std::mutex> lock(session_mu);
  if (!session && implicit) {
    session = std::make_shared<ClusterClient>(ConnectOptions{});
    std::fprintf(stderr, "concurry: cluster mode: connected to %s at %s (call concurry::connect() "
                         "to choose)\n",
                 session->impl_->embedded ? "the embedded cluster" : "the cluster",
                 session->address().c_str());
    shutdown_at_exit();
  }
  return session;
}

void ClusterClient::connect(const ConnectOptions& options) {
  std::lock_guard<std::mutex> lock(session_mu);
  if (session) {
    throw InvalidOptionError("already connected to " + session->address() +
                             "; call concurry::shutdown() before connecting again");
  }
  session = std::make_shared<ClusterClient>(options);
  shutdown_at_exit();
}

void ClusterClient::shutdown() {
  std::shared_ptr<ClusterClient> ended;
  {
    std::lock_guard<std::mutex> lock(session_mu);
    ended.swap(session);
  }
  if (ended) ended->close();
}

}  // namespace concurry::internal
