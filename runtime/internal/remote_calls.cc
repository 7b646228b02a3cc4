#include "concurry/runtime/internal/remote_calls.h"

#include "concurry/core/wire.h"
#include "concurry/runtime/internal/timer.h"

namespace concurry::internal {
namespace {

// > 0 while this thread is inside submit(): a dispatcher may hold its lock around it, so a
// call that ends at once must not run the completion hook here.
thread_local int submit_depth = 0;

}  // namespace

RemoteCalls::RemoteCalls(std::string what, CompletionHook on_complete)
    : what_(std::move(what)),
      on_complete_(on_complete ? std::make_shared<const CompletionHook>(std::move(on_complete))
                               : nullptr),
      has_hook_(on_complete_ != nullptr) {}

void RemoteCalls::set_redirect(Redirect redirect) {
  std::lock_guard<std::mutex> lock(mu_);
  redirect_ = redirect ? std::make_shared<const Redirect>(std::move(redirect)) : nullptr;
}

void RemoteCalls::submit(std::unique_ptr<CallTask> task) {
  auto* remote = dynamic_cast<RemoteCallTask*>(task.get());
  if (!remote) {
    task->fail(std::make_exception_ptr(Error("internal: a local call reached " + what_)));
    return;
  }
  in_flight_.fetch_add(1);  // before the check: a drain() after close() waits for this call
  if (closed_.load()) {
    leave();
    task->cancel();  // refused after stop (its slot went with the stopped pool)
    return;
  }
  task.release();
  ++submit_depth;
  transport_->send(std::unique_ptr<RemoteCallTask>(remote));
  --submit_depth;
}

void RemoteCalls::submit_via_weak(std::unique_ptr<CallTask> task) {
  auto keep = weak_transport_.lock();
  if (!keep) {
    task->fail(std::make_exception_ptr(WorkerStoppedError("Worker is stopped (" + what_ + ")")));
    return;
  }
  submit(std::move(task));
}

void RemoteCalls::send_via_weak(std::unique_ptr<RemoteCallTask> task) {
  if (auto keep = weak_transport_.lock()) {
    keep->send(std::move(task));
  } else {
    stopped(std::move(task), "Worker is stopped (" + what_ + ")");
  }
}

void RemoteCalls::replied(std::unique_ptr<RemoteCallTask> task, const Bytes& reply) {
  judge(std::move(task), reply);
}

void RemoteCalls::crashed(std::unique_ptr<RemoteCallTask> task, const std::string& why) {
  judge(std::move(task), encode_error_reply(0, ErrorCode::kWorkerCrashed,
                                            "concurry::WorkerCrashedError", why, what_));
}

void RemoteCalls::orphaned(std::unique_ptr<RemoteCallTask> task, const std::string& why) {
  std::shared_ptr<const Redirect> redirect;
  {
    std::lock_guard<std::mutex> lock(mu_);
    redirect = redirect_;
  }
  if (redirect) {
    // Leaves this worker (its slot here is freed) for another one, which admits it afresh.
    finish([t = std::move(task), redirect, why]() mutable {
      std::unique_ptr<CallTask> call = std::move(t);
      if (!(*redirect)(call) && call) call->fail(std::make_exception_ptr(WorkerCrashedError(why)));
    });
    return;
  }
  auto error = std::make_exception_ptr(WorkerCrashedError(why));
  finish([t = std::move(task), error] { t->fail(error); });
}

void RemoteCalls::failed(std::unique_ptr<RemoteCallTask> task, std::exception_ptr error) {
  finish([t = std::move(task), error] { t->fail(error); });
}

void RemoteCalls::stopped(std::unique_ptr<RemoteCallTask> task, const std::string& why) {
  auto error = std::make_exception_ptr(WorkerStoppedError(why));
  finish([t = std::move(task), error] { t->fail(error); });
}

void RemoteCalls::judge(std::unique_ptr<RemoteCallTask> task, const Bytes& reply) {
  std::optional<Duration> retry_in = task->judge(reply);
  if (retry_in) {
    retry_after(*retry_in, std::move(task));
    return;
  }
  finish([t = std::move(task)] { t->publish(); });
}

void RemoteCalls::retry_after(Duration wait, std::unique_ptr<RemoteCallTask> task) {
  // The retry keeps the call's submission slot; it is a fresh send through the transport.
  auto held = std::make_shared<std::unique_ptr<RemoteCallTask>>(std::move(task));
  std::weak_ptr<RemoteCalls> weak = weak_from_this();
  run_after(wait, [weak, held] {
    if (auto self = weak.lock()) {
      self->send_via_weak(std::move(*held));
    } else {
      (*held)->fail(std::make_exception_ptr(WorkerStoppedError("Worker is stopped")));
    }
  });
}

template <class Complete>
void RemoteCalls::finish(Complete&& complete) {
  if (submit_depth > 0) {
    auto held = std::make_shared<std::decay_t<Complete>>(std::move(complete));
    auto self = shared_from_this();
    run_after(Duration(0), [self, held] { self->finish(std::move(*held)); });
    return;
  }
  std::unique_ptr<CallTask> next;
  if (has_hook_.load(std::memory_order_acquire)) {
    std::shared_ptr<const CompletionHook> hook;
    {
      std::lock_guard<std::mutex> lock(mu_);
      hook = on_complete_;
    }
    if (hook) next = (*hook)();
  }
  complete();
  leave();
  if (next) submit_via_weak(std::move(next));
}

void RemoteCalls::leave() {
  if (in_flight_.fetch_sub(1) == 1 && draining_.load() > 0) {
    std::lock_guard<std::mutex> lock(mu_);  // a drain() between its check and its wait sees it
    drained_.notify_all();
  }
}

void RemoteCalls::close() { closed_.store(true); }

bool RemoteCalls::drain(Clock::time_point deadline) {
  ++draining_;
  bool drained;
  {
    std::unique_lock<std::mutex> lock(mu_);
    drained = drained_.wait_until(lock, deadline, [&] { return in_flight_.load() == 0; });
  }
  --draining_;
  return drained;
}

void RemoteCalls::drop_hooks() {
  std::lock_guard<std::mutex> lock(mu_);
  on_complete_.reset();
  redirect_.reset();
  has_hook_.store(false, std::memory_order_release);
}

size_t RemoteCalls::in_flight() const { return in_flight_.load(); }

}  // namespace concurry::internal
