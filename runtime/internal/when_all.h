// when_all: one future for a list of futures, without blocking anybody. Internal: TaskWorker::map
// builds on it.
#ifndef CONCURRY_RUNTIME_INTERNAL_WHEN_ALL_H_
#define CONCURRY_RUNTIME_INTERNAL_WHEN_ALL_H_

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "concurry/core/errors.h"
#include "concurry/core/future.h"
#include "concurry/runtime/internal/timer.h"
#include "concurry/runtime/progress_bar.h"

namespace concurry::internal {

// Completes with every value in input order, or with the first error in input order once all are
// done, or with TimeoutError when `timeout` passes first. `progress` ticks per completion.
template <class R>
Future<std::vector<R>> when_all(std::vector<Future<R>> futures, std::optional<Duration> timeout,
                                const Progress& progress) {
  struct Shared {
    Promise<std::vector<R>> promise;
    std::vector<Future<R>> futures;
    std::atomic<size_t> remaining{0};
    std::unique_ptr<ProgressBar> bar;
  };
  auto s = std::make_shared<Shared>();
  Future<std::vector<R>> out = s->promise.future();
  s->futures = std::move(futures);
  s->remaining.store(s->futures.size() + 1);
  if (progress.enabled()) s->bar = std::make_unique<ProgressBar>(progress, s->futures.size());
  auto finish = [](Shared& shared) {
    std::vector<R> values;
    values.reserve(shared.futures.size());
    for (const auto& f : shared.futures) {
      if (auto error = f.exception()) {
        shared.promise.set_exception(error);
        return;
      }
      values.push_back(f.result());
    }
    shared.promise.set_value(std::move(values));
  };
  if (timeout) {
    std::weak_ptr<Shared> weak = s;
    size_t total = s->futures.size();
    run_after(*timeout, [weak, total, seconds = timeout->count()] {
      if (auto shared = weak.lock()) {
        shared->promise.set_exception(std::make_exception_ptr(TimeoutError(
            "map: " + std::to_string(shared->remaining.load() - 1) + " of " +
            std::to_string(total) + " calls were not done within " + std::to_string(seconds) +
            " s")));
      }
    });
  }
  for (const auto& f : s->futures) {
    state_of(f)->add_callback([s, finish] {
      if (s->bar) s->bar->tick();
      if (s->remaining.fetch_sub(1) == 1) finish(*s);
    });
  }
  if (s->remaining.fetch_sub(1) == 1) finish(*s);
  return out;
}

}  // namespace concurry::internal

#endif  // CONCURRY_RUNTIME_INTERNAL_WHEN_ALL_H_
