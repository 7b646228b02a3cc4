#include "concurry/runtime/async_gather.h"

namespace concurry::internal {

Future<void> when_condition(const States& states, ReturnWhen when,
                            const std::optional<Duration>& timeout) {
  struct Shared {
    Promise<void> promise;
    std::atomic<size_t> remaining;
  };
  auto shared = std::make_shared<Shared>();
  shared->remaining.store(states.size());
  Future<void> out = shared->promise.future();
  if (states.empty()) {
    shared->promise.set_value();
    return out;
  }
  for (const auto& state : states) {
    std::weak_ptr<StateBase> weak = state;
    state->add_callback([shared, when, weak] {
      bool last = shared->remaining.fetch_sub(1) == 1;
      bool failed = false;
      if (auto s = weak.lock()) failed = s->status() != Status::kValue;
      if (last || when == ReturnWhen::kFirstCompleted ||
          (when == ReturnWhen::kFirstException && failed)) {
        shared->promise.set_value();  // later completions find it done: ignored
      }
    });
  }
  if (timeout) {
    std::weak_ptr<Shared> weak = shared;
    run_after(*timeout, [weak] {
      if (auto s = weak.lock()) s->promise.set_value();  // the caller sorts done from not done
    });
  }
  return out;
}

}  // namespace concurry::internal
