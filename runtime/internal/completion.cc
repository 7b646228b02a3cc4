#include "concurry/runtime/internal/completion.h"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>

#include "concurry/core/errors.h"

namespace concurry::internal {
namespace {

std::optional<Clock::time_point> deadline_after(const std::optional<Duration>& timeout) {
  if (!timeout) return std::nullopt;
  return Clock::now() + std::chrono::duration_cast<Clock::duration>(*timeout);
}

}  // namespace

struct CompletionQueue::Shared {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<size_t> ready;  // indices completed, not yet delivered
  std::unique_ptr<ProgressBar> bar;
};


CompletionQueue::CompletionQueue(const States& states, const std::optional<Duration>& timeout,
                                 const Progress& progress)
    : shared_(std::make_shared<Shared>()), total_(states.size()), deadline_(deadline_after(timeout)) {
  if (progress.enabled()) shared_->bar = std::make_unique<ProgressBar>(progress, states.size());
  for (size_t i = 0; i < states.size(); ++i) {
    states[i]->add_callback([s = shared_, i] {
      {
        std::lock_guard<std::mutex> lock(s->mu);
        s->ready.push_back(i);
      }
      s->cv.notify_all();
      if (s->bar) s->bar->tick();
    });
  }
}

std::optional<size_t> CompletionQueue::next() {
  if (delivered_ == total_) return std::nullopt;
  std::unique_lock<std::mutex> lock(shared_->mu);
  auto ready = [&] { return !shared_->ready.empty(); };
  if (deadline_) {
    if (!shared_->cv.wait_until(lock, *deadline_, ready)) {
      throw TimeoutError(std::to_string(total_ - delivered_) + " of " +
                         std::to_string(total_) + " futures were not done before the timeout");
    }
  } else {
    shared_->cv.wait(lock, ready);
  }
  size_t index = shared_->ready.front();
  shared_->ready.pop_front();
  ++delivered_;
  return index;
}

bool await_states(const States& states, ReturnWhen when, const std::optional<Duration>& timeout,
                  const Progress& progress) {
  auto deadline = deadline_after(timeout);
  if (when == ReturnWhen::kAllCompleted && !progress.enabled()) {
    // The common case needs no callbacks: wait on each in turn.
    for (const auto& state : states) {
      bool done = true;
      if (deadline) {
        done = state->wait_for(std::max(Duration(0), Duration(*deadline - Clock::now())));
      } else {
        state->wait();
      }
      if (!done) {
        size_t finished = 0;
        for (const auto& s : states) finished += s->done() ? 1 : 0;
        throw TimeoutError("wait: " + std::to_string(states.size() - finished) + " of " +
                           std::to_string(states.size()) +
                           " futures were not done before the timeout");
      }
    }
    return true;
  }
  CompletionQueue queue(states, timeout, progress);
  while (true) {
    std::optional<size_t> index;
    try {
      index = queue.next();
    } catch (const TimeoutError&) {
      if (when == ReturnWhen::kAllCompleted) throw;
      return false;
    }
    if (!index) return true;  // every future is done
    if (when == ReturnWhen::kFirstCompleted) return true;
    if (when == ReturnWhen::kFirstException && states[*index]->status() != Status::kValue) {
      return true;
    }
  }
}

}  // namespace concurry::internal
