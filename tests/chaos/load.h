// Load and outcome counting for the chaos tests (no gtest: the chaos client uses it too).
//
// Load: a few threads each keep a bounded number of calls in flight per target (actor or pool)
// — pipelined calls work(seq), one per target per pass, a new one as soon as one completes —
// until stop(), at most `max_rate` calls/s in all (calls that fail at once must not turn into a
// flood of millions of futures). Every call's future is kept; drain() waits for all of them
// within one bound, and tally() counts outcomes: values (checked: work(seq) returns seq), each
// error type, and futures still unresolved (a hang). Nothing here waits without a bound.
#ifndef CONCURRY_TESTS_CHAOS_LOAD_H_
#define CONCURRY_TESTS_CHAOS_LOAD_H_

#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "concurry/concurry.h"

namespace chaos {

inline int64_t now_ns() {
  timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// Outcome counts of a set of futures.
struct Tally {
  long value = 0;       // the expected value
  long wrong = 0;       // a value, but not the expected one
  long crashed = 0;     // WorkerCrashedError
  long stopped = 0;     // WorkerStoppedError
  long timeout = 0;     // completed with TimeoutError (not a hang: the future is done)
  long cancelled = 0;   // CancelledError
  long other = 0;       // any other exception
  long unresolved = 0;  // not done when counted: a hang
  std::map<std::string, long> messages;  // error messages (first 160 chars) → count

  long total() const {
    return value + wrong + crashed + stopped + timeout + cancelled + other + unresolved;
  }
  long errors() const { return crashed + stopped + timeout + cancelled + other; }

  // Counts one future; `expected` is compared with its value when given.
  template <class T>
  void add(const concurry::Future<T>& f, std::optional<T> expected = std::nullopt) {
    if (!f.valid() || !f.done()) {
      ++unresolved;
      return;
    }
    std::exception_ptr error = f.exception(concurry::Duration(0));
    if (!error) {
      T v = f.result(concurry::Duration(0));
      if (expected && v != *expected) {
        ++wrong;
      } else {
        ++value;
      }
      return;
    }
    try {
      std::rethrow_exception(error);
    } catch (const concurry::WorkerCrashedError& e) {
      ++crashed;
      note("WorkerCrashedError", e.what());
    } catch (const concurry::WorkerStoppedError& e) {
      ++stopped;
      note("WorkerStoppedError", e.what());
    } catch (const concurry::TimeoutError& e) {
      ++timeout;
      note("TimeoutError", e.what());
    } catch (const concurry::CancelledError& e) {
      ++cancelled;
      note("CancelledError", e.what());
    } catch (const std::exception& e) {
      ++other;
      note("other", e.what());
    } catch (...) {
      ++other;
      note("other", "(not a std::exception)");
    }
  }

  void note(const std::string& kind, const std::string& what) {
    ++messages[kind + ": " + what.substr(0, 160)];
  }

  Tally& operator+=(const Tally& t) {
    value += t.value;
    wrong += t.wrong;
    crashed += t.crashed;
    stopped += t.stopped;
    timeout += t.timeout;
    cancelled += t.cancelled;
    other += t.other;
    unresolved += t.unresolved;
    for (const auto& [m, n] : t.messages) messages[m] += n;
    return *this;
  }

  std::string str() const {
    std::ostringstream out;
    out << "total " << total() << ": values " << value << ", wrong values " << wrong
        << ", WorkerCrashedError " << crashed << ", WorkerStoppedError " << stopped
        << ", TimeoutError " << timeout << ", CancelledError " << cancelled << ", other errors "
        << other << ", UNRESOLVED " << unresolved;
    // The most frequent messages, a few of them.
    std::vector<std::pair<long, std::string>> top;
    for (const auto& [m, n] : messages) top.emplace_back(n, m);
    std::sort(top.rbegin(), top.rend());
    for (size_t i = 0; i < top.size() && i < 4; ++i) {
      out << "\n    " << top[i].first << " × " << top[i].second;
    }
    if (top.size() > 4) out << "\n    (" << top.size() - 4 << " more distinct messages)";
    return out.str();
  }
};

class Load {
 public:
  using Submit = std::function<concurry::Future<int64_t>(int target, int64_t seq)>;
  struct Call {
    int thread;
    int target;
    int64_t seq;
    int64_t submitted_ns;  // CLOCK_MONOTONIC, just before the call was made
    concurry::Future<int64_t> future;
    const std::atomic<int64_t>* completed_at;  // CLOCK_MONOTONIC when it completed; 0 until then

    int64_t completed_ns() const { return completed_at->load(); }
  };

  // `window`: calls in flight per thread and target; `max_rate`: calls/s, all threads together.
  Load(int targets, Submit submit, int threads = 3, int window = 32, double max_rate = 20000)
      : targets_(targets), threads_(threads), window_(window),
        per_thread_rate_(max_rate / threads), submit_(std::move(submit)),
        shared_(std::make_shared<Shared>(threads, threads * targets)), calls_(threads) {}
  ~Load() { stop(); }
  Load(const Load&) = delete;
  Load& operator=(const Load&) = delete;

  void start() {
    started_ns_ = now_ns();
    for (int th = 0; th < threads_; ++th) workers_.emplace_back([this, th] { run(th); });
  }

  // Stops submitting (calls in flight stay in flight); joins the threads.
  void stop() {
    stopping_ = true;
    for (auto& w : workers_) w.join();
    workers_.clear();
  }

  // Waits for every call made, within `bound` in all. True when every future is done.
  bool drain(concurry::Duration bound) {
    auto deadline = std::chrono::steady_clock::now() + bound;
    bool all = true;
    for (const auto& per_thread : calls_) {
      for (const auto& c : per_thread) {
        auto left = std::chrono::duration<double>(deadline - std::chrono::steady_clock::now());
        if (!c.future.wait(concurry::Duration(std::max(0.0, left.count())))) all = false;
      }
    }
    return all;
  }

  // Outcomes of the calls `which` selects (all calls by default). Call after stop().
  Tally tally(const std::function<bool(const Call&)>& which = {}) const {
    Tally t;
    for (const auto& per_thread : calls_) {
      for (const auto& c : per_thread) {
        if (!which || which(c)) t.add<int64_t>(c.future, c.seq);
      }
    }
    return t;
  }

  // Calls `fn(call)` for every call made. Call after stop().
  template <class F>
  void each(F fn) const {
    for (const auto& per_thread : calls_) {
      for (const auto& c : per_thread) fn(c);
    }
  }

  // Calls completed so far (any outcome), and made so far.
  long completed() const { return shared_->completed.load(); }
  long submitted() const { return submitted_.load(); }
  int64_t started_ns() const { return started_ns_; }
  // Completions per second since start().
  double rate() const { return completed() / ((now_ns() - started_ns_) / 1e9); }

 private:
  static constexpr int kBlock = 4096;
  struct Shared {
    Shared(int threads, int slots) : inflight(new std::atomic<int>[slots]), times(threads) {
      for (int i = 0; i < slots; ++i) inflight[i] = 0;
    }
    std::unique_ptr<std::atomic<int>[]> inflight;
    std::atomic<long> completed{0};
    // Completion times, in blocks per thread (each appended to by its own thread only).
    std::vector<std::vector<std::unique_ptr<std::atomic<int64_t>[]>>> times;
  };

  // A zeroed completion-time slot for this thread's next call.
  std::atomic<int64_t>* time_slot(int th, long n) {
    auto& blocks = shared_->times[th];
    if (n % kBlock == 0) {
      blocks.emplace_back(new std::atomic<int64_t>[kBlock]);
      for (int i = 0; i < kBlock; ++i) blocks.back()[i] = 0;
    }
    return &blocks.back()[n % kBlock];
  }

  void run(int th) {
    auto& mine = calls_[th];
    mine.reserve(1 << 16);
    int first = th % targets_;
    long made = 0;
    while (!stopping_.load(std::memory_order_relaxed)) {
      // The pace: this thread's n-th call not before started + n / per_thread_rate_.
      long allowed = static_cast<long>((now_ns() - started_ns_) / 1e9 * per_thread_rate_) - made;
      if (allowed <= 0) {
        std::this_thread::sleep_for(std::chrono::microseconds(200));
        continue;
      }
      bool sent = false;
      for (int k = 0; k < targets_ && allowed > 0; ++k) {
        int t = (first + k) % targets_;
        std::atomic<int>* slot = &shared_->inflight[th * targets_ + t];
        if (slot->load(std::memory_order_relaxed) >= window_) continue;
        slot->fetch_add(1);
        int64_t seq = next_seq_.fetch_add(1);
        std::atomic<int64_t>* done_at = time_slot(th, made);
        int64_t submitted_ns = now_ns();
        concurry::Future<int64_t> f;
        try {
          f = submit_(t, seq);
        } catch (...) {
          f = concurry::make_failed_future<int64_t>(std::current_exception());
        }
        mine.push_back(Call{th, t, seq, submitted_ns, f, done_at});
        ++submitted_;
        ++made;
        --allowed;
        f.add_done_callback([shared = shared_, slot, done_at](const concurry::Future<int64_t>&) {
          done_at->store(now_ns());
          slot->fetch_sub(1);
          shared->completed.fetch_add(1);
        });
        sent = true;
      }
      first = (first + 1) % targets_;
      if (!sent) std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
  }

  const int targets_, threads_, window_;
  const double per_thread_rate_;
  Submit submit_;
  std::shared_ptr<Shared> shared_;  // also held by the callbacks of calls still in flight
  std::vector<std::vector<Call>> calls_;
  std::vector<std::thread> workers_;
  std::atomic<bool> stopping_{false};
  std::atomic<int64_t> next_seq_{0};
  std::atomic<long> submitted_{0};
  int64_t started_ns_ = 0;
};

// The outcome of one future within `bound`, as a word for test messages: "value", "unresolved",
// or the error's type and message.
template <class T>
std::string outcome(const concurry::Future<T>& f, concurry::Duration bound) {
  f.wait(bound);
  Tally t;
  t.add<T>(f);
  if (t.value) return "value";
  if (t.unresolved) return "unresolved";
  return t.messages.begin()->first;
}

}  // namespace chaos

#endif  // CONCURRY_TESTS_CHAOS_LOAD_H_
