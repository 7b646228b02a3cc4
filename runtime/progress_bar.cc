#include "concurry/runtime/progress_bar.h"

#include <unistd.h>

#include <cmath>

namespace concurry {
namespace {

std::string clock_text(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "--:--";
  long s = static_cast<long>(seconds + 0.5);
  char buf[32];
  if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%02ld:%02ld", s / 60, s % 60);
  }
  return buf;
}

}  // namespace

ProgressBar::ProgressBar(const Progress& progress, size_t total)
    : progress_(progress), total_(total), start_(Clock::now()) {
  if (progress_.enabled() && !progress_.callback()) {
    std::FILE* out = progress_.options().out ? progress_.options().out : stderr;
    draws_ = progress_.options().force || ::isatty(::fileno(out)) == 1;
  }
}

ProgressBar::~ProgressBar() {
  std::lock_guard<std::mutex> lock(mu_);
  if (draws_ && !finished_) draw_locked(Clock::now(), true);
}

void ProgressBar::tick(size_t n) {
  if (!progress_.enabled()) return;
  ProgressCallback callback;
  size_t done;
  Duration elapsed;
  {
    std::lock_guard<std::mutex> lock(mu_);
    done_ += n;
    done = done_;
    auto now = Clock::now();
    elapsed = now - start_;
    if (draws_) {
      bool last = done_ >= total_;
      if (last || now - last_draw_ >= std::chrono::milliseconds(100)) draw_locked(now, last);
    }
    callback = progress_.callback();
  }
  if (callback) callback(done, total_, elapsed);
}

size_t ProgressBar::done() const {
  std::lock_guard<std::mutex> lock(mu_);
  return done_;
}

std::string ProgressBar::render() const {
  std::lock_guard<std::mutex> lock(mu_);
  return render_locked(Clock::now());
}

std::string ProgressBar::render_locked(Clock::time_point now) const {
  const ProgressOptions& o = progress_.options();
  double elapsed = std::chrono::duration<double>(now - start_).count();
  double fraction = total_ ? static_cast<double>(done_) / static_cast<double>(total_) : 1.0;
  int width = o.width > 0 ? o.width : 30;
  int filled = static_cast<int>(fraction * width);
  double rate = elapsed > 0 ? done_ / elapsed : 0.0;
  double eta = rate > 0 ? (total_ - done_) / rate : NAN;
  std::string line = o.desc.empty() ? "" : o.desc + ": ";
  char head[64];
  std::snprintf(head, sizeof head, "%3d%% |", static_cast<int>(fraction * 100));
  line += head;
  line += std::string(filled, '#') + std::string(width - filled, ' ');
  char tail[128];
  std::snprintf(tail, sizeof tail, "| %zu/%zu [%s<%s, %.1f/s]", done_, total_,
                clock_text(elapsed).c_str(), clock_text(eta).c_str(), rate);
  return line + tail;
}

void ProgressBar::draw_locked(Clock::time_point now, bool final_line) {
  std::FILE* out = progress_.options().out ? progress_.options().out : stderr;
  std::string line = render_locked(now);
  std::fprintf(out, "\r%s%s", line.c_str(), final_line ? "\n" : "");
  std::fflush(out);
  last_draw_ = now;
  finished_ = final_line;
}

}  // namespace concurry
