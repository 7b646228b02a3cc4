#include "concurry/runtime/internal/worker_host.h"

#include <memory>
#include <string>

#include "concurry/core/errors.h"
#include "concurry/core/wire.h"
#include "concurry/runtime/internal/frame_io.h"

namespace concurry::internal {
namespace {

ReplyMessage error_reply(uint64_t call_id, std::exception_ptr error, const std::string& where) {
  ReplyMessage reply;
  reply.call_id = call_id;
  reply.error = describe_exception(error, where);
  return reply;
}

}  // namespace

int run_worker_host(int fd) {
  std::shared_ptr<void> instance;
  const ClassEntry* cls = nullptr;
  FrameReader reader(fd);
  std::string replies;  // sent when no further request is already buffered: batched under load
  auto flush = [&] {
    bool ok = replies.empty() || write_bytes(fd, replies);
    replies.clear();
    return ok;
  };
  while (true) {
    if (!reader.has_frame() && !flush()) return 0;
    std::optional<std::string> frame;
    try {
      frame = reader.next();
    } catch (const std::exception&) {
      flush();
      return 3;  // a corrupt stream: nothing more can be trusted on it
    }
    if (!frame) {
      flush();
      return 0;  // the parent closed the connection
    }
    CallMessage call;
    try {
      call = decode_call(*frame);
    } catch (...) {
      append_frame(replies, encode_reply(error_reply(0, std::current_exception(), "worker host")));
      continue;
    }
    if (call.method == kStopMethod) {
      flush();
      return 0;
    }
    Bytes reply;
    if (call.method == kInitMethod) {
      ReplyMessage r;
      r.call_id = call.call_id;
      try {
        if (call.target != kFunctionTarget) {
          cls = &Registry::get().find_class(call.target);
          instance = construct_instance(call);
        }
        r.ok = true;
      } catch (...) {
        r = error_reply(call.call_id, std::current_exception(), call.target + "::" + kInitMethod);
      }
      reply = encode_reply(r);
    } else if (cls) {
      reply = execute_method(*cls, instance.get(), *frame);
    } else {
      reply = execute_function(*frame);
    }
    append_frame(replies, reply);
  }
}

}  // namespace concurry::internal
