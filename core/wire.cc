#include "concurry/core/wire.h"

#include "concurry/core/errors.h"
#include "concurry/core/internal/call_scope.h"
#include "concurry/proto/concurry.pb.h"

namespace concurry::internal {
namespace {

Bytes error_reply(uint64_t call_id, std::exception_ptr error, const std::string& where,
                  ErrorCode override_code = ErrorCode::kUser) {
  ReplyMessage reply;
  reply.call_id = call_id;
  reply.error = describe_exception(error, where);
  if (override_code != ErrorCode::kUser) reply.error.code = override_code;
  return encode_reply(reply);
}

Bytes value_reply(uint64_t call_id, Bytes value) {
  ReplyMessage reply;
  reply.call_id = call_id;
  reply.ok = true;
  reply.value = std::move(value);
  return encode_reply(reply);
}

}  // namespace

Bytes encode_call(const CallMessage& call) {
  proto::CallRequest request;
  request.set_call_id(call.call_id);
  request.set_target(call.target);
  request.set_method(call.method);
  request.set_args(call.args);
  request.set_ctor_index(call.ctor_index);
  request.set_has_limits(call.has_limits);
  return request.SerializeAsString();
}

CallMessage decode_call(const Bytes& bytes) {
  proto::CallRequest request;
  if (!request.ParseFromString(bytes)) {
    throw Error("malformed call message (" + std::to_string(bytes.size()) +
                " bytes did not parse as concurry.proto.CallRequest)");
  }
  CallMessage call;
  call.call_id = request.call_id();
  call.target = request.target();
  call.method = request.method();
  call.args = request.args();
  call.ctor_index = request.ctor_index();
  call.has_limits = request.has_limits();
  return call;
}

Bytes encode_reply(const ReplyMessage& reply) {
  proto::CallReply out;
  out.set_call_id(reply.call_id);
  if (reply.ok) {
    out.set_value(reply.value);
  } else {
    auto* error = out.mutable_error();
    error->set_code(static_cast<proto::ErrorInfo::Code>(reply.error.code));
    error->set_type(reply.error.type);
    error->set_message(reply.error.message);
    error->set_where(reply.error.where);
  }
  return out.SerializeAsString();
}

ReplyMessage decode_reply(const Bytes& bytes) {
  proto::CallReply in;
  if (!in.ParseFromString(bytes) || in.outcome_case() == proto::CallReply::OUTCOME_NOT_SET) {
    throw Error("malformed reply message (" + std::to_string(bytes.size()) +
                " bytes did not parse as concurry.proto.CallReply with a value or an error)");
  }
  ReplyMessage reply;
  reply.call_id = in.call_id();
  reply.ok = in.has_value();
  if (reply.ok) {
    reply.value = in.value();
  } else {
    const auto& e = in.error();
    reply.error.code = static_cast<ErrorCode>(e.code());
    reply.error.type = e.type();
    reply.error.message = e.message();
    reply.error.where = e.where();
  }
  return reply;
}

std::shared_ptr<void> construct_instance(const CallMessage& call) {
  const ClassEntry& cls = Registry::get().find_class(call.target);
  if (call.ctor_index >= cls.ctors.size()) {
    throw MethodNotFoundError("class '" + cls.name + "' has no constructor #" +
                              std::to_string(call.ctor_index) + " (it registers " +
                              std::to_string(cls.ctors.size()) + " with CONCURRY_INIT)");
  }
  return cls.ctors[call.ctor_index].construct(call.args);
}

Bytes execute_method(const ClassEntry& cls, void* instance, const Bytes& call_bytes) {
  CallMessage call;
  try {
    call = decode_call(call_bytes);
  } catch (...) {
    return error_reply(0, std::current_exception(), cls.name, ErrorCode::kBadArguments);
  }
  std::string where = cls.name + "::" + call.method;
  const MethodEntry* method = nullptr;
  try {
    method = &cls.method(call.method);
  } catch (...) {
    return error_reply(call.call_id, std::current_exception(), where);
  }
  try {
    CallScope scope;  // an Acquisition left without its update fails the call here too
    Bytes value = method->invoke(instance, call.args);
    if (scope.error()) std::rethrow_exception(scope.error());
    return value_reply(call.call_id, std::move(value));
  } catch (...) {
    return error_reply(call.call_id, std::current_exception(), where);
  }
}

Bytes execute_function(const Bytes& call_bytes) {
  CallMessage call;
  try {
    call = decode_call(call_bytes);
  } catch (...) {
    return error_reply(0, std::current_exception(), "", ErrorCode::kBadArguments);
  }
  try {
    const FunctionEntry& fn = Registry::get().find_function(call.target);
    return value_reply(call.call_id, fn.invoke(call.args));
  } catch (...) {
    return error_reply(call.call_id, std::current_exception(), call.target);
  }
}

Bytes encode_error_reply(uint64_t call_id, ErrorCode code, std::string type, std::string message,
                         std::string where) {
  ReplyMessage reply;
  reply.call_id = call_id;
  reply.error = ErrorRecord{code, std::move(type), std::move(message), std::move(where)};
  return encode_reply(reply);
}

}  // namespace concurry::internal
