// options<T>(...).init(args...): how a worker starts.
//
//   auto c = concurry::options<Counter>({.mode = "thread"}).init(5);
//
// init() resolves the options (the call's, then T::default_options() if T declares one, then
// global_config()), checks them, constructs T from `args` (once per pool member; on-demand
// workers construct theirs per call) and starts the worker. With max_workers > 1 or on_demand the
// Handle is a pool: calls are spread by the load balancer. Every problem with the options throws
// InvalidOptionError from init(); T's constructor's exception propagates.
#ifndef CONCURRY_RUNTIME_WORKER_BUILDER_H_
#define CONCURRY_RUNTIME_WORKER_BUILDER_H_

#include <memory>
#include <string>
#include <typeinfo>
#include <utility>

#include "concurry/core/options.h"
#include "concurry/core/worker_macros.h"
#include "concurry/runtime/handle.h"
#include "concurry/core/worker.h"
#include "concurry/runtime/internal/executor_factory.h"
#include "concurry/runtime/internal/worker_core.h"

namespace concurry {

namespace internal {
template <class T, class = void>
struct HasDefaultOptions : std::false_type {};
template <class T>
struct HasDefaultOptions<T, std::void_t<decltype(T::default_options())>> : std::true_type {};

template <class T>
Options class_defaults() {
  if constexpr (HasDefaultOptions<T>::value) {
    return T::default_options();
  } else {
    return Options{};
  }
}
}  // namespace internal

template <class T>
class WorkerBuilder {
 public:
  explicit WorkerBuilder(Options options) : options_(std::move(options)) {}

  template <class... A>
  Handle<T> init(A&&... args) const {
    ResolvedOptions resolved = resolve_options(options_, internal::class_defaults<T>(),
                                               internal::Methods<T>::names());
    internal::check_supported(resolved);
    static_assert(std::is_constructible_v<T, const std::decay_t<A>&...>,
                  "concurry: init(...) arguments match no constructor of the worker class");
    if (resolved.mode == Mode::kProcess || resolved.mode == Mode::kCluster) {
      return init_remote(std::move(resolved), args...);
    }
    // Every member of a pool (and every on-demand worker) gets its own instance, constructed
    // from copies of `args`.
    internal::InstanceFactory factory = [limits = resolved.merged.limits,
                                         ... saved = std::decay_t<A>(std::forward<A>(args))]() {
      auto instance = std::make_shared<T>(saved...);
      if constexpr (std::is_base_of_v<Worker, T>) {
        internal::WorkerAccess::attach_limits(*instance, limits.for_worker());
      }
      return std::static_pointer_cast<void>(instance);
    };
    return Handle<T>(std::make_shared<internal::WorkerCore>(typeid(T).name(), std::move(resolved),
                                                            factory));
  }

 private:
  // Remote modes build each worker from the registered class name and encoded CONCURRY_INIT
  // arguments, in the worker's own process.
  template <class... A>
  Handle<T> init_remote(ResolvedOptions resolved, const A&... args) const {
    using M = internal::Methods<T>;
    if constexpr (!M::kRemote) {
      throw InvalidOptionError(
          std::string("mode '") + std::string(to_string(resolved.mode)) +
          "' needs the class registered with CONCURRY_WORKER (by name, with CONCURRY_INIT "
          "signatures); classes registered with CONCURRY_LOCAL_WORKER or not at all run in sync, "
          "thread and asyncio modes only");
    } else {
      auto picked = M::pick_ctor(args...);
      if (!picked) {
        throw InvalidOptionError(std::string("init(...) arguments match no CONCURRY_INIT "
                                             "signature of ") + M::kName);
      }
      auto spec = std::make_shared<internal::RemoteSpec>();
      spec->class_name = M::kName;
      spec->ctor_index = picked->first;
      spec->ctor_args = std::move(picked->second);
      spec->limits = resolved.merged.limits;
      return Handle<T>(std::make_shared<internal::WorkerCore>(
          M::kName, std::move(resolved), [spec]() -> std::shared_ptr<void> { return spec; }));
    }
  }

  Options options_;
};

// Starts configuring a worker of class T.
template <class T>
WorkerBuilder<T> options(Options options = {}) {
  return WorkerBuilder<T>(std::move(options));
}

}  // namespace concurry

#endif  // CONCURRY_RUNTIME_WORKER_BUILDER_H_
