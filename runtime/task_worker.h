// TaskWorker: a worker that runs functions you hand it (the Executor-like interface).
//
//   auto tw = concurry::TaskWorker::options({.mode = "thread"}).init();
//   concurry::Future<int> f = tw.submit(&square, 7);       // any callable in local modes
//   std::vector<int> all = tw.map(&square, std::vector<int>{1, 2, 3}).result();  // input order
//   auto sq = concurry::task(&square, {.mode = "thread"}); // bound: sq(3), sq.submit(3), sq.map(v)
//
// A function whose last parameter is concurry::LimitSet& receives the worker's limits there.
// map(fn, ranges..., {.timeout, .progress}) zips up to three ranges (stopping at the shortest),
// submits one call per element and returns one Future of every result in input order (the first
// error in input order fails it; a timeout fails it with TimeoutError). Future arguments are
// unwrapped as for Handle. A null function pointer or empty std::function is refused at once.
// The method name for per-method options is "submit". Move-only; stops when destroyed.
#ifndef CONCURRY_RUNTIME_TASK_WORKER_H_
#define CONCURRY_RUNTIME_TASK_WORKER_H_

#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "concurry/core/errors.h"
#include "concurry/core/future.h"
#include "concurry/core/global_config.h"
#include "concurry/core/limit_set.h"
#include "concurry/core/options.h"
#include "concurry/core/async.h"
#include "concurry/runtime/internal/core_owner.h"
#include "concurry/runtime/internal/executor_factory.h"
#include "concurry/runtime/internal/when_all.h"
#include "concurry/runtime/internal/worker_core.h"
#include "concurry/runtime/progress_bar.h"

namespace concurry {

struct MapOptions {
  std::optional<Duration> timeout;
  Progress progress;
};

namespace internal {
template <class A>
using UnwrappedT = unwrap_future_t<A>;

// What a TaskWorker's worker holds: its limits, for functions whose last parameter is
// concurry::LimitSet&.
struct TaskContext {
  LimitSet limits;
};

// True when F takes the arguments followed by the worker's LimitSet&.
template <class F, class... P>
inline constexpr bool wants_limits_v = std::is_invocable_v<F&, P&&..., LimitSet&>;

// The parameter types a task function is called with: Future inputs unwrapped when the function
// takes their values, kept as Futures when it takes Futures.
template <class F, class... A>
using TaskParams = std::conditional_t<std::is_invocable_v<F&, UnwrappedT<A>&&...> ||
                                          wants_limits_v<F, UnwrappedT<A>...>,
                                      std::tuple<UnwrappedT<A>...>, std::tuple<std::decay_t<A>...>>;

template <class F, class Params>
struct TaskResult;
template <class F, class... P>
struct TaskResult<F, std::tuple<P...>> {
  static constexpr bool kLimits = wants_limits_v<F, P...>;
  static_assert(kLimits || std::is_invocable_v<F&, P&&...>,
                "concurry: the function cannot be called with these arguments");
  using raw = typename std::conditional_t<kLimits, std::invoke_result<F&, P&&..., LimitSet&>,
                                          std::invoke_result<F&, P&&...>>::type;
  using type = typename UnwrapAsync<
      std::conditional_t<std::is_void_v<raw>, void, std::decay_t<raw>>>::type;
};

template <class F>
struct FunctionInvoker {
  F fn;
  template <class... V>
  decltype(auto) operator()(void* context, V&&... values) {
    if constexpr (wants_limits_v<F, V...>) {
      return std::invoke(fn, std::forward<V>(values)..., static_cast<TaskContext*>(context)->limits);
    } else {
      return std::invoke(fn, std::forward<V>(values)...);
    }
  }
  template <class Values>
  decltype(auto) invoke_stored(void* context, Values& values) {
    return std::apply([&](auto&... v) -> decltype(auto) { return (*this)(context, v...); },
                      values);
  }
};

template <class F>
void check_callable(const F& fn) {
  if constexpr (std::is_pointer_v<F> || std::is_member_pointer_v<F> ||
                std::is_constructible_v<bool, const F&>) {
    if (!static_cast<bool>(fn)) {
      throw Error("TaskWorker: no function to run: pass one to submit()/map(), or bind one with "
                  "init(fn) or concurry::task(fn)");
    }
  }
}
}  // namespace internal

class TaskWorker : public internal::CoreOwner {
 public:
  class Builder;
  static Builder options(Options options = {});

  TaskWorker() = default;
  explicit TaskWorker(std::shared_ptr<internal::WorkerCore> core) : CoreOwner(std::move(core)) {}

  template <class F, class... A>
  auto submit(F&& fn, A&&... args) {
    using Fn = std::decay_t<F>;
    using Params = internal::TaskParams<Fn, A...>;
    using R = typename internal::TaskResult<Fn, Params>::type;
    internal::check_callable(fn);
    internal::WorkerCore& core = owned_core();
    if (core.remote()) return submit_remote<R, Params>(fn, std::forward<A>(args)...);
    return core.template submit<R, Params>("submit", internal::FunctionInvoker<Fn>{std::forward<F>(fn)},
                                           std::forward<A>(args)...);
  }

  template <class F, class R1>
  auto map(F&& fn, const R1& r1, const MapOptions& options = {}) {
    return map_zip(fn, options, r1);
  }
  template <class F, class R1, class R2>
  auto map(F&& fn, const R1& r1, const R2& r2, const MapOptions& options = {}) {
    return map_zip(fn, options, r1, r2);
  }
  template <class F, class R1, class R2, class R3>
  auto map(F&& fn, const R1& r1, const R2& r2, const R3& r3, const MapOptions& options = {}) {
    return map_zip(fn, options, r1, r2, r3);
  }

 private:
  // Remote modes run registered functions only: the function travels by its registered name.
  template <class R, class Params, class Fn, class... A>
  Future<R> submit_remote(const Fn& fn, A&&... args) {
    constexpr bool kPlainFunction =
        std::is_pointer_v<Fn> && std::is_function_v<std::remove_pointer_t<Fn>>;
    if constexpr (kPlainFunction && internal::all_wire_serializable<Params, R>()) {
      std::string name =
          internal::Registry::get().function_name(reinterpret_cast<const void*>(fn));
      if (!name.empty()) {
        return owned_core().template submit_remote<R, Params>("submit", std::move(name),
                                                              std::forward<A>(args)...);
      }
    }
    throw InvalidOptionError(
        "a TaskWorker in process or cluster mode runs registered functions only: pass a plain "
        "function registered with CONCURRY_FUNCTION(name) (lambdas, std::function and "
        "unregistered functions cannot cross a process boundary)");
  }

  template <class F, class... Rs>
  auto map_zip(F& fn, const MapOptions& options, const Rs&... ranges) {
    internal::check_callable(fn);
    using R = decltype(submit(fn, *std::begin(ranges)...).result());
    static_assert(!std::is_void_v<R>, "concurry: map needs a function that returns a value");
    std::vector<Future<R>> futures;
    auto its = std::make_tuple(std::begin(ranges)...);
    auto ends = std::make_tuple(std::end(ranges)...);
    auto any_end = [&] {
      return std::apply(
          [&](auto&... it) {
            return std::apply([&](auto&... end) { return ((it == end) || ...); }, ends);
          },
          its);
    };
    while (!any_end()) {
      futures.push_back(std::apply([&](auto&... it) { return submit(fn, *it...); }, its));
      std::apply([](auto&... it) { (++it, ...); }, its);
    }
    return internal::when_all(std::move(futures), options.timeout, options.progress);
  }
};

// A TaskWorker with a function bound: submit/map/operator() may omit the function.
template <class F>
class BoundTaskWorker : public TaskWorker {
 public:
  BoundTaskWorker(TaskWorker worker, F fn) : TaskWorker(std::move(worker)), fn_(std::move(fn)) {
    internal::check_callable(fn_);
  }

  template <class... A>
  auto submit(A&&... args) {
    if constexpr (std::is_invocable_v<F&, internal::UnwrappedT<A>&&...> ||
                  std::is_invocable_v<F&, std::decay_t<A>&&...>) {
      return TaskWorker::submit(fn_, std::forward<A>(args)...);
    } else {
      return TaskWorker::submit(std::forward<A>(args)...);  // a function given explicitly
    }
  }
  template <class... A>
  auto operator()(A&&... args) {
    return TaskWorker::submit(fn_, std::forward<A>(args)...);
  }
  template <class R1>
  auto map(const R1& r1, const MapOptions& options = {}) {
    return TaskWorker::map(fn_, r1, options);
  }
  template <class R1, class R2>
  auto map(const R1& r1, const R2& r2, const MapOptions& options = {}) {
    return TaskWorker::map(fn_, r1, r2, options);
  }

 private:
  F fn_;
};

class TaskWorker::Builder {
 public:
  explicit Builder(Options options) : options_(std::move(options)) {}

  TaskWorker init() const { return TaskWorker(make_core()); }

  template <class F>
  BoundTaskWorker<std::decay_t<F>> init(F&& fn) const {
    return BoundTaskWorker<std::decay_t<F>>(TaskWorker(make_core()), std::forward<F>(fn));
  }

 private:
  std::shared_ptr<internal::WorkerCore> make_core() const {
    ResolvedOptions resolved = resolve_options(options_, Options{}, {"submit"});
    internal::check_supported(resolved);
    if (resolved.mode == Mode::kProcess || resolved.mode == Mode::kCluster) {
      // A remote host of registered functions.
      auto spec = std::make_shared<internal::RemoteSpec>();
      return std::make_shared<internal::WorkerCore>(
          "TaskWorker", std::move(resolved), [spec]() -> std::shared_ptr<void> { return spec; });
    }
    Limits limits = resolved.merged.limits;
    return std::make_shared<internal::WorkerCore>(
        "TaskWorker", std::move(resolved), [limits]() -> std::shared_ptr<void> {
          return std::make_shared<internal::TaskContext>(internal::TaskContext{limits.for_worker()});
        });
  }
  Options options_;
};

inline TaskWorker::Builder TaskWorker::options(Options options) {
  return Builder(std::move(options));
}

// A worker bound to `fn`: task(fn, options)(args...) submits fn(args...). Unless the options set
// on_demand or max_workers, it runs on-demand workers (a fresh worker per call) in thread and
// process modes; with max_workers = N it is a pool of N.
template <class F>
BoundTaskWorker<std::decay_t<F>> task(F&& fn, Options options = {}) {
  if (!options.on_demand && !options.max_workers) {
    Mode mode = parse_option<Mode>(
        "mode", options.mode ? options.mode->str() : global_config().defaults().mode->str());
    options.on_demand = mode != Mode::kSync && mode != Mode::kAsyncio;
  }
  return TaskWorker::options(std::move(options)).init(std::forward<F>(fn));
}

}  // namespace concurry

#endif  // CONCURRY_RUNTIME_TASK_WORKER_H_
