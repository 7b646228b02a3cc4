// Future<T> and Promise<T>: the result of every call in concurry.
//
// Future<T> is a copyable handle to shared state (like std::shared_future): result() may be
// called any number of times, from any thread. A future completes exactly once, with a value,
// an exception or a cancellation, and every future the runtime hands out does complete.
//   result(timeout)     the value; rethrows the call's exception; TimeoutError when the timeout
//                       passes first; CancelledError when cancelled.
//   exception(timeout)  the exception (nullptr on success), same timeout rule.
//   cancel()            succeeds only while the call has not started running.
//   add_done_callback   runs once the future is done (at once, on this thread, if it already
//                       is); receives the future. then(fn) chains a continuation.
// Promise<T> is the move-only producer side. A promise destroyed unfulfilled fails its future
// with concurry::Error("broken promise"), so no future can hang on a lost producer.
#ifndef CONCURRY_CORE_FUTURE_H_
#define CONCURRY_CORE_FUTURE_H_

#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include "concurry/core/duration.h"
#include "concurry/core/errors.h"
#include "concurry/core/internal/future_state.h"

namespace concurry {

template <class T>
class Future;
template <class T>
class Promise;

namespace internal {
template <class T>
struct IsFuture : std::false_type {};
template <class T>
struct IsFuture<Future<T>> : std::true_type {};
template <class T>
std::shared_ptr<State<T>> state_of(const Future<T>& f);
}  // namespace internal

template <class T>
inline constexpr bool is_future_v = internal::IsFuture<std::decay_t<T>>::value;

namespace internal {
// U for Future<U> (after decay), else the decayed type: what a Future argument stands for.
template <class T>
struct UnwrapFuture {
  using type = T;
};
template <class U>
struct UnwrapFuture<Future<U>> {
  using type = U;
};
}  // namespace internal

template <class T>
using unwrap_future_t = typename internal::UnwrapFuture<std::decay_t<T>>::type;

template <class T>
class Future {
 public:
  using value_type = T;

  // An invalid future (valid() == false); every other call on it throws concurry::Error.
  Future() = default;

  bool valid() const { return state_ != nullptr; }
  bool done() const { return checked().done(); }
  bool running() const { return checked().running(); }
  bool cancelled() const { return checked().cancelled(); }

  // Cancels the call if it has not started. Returns true when the future is now cancelled.
  bool cancel() const { return checked().cancel() || checked().cancelled(); }

  // Waits for the outcome. Without a timeout it waits as long as it takes.
  T result(std::optional<Duration> timeout = std::nullopt) const {
    wait_or_throw(timeout);
    state_->rethrow_if_failed();
    if constexpr (!std::is_void_v<T>) return state_->value();
  }

  // The call's exception, nullptr on success. Cancelled futures give a CancelledError.
  std::exception_ptr exception(std::optional<Duration> timeout = std::nullopt) const {
    wait_or_throw(timeout);
    return state_->error();
  }

  // Blocks until done; false when `timeout` passed first.
  bool wait(std::optional<Duration> timeout = std::nullopt) const {
    if (!timeout) {
      checked().wait();
      return true;
    }
    return checked().wait_for(*timeout);
  }

  // Runs fn(future) once done; at once on this thread when already done.
  template <class F>
  void add_done_callback(F&& fn) const {
    checked().add_callback([self = *this, fn = std::forward<F>(fn)]() mutable { fn(self); });
  }

  // Chains fn(value) (fn() for Future<void>); the new future carries fn's result, fn's
  // exception, or this future's error (fn is then not called). fn runs on the completing thread.
  template <class F>
  auto then(F&& fn) const;

  friend std::shared_ptr<internal::State<T>> internal::state_of<T>(const Future<T>& f);

 private:
  friend class Promise<T>;
  explicit Future(std::shared_ptr<internal::State<T>> state) : state_(std::move(state)) {}

  internal::State<T>& checked() const {
    if (!state_) throw Error("operation on an invalid (default-constructed) Future");
    return *state_;
  }
  void wait_or_throw(const std::optional<Duration>& timeout) const {
    if (!wait(timeout)) {
      throw TimeoutError("Future did not complete within " + std::to_string(timeout->count()) +
                         " s");
    }
  }

  std::shared_ptr<internal::State<T>> state_;
};

template <class T>
class Promise {
 public:
  Promise() : state_(std::make_shared<internal::State<T>>()) {}
  Promise(Promise&&) noexcept = default;
  Promise& operator=(Promise&& other) noexcept {
    if (this != &other) {
      break_if_pending();
      state_ = std::move(other.state_);
    }
    return *this;
  }
  ~Promise() { break_if_pending(); }

  Future<T> future() const { return Future<T>(state_); }

  // Each returns false when the future was already completed (or cancelled).
  template <class U = T, class = std::enable_if_t<!std::is_void_v<U>>>
  bool set_value(U&& value) {
    return state_->set_value(std::forward<U>(value));
  }
  template <class U = T, class = std::enable_if_t<std::is_void_v<U>>>
  bool set_value() {
    return state_->set_value();
  }
  bool set_exception(std::exception_ptr error) { return state_->set_error(std::move(error)); }
  // Completes the future as cancelled unless the call already started (or, with
  // `even_if_running`, unless it already finished).
  bool cancel(bool even_if_running = false) { return state_->cancel(even_if_running); }

  // Marks the call as running; false when it was cancelled first (then skip the work).
  bool start() { return state_->try_start(); }
  bool done() const { return state_->done(); }

 private:
  void break_if_pending() {
    if (state_ && !state_->done()) {
      state_->set_error(std::make_exception_ptr(Error("broken promise: the call was dropped "
                                                      "before it produced a result")));
    }
  }
  std::shared_ptr<internal::State<T>> state_;
};

// A future that is already done with `value`.
template <class T>
Future<std::decay_t<T>> make_ready_future(T&& value) {
  Promise<std::decay_t<T>> p;
  p.set_value(std::forward<T>(value));
  return p.future();
}
inline Future<void> make_ready_future() {
  Promise<void> p;
  p.set_value();
  return p.future();
}
template <class T>
Future<T> make_failed_future(std::exception_ptr error) {
  Promise<T> p;
  p.set_exception(std::move(error));
  return p.future();
}

namespace internal {

template <class T>
std::shared_ptr<State<T>> state_of(const Future<T>& f) {
  return f.state_;
}

template <class T, class F>
struct ThenResult {
  using type = std::invoke_result_t<F&, const T&>;
};
template <class F>
struct ThenResult<void, F> {
  using type = std::invoke_result_t<F&>;
};

// Completes `promise` with fn(args...), or with the exception fn throws.
template <class R, class F, class... A>
void fulfil(Promise<R>& promise, F&& fn, A&&... args) {
  try {
    if constexpr (std::is_void_v<R>) {
      std::forward<F>(fn)(std::forward<A>(args)...);
      promise.set_value();
    } else {
      promise.set_value(std::forward<F>(fn)(std::forward<A>(args)...));
    }
  } catch (...) {
    promise.set_exception(std::current_exception());
  }
}

}  // namespace internal

template <class T>
template <class F>
auto Future<T>::then(F&& fn) const {
  using U = typename internal::ThenResult<T, std::decay_t<F>>::type;
  auto promise = std::make_shared<Promise<U>>();
  Future<U> out = promise->future();
  checked().add_callback([state = state_, promise, fn = std::forward<F>(fn)]() mutable {
    if (auto error = state->error()) {
      promise->set_exception(error);
    } else if constexpr (std::is_void_v<T>) {
      internal::fulfil(*promise, fn);
    } else {
      internal::fulfil(*promise, fn, state->value());
    }
  });
  return out;
}

}  // namespace concurry

#endif  // CONCURRY_CORE_FUTURE_H_
