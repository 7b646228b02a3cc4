// RemoteCallTask: a call that crosses a process boundary. Instead of running in-process it
// encodes itself (method name + cereal arguments in the protobuf envelope) for the executor to
// send, and is completed from the reply. Future inputs are resolved in the caller's process
// before encoding; a Future parameter travels as its value. Internal.
#ifndef CONCURRY_RUNTIME_INTERNAL_REMOTE_CALL_TASK_H_
#define CONCURRY_RUNTIME_INTERNAL_REMOTE_CALL_TASK_H_

#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <utility>

#include "concurry/core/errors.h"
#include "concurry/core/registry.h"
#include "concurry/core/retry.h"
#include "concurry/core/wire.h"
#include "concurry/runtime/internal/call_task.h"

namespace concurry::internal {

// What a remote worker is built from: a registered class and an encoded CONCURRY_INIT call, or
// (class_name empty) a host of registered functions.
struct RemoteSpec {
  static constexpr uint32_t kMagic = 0x434f4e43;  // guards the cast from the factory's void*
  uint32_t magic = kMagic;
  std::string class_name;
  uint32_t ctor_index = 0;
  Bytes ctor_args;
  Limits limits;  // what each worker's limits() draws on (hosted by this process)
  // cluster mode: attach to the running actor of this name instead of creating one.
  std::string existing_name;
};

class RemoteCallTask : public CallTask {
 public:
  using CallTask::CallTask;
  // The call's envelope; throws when an input future failed (the call then fails with it).
  virtual Bytes encode_request(uint64_t call_id) = 0;
  // Reads a reply envelope. Returns the wait before re-sending the call when the retry policy
  // asks for another attempt (the call keeps its submission slot meanwhile); otherwise nullopt,
  // and publish() then completes the future with the value or the rethrown error.
  virtual std::optional<Duration> judge(const Bytes& reply) = 0;
  virtual void publish() = 0;
  // Not run in-process: executors of remote modes send it instead.
  void run(void*, const std::function<void()>*) override {
    fail(std::make_exception_ptr(Error("internal: a remote call reached a local executor")));
  }
};

// The wire value of parameter P from its slot.
template <class P, class S>
WireOfT<P> take_wire(S& slot) {
  if constexpr (is_future_v<S>) {
    return WireOfT<P>(slot.result());  // resolved in this process; rethrows its error
  } else {
    return WireOfT<P>(std::move(slot));
  }
}

template <class P, class S>
WireOfT<P> take_wire_copy(const S& slot) {
  if constexpr (is_future_v<S>) {
    return WireOfT<P>(slot.result());
  } else {
    return WireOfT<P>(slot);
  }
}

template <class R, class Params, class Slots>
class RemoteCallTaskImpl final : public RemoteCallTask {
 public:
  template <class... A>
  RemoteCallTaskImpl(const char* method, std::string target, A&&... args)
      : RemoteCallTask(method), target_(std::move(target)), slots_(std::forward<A>(args)...) {}

  static constexpr bool kUnwraps = NeedsUnwrap<Params, Slots>::value;
  Future<R> future() const { return promise_.future(); }
  Slots& slots() { return slots_; }
  // Retries of remote calls run here, in the caller's process: filters and validators are
  // closures, which cannot cross a process boundary. Each attempt is a fresh send.
  void set_policy(std::shared_ptr<const RetryPolicy> policy) {
    if constexpr (CopyableSlots<Slots>::value) {
      if (policy) retry_.emplace(std::move(policy), method());
    }
  }

  Bytes encode_request(uint64_t call_id) override {
    if (!started_) {
      if (!promise_.start()) throw CancelledError("the call was cancelled before it was sent");
      started_ = true;
    }
    Bytes args = encode_args(std::make_index_sequence<std::tuple_size_v<Slots>>());
    return encode_call(CallMessage{call_id, target_, method(), std::move(args), 0});
  }

  std::optional<Duration> judge(const Bytes& reply) override {
    error_ = nullptr;
    try {
      if constexpr (std::is_void_v<R>) {
        result_from_reply<void>(reply);
      } else {
        value_.emplace(result_from_reply<R>(reply));
        if (retry_ && !retry_->run.accept(*value_)) return retry_->run.next_wait();
      }
    } catch (const RetryValidationError&) {
      error_ = std::current_exception();
    } catch (...) {
      if (retry_ && retry_->run.retry_after(std::current_exception())) {
        return retry_->run.next_wait();
      }
      error_ = std::current_exception();
    }
    return std::nullopt;
  }

  void publish() override {
    if (error_) {
      promise_.set_exception(error_);
    } else if constexpr (std::is_void_v<R>) {
      promise_.set_value();
    } else {
      promise_.set_value(std::move(*value_));
    }
  }

  void cancel() override { promise_.cancel(); }
  void fail(std::exception_ptr error) override { promise_.set_exception(std::move(error)); }

 private:
  template <size_t... I>
  Bytes encode_args(std::index_sequence<I...>) {
    if (retry_) {  // keep the arguments for the next attempt
      return encode(take_wire_copy<std::tuple_element_t<I, Params>>(std::get<I>(slots_))...);
    }
    return encode(take_wire<std::tuple_element_t<I, Params>>(std::get<I>(slots_))...);
  }

  struct Retry {
    Retry(std::shared_ptr<const RetryPolicy> p, const char* method)
        : policy(std::move(p)), run(*policy, method) {}
    std::shared_ptr<const RetryPolicy> policy;
    RetryRun<R> run;
  };

  std::string target_;
  Promise<R> promise_;
  Slots slots_;
  bool started_ = false;
  std::conditional_t<std::is_void_v<R>, bool, std::optional<R>> value_{};
  std::exception_ptr error_;
  std::optional<Retry> retry_;
};

}  // namespace concurry::internal

#endif  // CONCURRY_RUNTIME_INTERNAL_REMOTE_CALL_TASK_H_
