#include "concurry/runtime/internal/executor_factory.h"

#include <string>

#include "concurry/core/errors.h"
#include "concurry/runtime/init.h"
#include "concurry/runtime/internal/remote_call_task.h"

namespace concurry::internal {
namespace {

[[noreturn]] void refuse(const std::string& what) {
  throw InvalidOptionError(what);
}

}  // namespace

void check_supported(const ResolvedOptions& r) {
  std::string mode(to_string(r.mode));
  if (r.mode == Mode::kCluster) {
    refuse("mode 'cluster' is not available in this build yet; available modes: 'sync', "
           "'thread', 'asyncio', 'process'");
  }
  const Options& o = r.merged;
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
    if (o.max_restarts && *o.max_restarts != 0) {
      refuse("option 'max_restarts' applies to cluster mode only (mode is '" + mode + "')");
    }
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
      auto spec = std::static_pointer_cast<RemoteSpec>(instance);
      if (!spec || spec->magic != RemoteSpec::kMagic) {
        throw Error("internal: a process worker was started without a RemoteSpec");
      }
      auto context = parse_option<MpContext>(
          "mp_context", options.merged.mp_context ? options.merged.mp_context->str() : "forkserver");
      return std::make_unique<ProcessExecutor>(*spec, context, std::move(on_complete));
    }
    default:
      check_supported(options);  // throws, naming the mode
      refuse("unsupported mode");
  }
}

}  // namespace concurry::internal
