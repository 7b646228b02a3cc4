// Async<T>: the coroutine type of worker methods and task functions.
//
//   concurry::Async<int> Counter::add_later(int k, int ms) {
//     co_await concurry::sleep(std::chrono::milliseconds(ms));   // a timer, not a sleep
//     int other = co_await some_future;                          // any concurry::Future<T>
//     co_return n_ += k + other;
//   }
//
// In asyncio mode a coroutine method runs on the worker's event loop and interleaves with the
// worker's other calls at every co_await; in the other modes each call runs to completion on a
// loop of its own (same results, no interleaving). Either way the caller gets a Future<T>.
// Async<T> is lazy (it starts when awaited or driven) and move-only. Awaiting a Future resumes
// the coroutine on its own loop, whichever thread completed the future. core/ holds the type and
// its awaitables (no threads, no asio); runtime/ drives coroutines on asio loops.
#ifndef CONCURRY_CORE_ASYNC_H_
#define CONCURRY_CORE_ASYNC_H_

#include <coroutine>
#include <exception>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

#include "concurry/core/duration.h"
#include "concurry/core/future.h"
#include "concurry/core/scheduler.h"

namespace concurry {

template <class T = void>
class Async;

namespace internal {

struct AsyncPromiseBase {
  std::coroutine_handle<> continuation;
  std::exception_ptr error;

  struct FinalAwaiter {
    bool await_ready() const noexcept { return false; }
    template <class P>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<P> h) noexcept {
      auto next = h.promise().continuation;
      return next ? next : std::noop_coroutine();
    }
    void await_resume() const noexcept {}
  };
  std::suspend_always initial_suspend() const noexcept { return {}; }
  FinalAwaiter final_suspend() const noexcept { return {}; }
  void unhandled_exception() { error = std::current_exception(); }
};

template <class T>
struct AsyncPromise : AsyncPromiseBase {
  std::optional<T> value;
  Async<T> get_return_object();
  template <class U>
  void return_value(U&& v) {
    value.emplace(std::forward<U>(v));
  }
  T take() {
    if (error) std::rethrow_exception(error);
    return std::move(*value);
  }
};

template <>
struct AsyncPromise<void> : AsyncPromiseBase {
  Async<void> get_return_object();
  void return_void() {}
  void take() {
    if (error) std::rethrow_exception(error);
  }
};

}  // namespace internal

template <class T>
class Async {
 public:
  using promise_type = internal::AsyncPromise<T>;
  using value_type = T;

  Async(Async&& other) noexcept : handle_(std::exchange(other.handle_, {})) {}
  Async& operator=(Async&& other) noexcept {
    if (this != &other) {
      if (handle_) handle_.destroy();
      handle_ = std::exchange(other.handle_, {});
    }
    return *this;
  }
  ~Async() {
    if (handle_) handle_.destroy();
  }

  // Awaiting starts the coroutine; the awaiter resumes when it finishes.
  bool await_ready() const noexcept { return false; }
  std::coroutine_handle<> await_suspend(std::coroutine_handle<> awaiting) noexcept {
    handle_.promise().continuation = awaiting;
    return handle_;
  }
  T await_resume() { return handle_.promise().take(); }

 private:
  friend promise_type;
  explicit Async(std::coroutine_handle<promise_type> h) : handle_(h) {}
  std::coroutine_handle<promise_type> handle_;
};

namespace internal {
template <class T>
Async<T> AsyncPromise<T>::get_return_object() {
  return Async<T>(std::coroutine_handle<AsyncPromise<T>>::from_promise(*this));
}
inline Async<void> AsyncPromise<void>::get_return_object() {
  return Async<void>(std::coroutine_handle<AsyncPromise<void>>::from_promise(*this));
}

template <class T>
struct IsAsync : std::false_type {};
template <class T>
struct IsAsync<Async<T>> : std::true_type {};

// T for Async<T>, else the type itself.
template <class T>
struct UnwrapAsync {
  using type = T;
};
template <class T>
struct UnwrapAsync<Async<T>> {
  using type = T;
};

// Resumes `h` on the current thread's scheduler (later, from the loop), or at once when the
// thread has none.
class Resumer {
 public:
  Resumer() {
    if (Scheduler* s = Scheduler::current()) scheduler_ = s->shared_from_this();
  }
  void resume(std::coroutine_handle<> h) const {
    if (scheduler_) {
      scheduler_->post([h] { h.resume(); });
    } else {
      h.resume();
    }
  }

 private:
  std::shared_ptr<Scheduler> scheduler_;
};
}  // namespace internal

template <class T>
inline constexpr bool is_async_v = internal::IsAsync<std::decay_t<T>>::value;

namespace internal {

// A fire-and-forget root coroutine: starts when resumed, frees itself when it finishes.
struct Detached {
  struct promise_type {
    Detached get_return_object() {
      return Detached{std::coroutine_handle<promise_type>::from_promise(*this)};
    }
    std::suspend_always initial_suspend() const noexcept { return {}; }
    std::suspend_never final_suspend() const noexcept { return {}; }
    void return_void() const noexcept {}
    void unhandled_exception() const noexcept { std::terminate(); }  // drive() catches all
  };
  std::coroutine_handle<promise_type> handle;
};

// Awaits `task` and hands its outcome to `done(value, error)` (`done(error)` for void).
template <class T, class Done>
Detached drive(Async<T> task, Done done) {
  std::exception_ptr error;
  if constexpr (std::is_void_v<T>) {
    try {
      co_await std::move(task);
    } catch (...) {
      error = std::current_exception();
    }
    done(error);
  } else {
    std::optional<T> value;
    try {
      value.emplace(co_await std::move(task));
    } catch (...) {
      error = std::current_exception();
    }
    done(std::move(value), error);
  }
}

// Runs `task` on this thread with no event loop: timers become sleeps, and a coroutine awaiting
// a Future continues on the thread that completes it while this one waits. For hosts without a
// loop (the by-name call path); workers use runtime's asio-driven loops instead.
template <class T>
T run_without_loop(Async<T> task) {
  Promise<T> promise;
  Future<T> future = promise.future();
  if constexpr (std::is_void_v<T>) {
    drive(std::move(task), [&promise](std::exception_ptr e) {
      if (e) {
        promise.set_exception(e);
      } else {
        promise.set_value();
      }
    }).handle.resume();
  } else {
    drive(std::move(task), [&promise](std::optional<T> v, std::exception_ptr e) {
      if (e) {
        promise.set_exception(e);
      } else {
        promise.set_value(std::move(*v));
      }
    }).handle.resume();
  }
  return future.result();
}

}  // namespace internal

// Suspends the calling coroutine for `delay` on its loop's timer (outside a loop: sleeps).
class SleepAwaiter {
 public:
  explicit SleepAwaiter(Duration delay) : delay_(delay) {}
  bool await_ready() const noexcept { return delay_ <= Duration(0); }
  void await_suspend(std::coroutine_handle<> h);
  void await_resume() const noexcept {}

 private:
  Duration delay_;
};
inline SleepAwaiter sleep(Duration delay) { return SleepAwaiter(delay); }

// co_await future: the value (or the future's exception), resuming on the coroutine's loop.
template <class T>
class FutureAwaiter {
 public:
  explicit FutureAwaiter(Future<T> future) : future_(std::move(future)) {}
  bool await_ready() const { return future_.done(); }
  void await_suspend(std::coroutine_handle<> h) {
    internal::Resumer resumer;
    future_.add_done_callback([resumer, h](const Future<T>&) { resumer.resume(h); });
  }
  T await_resume() const { return future_.result(); }

 private:
  Future<T> future_;
};

template <class T>
FutureAwaiter<T> operator co_await(Future<T> future) {
  return FutureAwaiter<T>(std::move(future));
}

}  // namespace concurry

#endif  // CONCURRY_CORE_ASYNC_H_
