// The call envelope (proto/concurry.proto) without protobuf in the header: process mode and the
// cluster encode calls and replies with these, and run them with execute_*(). Malformed bytes
// never crash: decoding throws concurry::Error, and execute_*() turns every failure into an
// error reply naming what was wrong.
#ifndef CONCURRY_CORE_WIRE_H_
#define CONCURRY_CORE_WIRE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <tuple>
#include <type_traits>

#include "concurry/core/error_codec.h"
#include "concurry/core/registry.h"
#include "concurry/core/serialization.h"

namespace concurry::internal {

inline constexpr const char* kInitMethod = "__init__";

struct CallMessage {
  uint64_t call_id = 0;
  std::string target;  // class name for "__init__", actor id or function name otherwise
  std::string method;
  Bytes args;
  uint32_t ctor_index = 0;
  bool has_limits = false;
};

struct ReplyMessage {
  uint64_t call_id = 0;
  bool ok = false;
  Bytes value;        // when ok
  ErrorRecord error;  // when !ok
};

Bytes encode_call(const CallMessage& call);
CallMessage decode_call(const Bytes& bytes);  // throws concurry::Error on malformed bytes
Bytes encode_reply(const ReplyMessage& reply);
// The reply envelope of a call that failed outside its method (unknown actor, stopped, lost).
Bytes encode_error_reply(uint64_t call_id, ErrorCode code, std::string type, std::string message,
                         std::string where);
ReplyMessage decode_reply(const Bytes& bytes);  // throws concurry::Error on malformed bytes

// Host side. A "__init__" call constructs `call.target` with CONCURRY_INIT signature
// `ctor_index`; throws MethodNotFoundError / concurry::Error on unknown names or bad arguments.
std::shared_ptr<void> construct_instance(const CallMessage& call);
// Runs `call.method` on `instance` of class `cls`; the reply carries the value or the error.
Bytes execute_method(const ClassEntry& cls, void* instance, const Bytes& call_bytes);
// Runs the registered function `call.target`.
Bytes execute_function(const Bytes& call_bytes);

// Caller side: the value of a reply as R, or the reply's error rethrown (registered types as
// themselves, others as RemoteError).
template <class R>
R result_from_reply(const Bytes& reply_bytes) {
  ReplyMessage reply = decode_reply(reply_bytes);
  if (!reply.ok) raise_error(reply.error);
  if constexpr (std::is_void_v<R>) {
    return;
  } else {
    return decode<R>(reply.value);
  }
}

// Encodes `args` as the parameters of signature `Params` (a std::tuple of decayed types),
// converting each argument to its parameter type first.
template <class Params, class... A>
Bytes encode_args(A&&... args) {
  static_assert(std::tuple_size_v<Params> == sizeof...(A),
                "wrong number of arguments for this method");
  Params converted(std::forward<A>(args)...);
  return std::apply([](const auto&... p) { return encode(p...); }, converted);
}

}  // namespace concurry::internal

#endif  // CONCURRY_CORE_WIRE_H_
