#include "concurry/runtime/internal/worker_host.h"

#include <deque>
#include <memory>
#include <string>

#include "concurry/core/errors.h"
#include "concurry/core/limit_set.h"
#include "concurry/core/wire.h"
#include "concurry/runtime/internal/frame_io.h"
#include "concurry/runtime/internal/limit_channel.h"

namespace concurry::internal {
namespace {

ReplyMessage error_reply(uint64_t call_id, std::exception_ptr error, const std::string& where) {
  ReplyMessage reply;
  reply.call_id = call_id;
  reply.error = describe_exception(error, where);
  return reply;
}

// The worker's end of its socket: calls in, replies out (batched), and limit requests to the
// parent in the middle of a call, with calls that arrive meanwhile kept for later.
class Channel {
 public:
  explicit Channel(int fd) : fd_(fd), reader_(fd) {}

  bool has_call() const { return !stash_.empty() || reader_.has_frame(); }

  // The next call's envelope; nullopt when the parent closed the connection.
  std::optional<std::string> next_call() {
    if (!stash_.empty()) {
      std::string call = std::move(stash_.front());
      stash_.pop_front();
      return call;
    }
    while (true) {
      std::optional<std::string> frame = reader_.next();
      if (!frame) return std::nullopt;
      if (!frame->empty() && (*frame)[0] == kCallFrame) return frame->substr(1);
    }
  }

  void reply(const Bytes& reply) { append_frame(out_, tagged(kReplyFrame, reply)); }
  bool flush() {
    bool ok = out_.empty() || write_bytes(fd_, out_);
    out_.clear();
    return ok;
  }

  Bytes exchange(const Bytes& request) {
    send(request);
    while (true) {
      std::optional<std::string> frame = reader_.next();
      if (!frame) throw Error("the parent process closed the connection");
      if (frame->empty()) continue;
      if ((*frame)[0] == kLimitReplyFrame) return frame->substr(1);
      if ((*frame)[0] == kCallFrame) stash_.push_back(frame->substr(1));
    }
  }

  void send(const Bytes& request) {
    append_frame(out_, tagged(kLimitFrame, request));
    if (!flush()) throw Error("the parent process closed the connection");
  }

 private:
  int fd_;
  FrameReader reader_;
  std::deque<std::string> stash_;
  std::string out_;  // replies waiting to go out in one write
};

}  // namespace

int run_worker_host(int fd) {
  std::shared_ptr<void> instance;
  const ClassEntry* cls = nullptr;
  Channel channel(fd);
  while (true) {
    if (!channel.has_call() && !channel.flush()) return 0;
    std::optional<std::string> frame;
    try {
      frame = channel.next_call();
    } catch (const std::exception&) {
      channel.flush();
      return 3;  // a corrupt stream: nothing more can be trusted on it
    }
    if (!frame) {
      channel.flush();
      return 0;  // the parent closed the connection
    }
    CallMessage call;
    try {
      call = decode_call(*frame);
    } catch (...) {
      channel.reply(encode_reply(error_reply(0, std::current_exception(), "worker host")));
      continue;
    }
    if (call.method == kStopMethod) {
      channel.flush();
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
          if (call.has_limits && cls->attach_limits) {
            // limits() of this worker: the budget its parent hosts.
            cls->attach_limits(instance.get(),
                               LimitSet(make_child_limit_service(
                                   [&channel](const Bytes& b) { return channel.exchange(b); },
                                   [&channel](const Bytes& b) { channel.send(b); })));
          }
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
    if (reply.size() + 1 > kMaxFrameBytes) {
      ReplyMessage too_big;
      too_big.call_id = call.call_id;
      too_big.error.code = ErrorCode::kInternal;
      too_big.error.type = "concurry::Error";
      too_big.error.message = "the result takes " + std::to_string(reply.size()) +
                              " bytes, over the " + std::to_string(kMaxFrameBytes) +
                              "-byte frame limit of process workers";
      too_big.error.where = call.target + "::" + call.method;
      reply = encode_reply(too_big);
    }
    channel.reply(reply);
  }
}

}  // namespace concurry::internal
