// CallTask: one call on its way to a worker: the promise of its result, the arguments (already
// converted to the method's parameter types, or Future inputs still to unwrap) and the code to
// run. Executors run it with the instance of the worker it landed on, or cancel it. Internal.
#ifndef CONCURRY_RUNTIME_INTERNAL_CALL_TASK_H_
#define CONCURRY_RUNTIME_INTERNAL_CALL_TASK_H_

#include <exception>
#include <functional>
#include <memory>
#include <tuple>
#include <type_traits>
#include <utility>

#include "concurry/core/future.h"
#include "concurry/core/internal/call_scope.h"
#include "concurry/core/retry.h"
#include "concurry/core/scheduler.h"
#include "concurry/core/async.h"
#include "concurry/runtime/async_retry.h"
#include "concurry/runtime/internal/async_driver.h"

namespace concurry::internal {

class CallTask {
 public:
  explicit CallTask(const char* method) : method_(method) {}
  virtual ~CallTask() = default;

  // Runs the call on `instance` (nullptr for task functions) unless it was cancelled. `finished`
  // (may be null) runs once the call is over and before its future completes, so that whoever
  // sees the result also sees the worker's slot free again.
  virtual void run(void* instance, const std::function<void()>* finished = nullptr) = 0;
  // Completes the future as cancelled (no-op once running or done).
  virtual void cancel() = 0;
  // Completes the future with `error` (no-op once done).
  virtual void fail(std::exception_ptr error) = 0;

  const char* method() const { return method_; }

 private:
  const char* method_;
};

// The type an argument waits in: a Future input stays a Future until it is unwrapped, unless the
// parameter itself is a Future; everything else is converted to the parameter type at the call.
template <class Param, class Arg>
using Slot = std::conditional_t<is_future_v<Arg> && !is_future_v<Param>, std::decay_t<Arg>,
                                Param>;

template <class Params, class... A>
struct SlotsOf;
template <class... P, class... A>
struct SlotsOf<std::tuple<P...>, A...> {
  static_assert(sizeof...(P) == sizeof...(A),
                "concurry: wrong number of arguments for this method or function");
  using type = std::tuple<Slot<P, A>...>;
};

template <class Slots>
struct HasFutureSlot;
template <class... S>
struct HasFutureSlot<std::tuple<S...>> : std::bool_constant<(is_future_v<S> || ...)> {};

// True when some argument is a Future for a parameter that is not one (unwrap_futures applies).
template <class Params, class Slots>
struct NeedsUnwrap;
template <class... P, class... S>
struct NeedsUnwrap<std::tuple<P...>, std::tuple<S...>>
    : std::bool_constant<((is_future_v<S> && !is_future_v<P>) || ...)> {};

// The value for a parameter of type Param from its slot.
template <class Param, class S>
Param take(S& slot) {
  if constexpr (is_future_v<S> && !is_future_v<Param>) {
    return Param(slot.result());  // the input is done by now; rethrows its error
  } else {
    return std::move(slot);
  }
}

// The same, leaving the slot intact (each retry attempt gets fresh arguments).
template <class Param, class S>
Param take_copy(const S& slot) {
  if constexpr (is_future_v<S> && !is_future_v<Param>) {
    return Param(slot.result());
  } else {
    return Param(slot);
  }
}

template <class Slots>
struct CopyableSlots;
template <class... S>
struct CopyableSlots<std::tuple<S...>>
    : std::bool_constant<(std::is_copy_constructible_v<S> && ...)> {};

// What the invoker returns: R, or Async<R> for a coroutine.
template <class Invoker, class Params>
struct RawResult;
template <class Invoker, class... P>
struct RawResult<Invoker, std::tuple<P...>> {
  using type = std::invoke_result_t<Invoker&, void*, P&&...>;
};

template <class R, class Params, class Slots, class Invoker>
class CallTaskImpl final : public CallTask {
 public:
  template <class... A>
  CallTaskImpl(const char* method, Invoker invoker, A&&... args)
      : CallTask(method), invoker_(std::move(invoker)), slots_(std::forward<A>(args)...) {}

  static constexpr bool kUnwraps = NeedsUnwrap<Params, Slots>::value;
  Future<R> future() const { return promise_.future(); }
  Slots& slots() { return slots_; }
  // Runs the call under `policy` (retries, validation). Without one it runs once.
  void set_policy(std::shared_ptr<const RetryPolicy> policy) { policy_ = std::move(policy); }

  void run(void* instance, const std::function<void()>* finished = nullptr) override {
    auto done = [finished] {
      if (finished) (*finished)();
    };
    if (!promise_.start()) {  // cancelled while queued
      done();
      return;
    }
    if constexpr (kCanStartOnLoop) {
      // On an asyncio worker's loop, coroutines (and calls that may wait to retry) start here
      // and finish later; the loop keeps serving meanwhile.
      Scheduler* loop = Scheduler::current();
      if (loop && loop->is_worker_loop() && (kAsync || policy_)) {
        done();
        start_on_loop(instance, static_cast<WorkerLoop&>(*loop));
        return;
      }
    }
    try {
      if constexpr (std::is_void_v<R>) {
        execute(instance);
        done();
        promise_.set_value();
      } else {
        R value = execute(instance);
        done();
        promise_.set_value(std::move(value));
      }
    } catch (...) {
      std::exception_ptr error = std::current_exception();
      done();
      promise_.set_exception(std::move(error));
    }
  }
  void cancel() override { promise_.cancel(); }
  void fail(std::exception_ptr error) override { promise_.set_exception(std::move(error)); }

 private:
  static constexpr auto kArgs = std::make_index_sequence<std::tuple_size_v<Slots>>();
  using Raw = typename RawResult<Invoker, Params>::type;
  static constexpr bool kAsync = is_async_v<Raw>;
  static constexpr bool kCanStartOnLoop =
      std::is_move_constructible_v<Params> && std::is_copy_constructible_v<Invoker>;

  // Calls `call`; a coroutine's Async runs to completion on this thread's own loop.
  template <class Call>
  static R settle(Call&& call) {
    if constexpr (kAsync) {
      return run_to_completion(call());
    } else {
      return call();
    }
  }

  R execute(void* instance) {
    if constexpr (CopyableSlots<Slots>::value) {
      if (policy_) {
        return run_with_retries<R>(*policy_, method(), [&]() -> R {
          return attempt(instance, [&] {
            return settle([&]() -> decltype(auto) { return invoke_copy(instance, kArgs); });
          });
        });
      }
    }
    return attempt(instance, [&] {
      return settle([&]() -> decltype(auto) { return invoke(instance, kArgs); });
    });
  }

  // The call's arguments, converted and stored for a call that outlives run().
  template <size_t... I>
  Params materialize(std::index_sequence<I...>) {
    return Params(take<std::tuple_element_t<I, Params>>(std::get<I>(slots_))...);
  }

  void start_on_loop(void* instance, WorkerLoop& loop) {
    struct Call {
      Params values;
      Invoker invoker;
      void* instance;
      std::shared_ptr<Promise<R>> promise;
      uint64_t token = 0;
    };
    auto promise = std::make_shared<Promise<R>>(std::move(promise_));
    std::shared_ptr<Call> call;
    try {
      call = std::make_shared<Call>(Call{materialize(kArgs), invoker_, instance, promise});
    } catch (...) {
      promise->set_exception(std::current_exception());  // a Future input failed
      return;
    }
    auto make_attempt = [call]() -> Async<R> {
      if constexpr (kAsync) {
        return call->invoker.invoke_stored(call->instance, call->values);
      } else {
        return run_plain<R>([call]() -> R {
          CallScope scope;
          if constexpr (std::is_void_v<R>) {
            call->invoker.invoke_stored(call->instance, call->values);
            if (scope.error()) std::rethrow_exception(scope.error());
          } else {
            R value = call->invoker.invoke_stored(call->instance, call->values);
            if (scope.error()) std::rethrow_exception(scope.error());
            return value;
          }
        });
      }
    };
    Async<R> body = policy_ ? retry_async<R>(policy_, method(), make_attempt) : make_attempt();
    WorkerLoop* owner = &loop;
    Detached root;
    if constexpr (std::is_void_v<R>) {
      root = drive(std::move(body), [call, owner](std::exception_ptr error) {
        owner->release(call->token);
        if (error) {
          call->promise->set_exception(error);
        } else {
          call->promise->set_value();
        }
      });
    } else {
      root = drive(std::move(body), [call, owner](std::optional<R> value, std::exception_ptr error) {
        owner->release(call->token);
        if (error) {
          call->promise->set_exception(error);
        } else {
          call->promise->set_value(std::move(*value));
        }
      });
    }
    call->token = loop.adopt(root.handle, [promise] { promise->cancel(/*even_if_running=*/true); });
    root.handle.resume();
  }

  // One attempt inside a CallScope: an error reported there (a LimitSet acquisition left
  // without its update) fails the attempt once the method returns.
  template <class Invoke>
  R attempt(void*, Invoke&& call) {
    CallScope scope;
    if constexpr (std::is_void_v<R>) {
      call();
      if (scope.error()) std::rethrow_exception(scope.error());
    } else {
      R value = call();
      if (scope.error()) std::rethrow_exception(scope.error());
      return value;
    }
  }

  template <size_t... I>
  decltype(auto) invoke_copy(void* instance, std::index_sequence<I...>) {
    return invoker_(instance,
                    take_copy<std::tuple_element_t<I, Params>>(std::get<I>(slots_))...);
  }

  template <size_t... I>
  decltype(auto) invoke(void* instance, std::index_sequence<I...>) {
    if constexpr (HasFutureSlot<Slots>::value) {
      return invoker_(instance, take<std::tuple_element_t<I, Params>>(std::get<I>(slots_))...);
    } else {
      return invoker_(instance, std::move(std::get<I>(slots_))...);
    }
  }

  Promise<R> promise_;
  Invoker invoker_;
  Slots slots_;
  std::shared_ptr<const RetryPolicy> policy_;
};

}  // namespace concurry::internal

#endif  // CONCURRY_RUNTIME_INTERNAL_CALL_TASK_H_
