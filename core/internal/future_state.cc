#include "concurry/core/internal/future_state.h"

#include <condition_variable>
#include <chrono>
#include <cstdio>
#include <thread>

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

// Before parking, a waiter polls its state for a short while: a result that arrives within
// that window (a fast remote call, a short local one) is seen without the wake-up of a parked
// thread, which costs tens of microseconds on a VM with idle vCPUs. Only with 2+ CPUs, so the
// spinning never takes the CPU the completing thread needs.
constexpr auto kSpin = std::chrono::microseconds(50);

bool spin_until_done(const StateBase& state) {
  static const bool kMultiCore = std::thread::hardware_concurrency() > 1;
  if (!kMultiCore) return false;
  auto until = std::chrono::steady_clock::now() + kSpin;
  do {
    for (int i = 0; i < 64; ++i) {
      if (state.done()) return true;
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#endif
    }
  } while (std::chrono::steady_clock::now() < until);
  return state.done();
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
  if (done() || spin_until_done(*this)) return;
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
