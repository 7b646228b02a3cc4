// AsioScheduler: a Scheduler over an asio::io_context (posts and steady timers). Internal; only
// .cc files include it, so asio stays out of public headers.
#ifndef CONCURRY_RUNTIME_INTERNAL_ASIO_SCHEDULER_H_
#define CONCURRY_RUNTIME_INTERNAL_ASIO_SCHEDULER_H_

#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <memory>

#include "concurry/core/scheduler.h"

namespace concurry::internal {

inline void asio_post(asio::io_context& context, std::function<void()> fn) {
  asio::post(context, std::move(fn));
}

inline void asio_post_after(asio::io_context& context, Duration delay, std::function<void()> fn) {
  auto timer = std::make_shared<asio::steady_timer>(
      context, std::chrono::duration_cast<asio::steady_timer::duration>(delay));
  timer->async_wait([timer, fn = std::move(fn)](const std::error_code& ec) {
    if (!ec) fn();
  });
}

}  // namespace concurry::internal

#endif  // CONCURRY_RUNTIME_INTERNAL_ASIO_SCHEDULER_H_
