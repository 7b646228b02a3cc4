#include "concurry/runtime/internal/executor_factory.h"

#include <atomic>
#include <string>

#include "concurry/core/errors.h"
#include "concurry/runtime/init.h"
#include "concurry/runtime/internal/remote_call_task.h"

namespace concurry::internal {
namespace {

[[noreturn]] void refuse(const std::string& what) {
  throw InvalidOptionError(what);
}

std::atomic<ClusterBackend> cluster_backend{nullptr};

const RemoteSpec& remote_spec(const std::shared_ptr<void>& instance) {
  auto spec = std::static_pointer_cast<RemoteSpec>(instance);
  if (!spec || spec->magic != RemoteSpec::kMagic) {
    throw Error("internal: a remote worker was started without a RemoteSpec");
  }
  return *spec;
}

}  // namespace

void set_cluster_backend(ClusterBackend backend) { cluster_backend.store(backend); }

void check_supported(const ResolvedOptions& r) {
  std::string mode(to_string(r.mode));
  const Options& o = r.merged;
  if (r.mode == Mode::kCluster) {
    if (!cluster_backend.load()) {
      refuse("mode 'cluster' needs the concurry client library: depend on //:concurry or "
             "//client (this program links only the local modes)");
    }
    if (o.placement) parse_option<Placement>("placement", o.placement->str());
    if (std::string bad = bad_resource(o.resources); !bad.empty()) {
      refuse("option 'resources': " + bad);
    }
    if (o.limits.is_shared() && o.limits.for_worker().definitions().empty() &&
        !o.limits.for_worker().empty()) {
      refuse("option 'limits': this LimitSet is a view of a budget hosted elsewhere; cluster "
             "workers need one built from limit definitions (the head then hosts it)");
    }
  }
  if (r.mode == Mode::kProcess) {
    auto context =
        parse_option<MpContext>("mp_context", o.mp_context ? o.mp_context->str() : "forkserver");
    if (context != MpContext::kFork && !init_called()) {
      refuse("mp_context '" + std::string(to_string(context)) +
             "' needs concurry::init(argc, argv) as the first line of main(): it starts the "
             "fork server and makes spawned copies of the program worker hosts (or use "
             ".mp_context = \"fork\", which works anywhere)");
    }
  }
  if (r.mode != Mode::kCluster) {
    if (!o.resources.empty()) refuse("option 'resources' applies to cluster mode only (mode is '" + mode + "')");
    if (o.name) refuse("option 'name' applies to cluster mode only (mode is '" + mode + "')");
    if (o.max_restarts && *o.max_restarts != 0 && r.mode != Mode::kProcess) {
      refuse("option 'max_restarts' applies to process and cluster modes only (mode is '" + mode +
             "': its workers cannot crash apart from this process)");
    }
  }
  if (r.mode == Mode::kProcess && r.on_demand && o.max_restarts && *o.max_restarts != 0) {
    refuse("option 'max_restarts' does not apply to on-demand workers (each call gets a fresh "
           "worker); use a pool (max_workers) to have crashed workers replaced");
  }
}

std::unique_ptr<Executor> make_executor(const ResolvedOptions& options,
                                        std::shared_ptr<void> instance,
                                        CompletionHook on_complete) {
  switch (options.mode) {
    case Mode::kSync:
      return std::make_unique<InlineExecutor>(std::move(instance), std::move(on_complete));
    case Mode::kThread:
      return std::make_unique<ThreadExecutor>(std::move(instance), std::move(on_complete));
    case Mode::kAsyncio:
      return std::make_unique<AsyncioExecutor>(std::move(instance));  // no queue: no hook
    case Mode::kProcess: {
      auto context = parse_option<MpContext>(
          "mp_context", options.merged.mp_context ? options.merged.mp_context->str() : "forkserver");
      return std::make_unique<ProcessExecutor>(remote_spec(instance), context,
                                               std::move(on_complete));
    }
    case Mode::kCluster: {
      ClusterBackend backend = cluster_backend.load();
      if (!backend) check_supported(options);  // throws, saying what to link
      return backend(remote_spec(instance), options, std::move(on_complete));
    }
    default:
      check_supported(options);  // throws, naming the mode
      refuse("unsupported mode");
  }
}

}  // namespace concurry::internal
