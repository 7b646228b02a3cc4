#include "concurry/cluster/node/json_call.h"

#include <chrono>
#include <future>
#include <memory>

#include "concurry/core/errors.h"
#include "concurry/core/json_values.h"
#include "concurry/core/registry.h"
#include "concurry/core/wire.h"

namespace concurry::internal {
namespace {

class PromiseSink final : public ReplySink {
 public:
  void deliver(uint64_t, Bytes reply) override { promise_.set_value(std::move(reply)); }
  std::future<Bytes> future() { return promise_.get_future(); }

 private:
  std::promise<Bytes> promise_;
};

Bytes failure(ErrorCode code, const std::string& where) {
  ErrorRecord record = describe_exception(std::current_exception(), where);
  if (code != ErrorCode::kUser) record.code = code;
  return encode_reply(ReplyMessage{0, false, {}, std::move(record)});
}

// The reply with its value turned into JSON by `to_json`.
Bytes with_json_value(const Bytes& reply_bytes, std::string (*to_json)(const Bytes&),
                      const std::string& where) {
  ReplyMessage reply = decode_reply(reply_bytes);
  if (!reply.ok) return reply_bytes;
  try {
    return encode_reply(ReplyMessage{0, true, to_json(reply.value), {}});
  } catch (...) {
    return failure(ErrorCode::kInternal, where);
  }
}

Bytes call_function(const JsonCall& call, const std::string& context) {
  const FunctionEntry* fn = nullptr;
  try {
    fn = &Registry::get().find_function(call.function);
  } catch (const MethodNotFoundError& e) {
    return encode_error_reply(0, ErrorCode::kMethodNotFound, "concurry::MethodNotFoundError",
                              std::string(e.what()) + "; " + context, call.function);
  }
  Bytes args;
  try {
    args = fn->args_from_json(call.json_args, call.function);
  } catch (...) {
    return failure(ErrorCode::kBadArguments, call.function);
  }
  Bytes reply = execute_function(encode_call(CallMessage{1, call.function, call.function, args}));
  return with_json_value(reply, fn->result_to_json, call.function);
}

Bytes call_actor(ActorHost& host, const JsonCall& call, const std::function<bool()>& cancelled) {
  ActorInfo info;
  const ClassEntry* cls = nullptr;
  if (!host.lookup(call.actor_ref, &info, &cls)) {
    return encode_error_reply(0, ErrorCode::kWorkerStopped, "concurry::WorkerStoppedError",
                              "no actor #" + std::to_string(call.actor_ref) +
                                  " on this node (it was stopped, or never existed)",
                              "node");
  }
  std::string where = (cls ? cls->name : std::string("TaskWorker")) + "::" + call.method;
  if (!cls) {
    return encode_error_reply(0, ErrorCode::kMethodNotFound, "concurry::MethodNotFoundError",
                              "actor " + info.actor_id + " hosts functions, not methods", where);
  }
  const MethodEntry* method = nullptr;
  Bytes args;
  try {
    method = &cls->method(call.method);
  } catch (...) {
    return failure(ErrorCode::kMethodNotFound, where);
  }
  try {
    args = method->args_from_json(call.json_args, where);
  } catch (...) {
    return failure(ErrorCode::kBadArguments, where);
  }
  auto sink = std::make_shared<PromiseSink>();
  std::future<Bytes> done = sink->future();
  host.call(call.actor_ref, 1, encode_call(CallMessage{1, info.actor_id, call.method, args}), sink);
  while (done.wait_for(std::chrono::milliseconds(100)) != std::future_status::ready) {
    if (cancelled()) {
      return encode_error_reply(0, ErrorCode::kCancelled, "concurry::CancelledError",
                                "the caller went away; the call still runs on the actor", where);
    }
  }
  return with_json_value(done.get(), method->result_to_json, where);
}

}  // namespace

Bytes run_json_call(ActorHost& host, const JsonCall& call, const std::string& context,
                    const std::function<bool()>& cancelled) {
  return call.actor_ref == 0 ? call_function(call, context) : call_actor(host, call, cancelled);
}

}  // namespace concurry::internal
