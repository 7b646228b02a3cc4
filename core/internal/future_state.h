// The shared state behind Future<T> and Promise<T>. Internal: users see Future and Promise.
//
// Thread safety: every member may be called from any thread. A state completes exactly once
// (value, error or cancellation); later attempts are ignored and report false. Done-callbacks
// run once, on the completing thread, outside the lock (or at once, when added to a done state).
// Waiters sleep on one of a fixed set of striped condition variables, so a state costs no
// condition variable of its own (1,000,000 in flight must stay cheap).
#ifndef CONCURRY_CORE_INTERNAL_FUTURE_STATE_H_
#define CONCURRY_CORE_INTERNAL_FUTURE_STATE_H_

#include <atomic>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "concurry/core/duration.h"

namespace concurry::internal {

enum class Status : uint8_t { kPending, kRunning, kValue, kError, kCancelled };

class StateBase {
 public:
  StateBase() = default;
  StateBase(const StateBase&) = delete;
  StateBase& operator=(const StateBase&) = delete;
  virtual ~StateBase() = default;

  Status status() const { return status_.load(std::memory_order_acquire); }
  bool done() const { return status() >= Status::kValue; }
  bool running() const { return status() == Status::kRunning; }
  bool cancelled() const { return status() == Status::kCancelled; }

  // pending -> running. False when the state was cancelled (or already completed): the
  // executor must then skip the call.
  bool try_start();
  // pending -> cancelled. False when the call is already running or done. With
  // `even_if_running`, a running call is marked cancelled too (its worker was stopped while the
  // call was suspended; whatever it does later is ignored).
  bool cancel(bool even_if_running = false);
  bool set_error(std::exception_ptr error);

  // Blocks until done. wait_for returns false when the timeout passed first.
  void wait() const;
  bool wait_for(Duration timeout) const;

  // Runs `callback` once the state is done: at once (on this thread) when it already is.
  void add_callback(std::function<void()> callback);

  // Throws the stored error, or CancelledError; returns when the state holds a value.
  void rethrow_if_failed() const;
  std::exception_ptr error() const;

 protected:
  // Completes the state: `store` runs under the lock to write the value. False if already done.
  template <class Store>
  bool complete(Status final_status, Store&& store) {
    std::vector<std::function<void()>> callbacks;
    bool notify;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (status_.load(std::memory_order_relaxed) >= Status::kValue) return false;
      store();
      status_.store(final_status, std::memory_order_release);
      callbacks.swap(callbacks_);
      notify = has_waiters_;
    }
    finish(notify, callbacks);
    return true;
  }

  mutable std::mutex mu_;

 private:
  void finish(bool notify, std::vector<std::function<void()>>& callbacks);

  std::atomic<Status> status_{Status::kPending};
  mutable bool has_waiters_ = false;  // guarded by mu_
  std::exception_ptr error_;          // written once, before status_ becomes kError
  std::vector<std::function<void()>> callbacks_;  // guarded by mu_
};

template <class T>
class State final : public StateBase {
 public:
  template <class U>
  bool set_value(U&& value) {
    return complete(Status::kValue, [&] { value_.emplace(std::forward<U>(value)); });
  }
  // Precondition: status() == kValue.
  const T& value() const { return *value_; }
  T& mutable_value() { return *value_; }

 private:
  std::optional<T> value_;
};

template <>
class State<void> final : public StateBase {
 public:
  bool set_value() {
    return complete(Status::kValue, [] {});
  }
};

}  // namespace concurry::internal

#endif  // CONCURRY_CORE_INTERNAL_FUTURE_STATE_H_
