// get_actor / get_pool: a Handle to a named cluster actor or pool, from any client of the
// cluster.
//
//   // one program:
//   auto counter = concurry::options<Counter>({.mode = "cluster", .name = "counter"}).init(0);
//   // another (or the same):
//   auto same = concurry::get_actor<Counter>("counter");
//   same.add(1).result();   // the same instance, the same state
//
// Throws ClusterError when no live actor has that name (or the head is unreachable) and
// InvalidOptionError when it is of another class. Destroying or stopping this handle leaves the
// actor running: it stops when the handle that created it does. `options` may set per-call
// behaviour (retries, blocking, max_queued_tasks); the mode is always "cluster".
#ifndef CONCURRY_CLIENT_GET_ACTOR_H_
#define CONCURRY_CLIENT_GET_ACTOR_H_

#include <memory>
#include <string>

#include "concurry/core/errors.h"
#include "concurry/core/options.h"
#include "concurry/runtime/handle.h"
#include "concurry/runtime/internal/executor_factory.h"
#include "concurry/runtime/internal/remote_call_task.h"
#include "concurry/runtime/internal/worker_core.h"
#include "concurry/runtime/worker_builder.h"

namespace concurry {

namespace internal {
// A handle attached to the running named actor (or, with `pool`, the named pool).
template <class T>
Handle<T> attach_named(const char* what, const std::string& name, Options options, bool pool) {
  using M = Methods<T>;
  static_assert(M::kRemote,
                "concurry: get_actor / get_pool need the class registered with CONCURRY_WORKER");
  if (name.empty()) throw InvalidOptionError(std::string(what) + ": the name is empty");
  options.mode = "cluster";
  options.max_workers = pool ? 2 : 1;  // any size > 1 selects the head-dispatched pool
  options.on_demand = false;
  ResolvedOptions resolved = resolve_options(options, class_defaults<T>(), M::names());
  check_supported(resolved);
  auto spec = std::make_shared<RemoteSpec>();
  spec->class_name = M::kName;
  spec->existing_name = name;
  return Handle<T>(std::make_shared<WorkerCore>(
      M::kName, std::move(resolved), [spec]() -> std::shared_ptr<void> { return spec; }));
}
}  // namespace internal

template <class T>
Handle<T> get_actor(const std::string& name, Options options = {}) {
  return internal::attach_named<T>("get_actor", name, std::move(options), /*pool=*/false);
}

// A named cluster pool (`.name` with `max_workers > 1`); its calls are dispatched by the head
// together with every other client's. Stopping this handle leaves the pool running.
template <class T>
Handle<T> get_pool(const std::string& name, Options options = {}) {
  return internal::attach_named<T>("get_pool", name, std::move(options), /*pool=*/true);
}

}  // namespace concurry

#endif  // CONCURRY_CLIENT_GET_ACTOR_H_
