// Checks resolved options against what this build supports and makes the executor for a mode.
// Internal.
#ifndef CONCURRY_RUNTIME_INTERNAL_EXECUTOR_FACTORY_H_
#define CONCURRY_RUNTIME_INTERNAL_EXECUTOR_FACTORY_H_

#include <memory>

#include "concurry/core/options.h"
#include "concurry/runtime/internal/executor.h"

namespace concurry::internal {

// Throws InvalidOptionError for an option no supported mode gives behaviour to yet, naming the
// option and what is supported.
void check_supported(const ResolvedOptions& options);

// The executor of one local worker whose instance is `instance` (nullptr for task workers);
// `on_complete` runs after each call it finishes (may be empty).
std::unique_ptr<Executor> make_executor(const ResolvedOptions& options,
                                        std::shared_ptr<void> instance,
                                        CompletionHook on_complete);

struct RemoteSpec;

// Cluster mode lives in the client library (//client), above runtime: it registers its
// executor factory here when linked. Until then `mode = "cluster"` is refused, saying so.
using ClusterBackend = std::unique_ptr<Executor> (*)(const RemoteSpec& spec,
                                                      const ResolvedOptions& options,
                                                      CompletionHook on_complete);
void set_cluster_backend(ClusterBackend backend);

}  // namespace concurry::internal

#endif  // CONCURRY_RUNTIME_INTERNAL_EXECUTOR_FACTORY_H_
