// Dispatcher: how a WorkerCore's calls reach executors. One mechanism for a single worker and a
// pool (PoolDispatcher: LoadBalancer + one SubmissionQueue per member, from core/) and for
// on-demand workers (OnDemandDispatcher: a fresh worker per call, a SubmissionQueue as the slot
// limit). Thread-safe. Internal.
#ifndef CONCURRY_RUNTIME_INTERNAL_DISPATCHER_H_
#define CONCURRY_RUNTIME_INTERNAL_DISPATCHER_H_

#include <functional>
#include <memory>

#include "concurry/core/options.h"
#include "concurry/runtime/internal/call_task.h"
#include "concurry/runtime/pool_stats.h"

namespace concurry::internal {

// Makes one worker instance (nullptr for task workers); throws what the constructor throws.
using InstanceFactory = std::function<std::shared_ptr<void>()>;

class Dispatcher {
 public:
  virtual ~Dispatcher() = default;
  // Sends the call to a worker now, or holds it client-side until a slot frees (the caller's
  // future is returned at once either way). After stop() the call is cancelled.
  virtual void dispatch(std::unique_ptr<CallTask> task) = 0;
  // Cancels every held and queued call, stops every worker, waits up to `timeout` in all.
  virtual void stop(Duration timeout) = 0;
  // True when dispatch() runs the call before returning (sync mode).
  virtual bool is_inline() const = 0;
  virtual PoolStats stats() const = 0;
};

// The dispatcher `options` call for: on-demand, or a pool of max_workers (1 = single worker).
std::unique_ptr<Dispatcher> make_dispatcher(const ResolvedOptions& options,
                                            const InstanceFactory& factory);

// Cluster pools are dispatched by the head: the client library (//client) registers the
// dispatcher that streams their calls there. Without it, cluster pools are dispatched here.
using ClusterPoolBackend = std::unique_ptr<Dispatcher> (*)(const ResolvedOptions& options,
                                                            const InstanceFactory& factory);
void set_cluster_pool_backend(ClusterPoolBackend backend);

}  // namespace concurry::internal

#endif  // CONCURRY_RUNTIME_INTERNAL_DISPATCHER_H_
