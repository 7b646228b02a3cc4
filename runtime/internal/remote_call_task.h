// RemoteCallTask: a call that crosses a process boundary. Instead of running in-process it
// encodes itself (method name + cereal arguments in the protobuf envelope) for the executor to
// send, and is completed from the reply. Future inputs are resolved in the caller's process
// before encoding; a Future parameter travels as its value. Internal.
#ifndef CONCURRY_RUNTIME_INTERNAL_REMOTE_CALL_TASK_H_
#define CONCURRY_RUNTIME_INTERNAL_REMOTE_CALL_TASK_H_

#include <memory>
#include <string>
#include <tuple>
#include <utility>

#include "concurry/core/errors.h"
#include "concurry/core/registry.h"
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
};

class RemoteCallTask : public CallTask {
 public:
  using CallTask::CallTask;
  // The call's envelope; throws when an input future failed (the call then fails with it).
  virtual Bytes encode_request(uint64_t call_id) = 0;
  // Completes the future from a reply envelope (value or rethrown error).
  virtual void complete(const Bytes& reply) = 0;
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

template <class R, class Params, class Slots>
class RemoteCallTaskImpl final : public RemoteCallTask {
 public:
  template <class... A>
  RemoteCallTaskImpl(const char* method, std::string target, A&&... args)
      : RemoteCallTask(method), target_(std::move(target)), slots_(std::forward<A>(args)...) {}

  static constexpr bool kUnwraps = NeedsUnwrap<Params, Slots>::value;
  Future<R> future() const { return promise_.future(); }
  Slots& slots() { return slots_; }
  void set_policy(std::shared_ptr<const RetryPolicy>) {}  // remote hosts apply their own

  Bytes encode_request(uint64_t call_id) override {
    if (!promise_.start()) throw CancelledError("the call was cancelled before it was sent");
    Bytes args = encode_args(std::make_index_sequence<std::tuple_size_v<Slots>>());
    return encode_call(CallMessage{call_id, target_, method(), std::move(args), 0});
  }

  void complete(const Bytes& reply) override {
    try {
      if constexpr (std::is_void_v<R>) {
        result_from_reply<void>(reply);
        promise_.set_value();
      } else {
        promise_.set_value(result_from_reply<R>(reply));
      }
    } catch (...) {
      promise_.set_exception(std::current_exception());
    }
  }

  void cancel() override { promise_.cancel(); }
  void fail(std::exception_ptr error) override { promise_.set_exception(std::move(error)); }

 private:
  template <size_t... I>
  Bytes encode_args(std::index_sequence<I...>) {
    return encode(take_wire<std::tuple_element_t<I, Params>>(std::get<I>(slots_))...);
  }

  std::string target_;
  Promise<R> promise_;
  Slots slots_;
};

}  // namespace concurry::internal

#endif  // CONCURRY_RUNTIME_INTERNAL_REMOTE_CALL_TASK_H_
