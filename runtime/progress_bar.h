// Progress: the `progress` option of map, gather, wait and as_completed. It is off, on (a bar on
// stderr), ProgressOptions, or a callback (done, total, elapsed) called on every completion:
//   {.progress = true}
//   {.progress = concurry::ProgressOptions{.desc = "files", .force = true}}
//   {.progress = [](size_t done, size_t total, concurry::Duration elapsed) { ... }}
// The bar shows count, percentage, rate and ETA, redraws at most 10 times a second, and stays
// quiet when stderr is not a terminal unless `force` is set. ProgressBar is thread-safe.
#ifndef CONCURRY_RUNTIME_PROGRESS_BAR_H_
#define CONCURRY_RUNTIME_PROGRESS_BAR_H_

#include <cstddef>
#include <cstdio>
#include <functional>
#include <mutex>
#include <string>
#include <type_traits>

#include "concurry/core/duration.h"

namespace concurry {

struct ProgressOptions {
  std::string desc;       // label in front of the bar
  bool force = false;     // draw even when the output is not a terminal
  std::FILE* out = nullptr;  // default stderr
  int width = 30;         // characters of the bar itself
};

using ProgressCallback = std::function<void(size_t done, size_t total, Duration elapsed)>;

class Progress {
 public:
  Progress() = default;
  Progress(bool on) : on_(on) {}
  Progress(ProgressOptions options) : on_(true), options_(std::move(options)) {}
  template <class F, class = std::enable_if_t<std::is_invocable_v<F&, size_t, size_t, Duration> &&
                                              !std::is_same_v<std::decay_t<F>, bool>>>
  Progress(F callback) : on_(true), callback_(std::move(callback)) {}

  bool enabled() const { return on_; }
  const ProgressOptions& options() const { return options_; }
  const ProgressCallback& callback() const { return callback_; }

 private:
  bool on_ = false;
  ProgressOptions options_;
  ProgressCallback callback_;
};

class ProgressBar {
 public:
  ProgressBar(const Progress& progress, size_t total);
  ~ProgressBar();  // draws the final state once more, with a newline
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  void tick(size_t n = 1);
  size_t done() const;

  // The line the bar would draw now (for tests and non-terminal logs).
  std::string render() const;

 private:
  std::string render_locked(Clock::time_point now) const;
  void draw_locked(Clock::time_point now, bool final_line);

  mutable std::mutex mu_;
  Progress progress_;
  size_t total_;
  size_t done_ = 0;
  bool draws_ = false;
  bool finished_ = false;
  Clock::time_point start_;
  Clock::time_point last_draw_{};
};

}  // namespace concurry

#endif  // CONCURRY_RUNTIME_PROGRESS_BAR_H_
