#include "concurry/runtime/internal/executor_factory.h"

#include <string>

#include "concurry/core/errors.h"

namespace concurry::internal {
namespace {

[[noreturn]] void refuse(const std::string& what) {
  throw InvalidOptionError(what);
}

}  // namespace

void check_supported(const ResolvedOptions& r) {
  std::string mode(to_string(r.mode));
  if (r.mode != Mode::kSync && r.mode != Mode::kThread && r.mode != Mode::kAsyncio) {
    refuse("mode '" + mode + "' is not available in this build yet; available modes: 'sync', "
           "'thread', 'asyncio'");
  }
  const Options& o = r.merged;
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
    default:
      check_supported(options);  // throws, naming the mode
      refuse("unsupported mode");
  }
}

}  // namespace concurry::internal
