#include "concurry/core/internal/future_state.h"

#include <condition_variable>
#include <cstdio>

#include "concurry/core/errors.h"

namespace concurry::internal {
namespace {

// Waiters park on one of these, chosen by the state's address. A completion wakes every waiter
// of its stripe; each re-checks its own state. Waiting is rare next to completing, so this trades
// a few spurious wake-ups for a state that carries no condition variable of its own.
constexpr size_t kStripes = 64;

std::condition_variable_any& stripe_for(const void* state) {
  static std::condition_variable_any stripes[kStripes];
  auto bits = reinterpret_cast<uintptr_t>(state);
  return stripes[(bits >> 6) % kStripes];
}

}  // namespace

bool StateBase::try_start() {
  Status expected = Status::kPending;
  return status_.compare_exchange_strong(expected, Status::kRunning, std::memory_order_acq_rel);
}

bool StateBase::cancel(bool even_if_running) {
  std::vector<std::function<void()>> callbacks;
  bool notify;
  {
    std::lock_guard<std::mutex> lock(mu_);
    Status s = status_.load(std::memory_order_relaxed);
    if (s != Status::kPending && !(even_if_running && s == Status::kRunning)) return false;
    status_.store(Status::kCancelled, std::memory_order_release);
    callbacks.swap(callbacks_);
    notify = has_waiters_;
  }
  finish(notify, callbacks);
  return true;
}

bool StateBase::set_error(std::exception_ptr error) {
  return complete(Status::kError, [&] { error_ = std::move(error); });
}

void StateBase::wait() const {
  if (done()) return;
  std::unique_lock<std::mutex> lock(mu_);
  auto& cv = stripe_for(this);
  while (!done()) {
    has_waiters_ = true;
    cv.wait(lock);
  }
}

bool StateBase::wait_for(Duration timeout) const {
  if (done()) return true;
  auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(timeout);
  std::unique_lock<std::mutex> lock(mu_);
  auto& cv = stripe_for(this);
  while (!done()) {
    has_waiters_ = true;
    if (cv.wait_until(lock, deadline) == std::cv_status::timeout) return done();
  }
  return true;
}

void StateBase::add_callback(std::function<void()> callback) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!done()) {
      callbacks_.push_back(std::move(callback));
      return;
    }
  }
  callback();
}

void StateBase::finish(bool notify, std::vector<std::function<void()>>& callbacks) {
  if (notify) stripe_for(this).notify_all();
  for (auto& callback : callbacks) {
    try {
      callback();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "concurry: a done-callback threw and was ignored: %s\n", e.what());
    } catch (...) {
      std::fprintf(stderr, "concurry: a done-callback threw and was ignored\n");
    }
  }
}

void StateBase::rethrow_if_failed() const {
  switch (status()) {
    case Status::kError:
      std::rethrow_exception(error_);
    case Status::kCancelled:
      throw CancelledError("Future was cancelled");
    default:
      return;
  }
}

std::exception_ptr StateBase::error() const {
  switch (status()) {
    case Status::kError:
      return error_;
    case Status::kCancelled:
      return std::make_exception_ptr(CancelledError("Future was cancelled"));
    default:
      return nullptr;
  }
}

}  // namespace concurry::internal
