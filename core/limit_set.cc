#include "concurry/core/limit_set.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <condition_variable>
#include <deque>
#include <mutex>

#include "concurry/core/errors.h"
#include "concurry/core/internal/call_scope.h"
#include "concurry/core/internal/limit_state.h"

namespace concurry {
namespace internal {
namespace {

enum class Kind { kCall, kRate, kResource };

// How often a waiter with a CancelCheck asks it.
constexpr auto kCancelPoll = std::chrono::milliseconds(10);

struct Entry {
  std::string key;
  Kind kind;
  std::unique_ptr<LimitState> state;
};

std::string join(const std::vector<std::string>& keys) {
  std::string out;
  for (const auto& k : keys) out += (out.empty() ? "" : ", ") + k;
  return out;
}

// One process-local budget. The mutex guards every LimitState; waiters queue by ticket.
class LocalLimitService final : public LimitService {
 public:
  LocalLimitService(const std::vector<Limit>& limits, std::shared_ptr<LimitClock> clock)
      : clock_(std::move(clock)), definitions_(limits) {
    auto now = clock_->now();
    for (const auto& limit : limits) {
      Entry e = std::visit([&](const auto& l) { return make_entry(l, now); }, limit);
      for (const auto& existing : entries_) {
        if (existing.key == e.key) {
          throw InvalidOptionError("two limits in one LimitSet share the key '" + e.key + "'");
        }
      }
      entries_.push_back(std::move(e));
    }
    for (uint32_t i = 0; i < entries_.size(); ++i) {
      if (entries_[i].kind == Kind::kRate) {
        has_rate_ = true;
      } else {
        default_grant_.amounts.emplace_back(i, 1.0);
      }
    }
  }

  std::vector<Limit> definitions() const override { return definitions_; }

  Grant normalize(const LimitRequest& request) const override {
    if (request.empty()) {
      if (has_rate_) {
        for (const auto& e : entries_) {
          if (e.kind == Kind::kRate) {
            throw LimitError("an empty request cannot acquire RateLimit '" + e.key +
                             "': name it with the amount to acquire");
          }
        }
      }
      return default_grant_;  // every CallLimit and ResourceLimit at 1
    }
    Grant out;
    out.amounts.reserve(entries_.size());
    for (const auto& [key, amount] : request) {
      std::optional<uint32_t> index = index_of(key);
      if (!index) {
        std::vector<std::string> keys;
        for (const auto& entry : entries_) keys.push_back(entry.key);
        throw LimitError("no limit with key '" + key + "' in this LimitSet; keys: " + join(keys));
      }
      const Entry& e = entries_[*index];
      if (amount < 0) throw LimitError("requested " + std::to_string(amount) + " of '" + key + "'");
      if (amount > e.state->capacity() + 1e-9) {
        throw LimitError("requested " + std::to_string(amount) + " of '" + key +
                         "', which exceeds capacity " + std::to_string(e.state->capacity()));
      }
      out.amounts.emplace_back(*index, amount);
    }
    for (const auto& [i, amount] : default_grant_.amounts) {
      // A partial request adds CallLimits and ResourceLimits at 1, leaves RateLimits alone.
      bool named = false;
      for (const auto& [j, a] : out.amounts) named = named || i == j;
      if (!named) out.amounts.emplace_back(i, amount);
    }
    return out;
  }

  bool acquire(Grant& request, std::optional<Duration> timeout, bool wait,
               const CancelCheck& cancelled) override {
    std::unique_lock<std::mutex> lock(mu_);
    auto now = clock_->now();
    if (queue_.empty() && can_take_all(request, now)) {  // nobody ahead: the common case
      take_all(request, now);
      return true;
    }
    if (!wait) return false;
    std::optional<Clock::time_point> deadline;
    if (timeout) deadline = now + std::chrono::duration_cast<Clock::duration>(*timeout);
    uint64_t ticket = next_ticket_++;
    queue_.push_back(ticket);
    while (true) {
      now = clock_->now();
      if (queue_.front() == ticket && can_take_all(request, now)) {
        queue_.pop_front();
        take_all(request, now);
        lock.unlock();
        cv_.notify_all();  // the next in line may fit too
        return true;
      }
      bool timed_out = deadline && now >= *deadline;
      if (timed_out || (cancelled && cancelled())) {
        queue_.erase(std::find(queue_.begin(), queue_.end(), ticket));
        lock.unlock();
        cv_.notify_all();  // the next in line moves up
        if (!timed_out) throw CancelledError("the limit acquisition was cancelled: its caller left");
        throw TimeoutError("limits not acquired within " + std::to_string(timeout->count()) +
                           " s");
      }
      Clock::time_point wake = Clock::time_point::max();
      if (queue_.front() == ticket) wake = earliest(request, now);
      if (deadline) wake = std::min(wake, *deadline);
      if (cancelled) wake = std::min(wake, now + kCancelPoll);
      clock_->wait_until(cv_, lock, wake);
    }
  }

  void release(const Grant& grant, const std::vector<double>& used) override {
    bool waiters;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto now = clock_->now();
      for (size_t i = 0; i < grant.amounts.size(); ++i) {
        auto [index, amount] = grant.amounts[i];
        double u = i < used.size() && !std::isnan(used[i]) ? used[i] : amount;
        entries_[index].state->give_back(amount, u, now);
      }
      waiters = !queue_.empty();
    }
    if (waiters) cv_.notify_all();
  }

  const std::string& key(uint32_t index) const override { return entries_[index].key; }
  std::optional<uint32_t> index_of(const std::string& key) const override {
    for (uint32_t i = 0; i < entries_.size(); ++i) {
      if (entries_[i].key == key) return i;
    }
    return std::nullopt;
  }
  bool needs_update(uint32_t index) const override {
    return entries_[index].kind == Kind::kRate;
  }

 private:
  template <class L>
  Entry make_entry(const L& l, Clock::time_point now) {
    if constexpr (std::is_same_v<L, ResourceLimit>) {
      if (l.key.empty()) throw InvalidOptionError("ResourceLimit needs a key");
      if (l.capacity < 1) {
        throw InvalidOptionError("ResourceLimit '" + l.key + "' needs capacity >= 1");
      }
      return Entry{l.key, Kind::kResource, make_resource_state(l.capacity)};
    } else {
      bool call = std::is_same_v<L, CallLimit>;
      std::string key;
      if constexpr (std::is_same_v<L, CallLimit>) {
        key = kCallCountKey;
      } else {
        key = l.key;
      }
      if (key.empty()) throw InvalidOptionError("RateLimit needs a key");
      if (l.window.count() <= 0 || l.capacity <= 0) {
        throw InvalidOptionError("limit '" + key + "' needs a window > 0 and a capacity > 0");
      }
      auto algorithm = parse_option<RateLimitAlgorithm>("algorithm", l.algorithm.str());
      return Entry{key, call ? Kind::kCall : Kind::kRate,
                   make_rate_state(algorithm, l.window, l.capacity, now)};
    }
  }

  bool can_take_all(const Grant& request, Clock::time_point now) {
    for (const auto& [index, amount] : request.amounts) {
      if (!entries_[index].state->can_take(amount, now)) return false;
    }
    return true;
  }

  void take_all(const Grant& request, Clock::time_point now) {
    for (const auto& [index, amount] : request.amounts) entries_[index].state->take(amount, now);
  }

  Clock::time_point earliest(const Grant& request, Clock::time_point now) {
    Clock::time_point latest = now;
    for (const auto& [index, amount] : request.amounts) {
      latest = std::max(latest, entries_[index].state->available_at(amount, now));
    }
    return latest;
  }

  std::shared_ptr<LimitClock> clock_;
  std::vector<Limit> definitions_;
  std::vector<Entry> entries_;  // fixed after construction
  Grant default_grant_;         // the empty request: CallLimits and ResourceLimits at 1
  bool has_rate_ = false;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<uint64_t> queue_;  // waiting tickets, FIFO; guarded by mu_
  uint64_t next_ticket_ = 0;    // guarded by mu_
};

}  // namespace
}  // namespace internal

LimitSet::LimitSet(std::vector<Limit> limits, std::shared_ptr<LimitClock> clock) {
  if (!limits.empty()) {
    service_ = std::make_shared<internal::LocalLimitService>(limits, std::move(clock));
  }
}

Acquisition LimitSet::acquire_from_service(const LimitRequest& requested,
                                           std::optional<Duration> timeout) const {
  internal::Grant grant = service_->normalize(requested);
  service_->acquire(grant, timeout, /*wait=*/true, /*cancelled=*/{});
  return Acquisition(service_, std::move(grant));
}

std::optional<Acquisition> LimitSet::try_acquire_from_service(const LimitRequest& requested) const {
  internal::Grant grant = service_->normalize(requested);
  if (!service_->acquire(grant, std::nullopt, /*wait=*/false, /*cancelled=*/{})) return std::nullopt;
  return Acquisition(service_, std::move(grant));
}

AsyncAcquire::AsyncAcquire(const LimitSet& set, LimitRequest request,
                           std::optional<Duration> timeout)
    : set_(set), request_(std::move(request)), timeout_(timeout) {
  if (timeout) deadline_ = Clock::now() + std::chrono::duration_cast<Clock::duration>(*timeout);
}

bool AsyncAcquire::await_ready() {
  try {
    if (!Scheduler::current()) {
      result_.emplace(set_.acquire(request_, timeout_));  // no loop here: block
      return true;
    }
    if (auto acquired = set_.try_acquire(request_)) {
      result_.emplace(std::move(*acquired));
      return true;
    }
  } catch (...) {
    error_ = std::current_exception();  // bad request, timeout: raised at resume
    return true;
  }
  return false;
}

void AsyncAcquire::await_suspend(std::coroutine_handle<> h) {
  scheduler_ = Scheduler::current()->shared_from_this();
  poll(h, std::chrono::milliseconds(1));
}

void AsyncAcquire::poll(std::coroutine_handle<> h, Duration delay) {
  scheduler_->post_after(delay, [this, h, delay] {
    try {
      if (auto acquired = set_.try_acquire(request_)) {
        result_.emplace(std::move(*acquired));
        h.resume();
        return;
      }
    } catch (...) {
      error_ = std::current_exception();
      h.resume();
      return;
    }
    if (deadline_ && Clock::now() >= *deadline_) {
      error_ = std::make_exception_ptr(
          TimeoutError("limits not acquired within " + std::to_string(timeout_->count()) + " s"));
      h.resume();
      return;
    }
    poll(h, std::min(Duration(0.010), delay * 2));
  });
}

Acquisition AsyncAcquire::await_resume() {
  if (error_) std::rethrow_exception(error_);
  return std::move(*result_);
}

LimitSet Limits::for_worker() const {
  if (is_shared_) return shared_;
  if (definitions_.empty()) return LimitSet();
  return LimitSet(definitions_, clock_);
}

Acquisition::Acquisition(std::shared_ptr<internal::LimitService> service, internal::Grant grant)
    : service_(std::move(service)),
      grant_(std::move(grant)),
      used_(grant_.amounts.size(), std::numeric_limits<double>::quiet_NaN()) {}

Acquisition& Acquisition::operator=(Acquisition&& other) noexcept {
  if (this != &other) {
    if (service_) finish_quietly();
    service_ = std::move(other.service_);
    grant_ = std::move(other.grant_);
    used_ = std::move(other.used_);
  }
  return *this;
}

void Acquisition::update(const LimitRequest& usage) {
  if (!service_) return;  // an empty set's acquisition (or one already released) takes anything
  for (const auto& [key, amount] : usage) {
    std::optional<uint32_t> index = service_->index_of(key);
    size_t slot = grant_.amounts.size();
    for (size_t i = 0; index && i < grant_.amounts.size(); ++i) {
      if (grant_.amounts[i].first == *index) slot = i;
    }
    if (slot == grant_.amounts.size()) {
      throw LimitError("update() names '" + key + "', which this acquisition did not take");
    }
    used_[slot] = amount;
  }
}

LimitRequest Acquisition::requested() const {
  LimitRequest out;
  if (!service_) return out;
  for (const auto& [index, amount] : grant_.amounts) out[service_->key(index)] = amount;
  return out;
}

std::vector<std::string> Acquisition::finish() {
  std::vector<std::string> missing;
  for (size_t i = 0; i < grant_.amounts.size(); ++i) {
    uint32_t index = grant_.amounts[i].first;
    if (std::isnan(used_[i]) && service_->needs_update(index)) {
      missing.push_back(service_->key(index));
    }
  }
  auto service = std::move(service_);
  service->release(grant_, used_);
  return missing;
}

void Acquisition::finish_quietly() {
  std::vector<std::string> missing = finish();
  if (!missing.empty()) {
    internal::CallScope::report(std::make_exception_ptr(LimitError(
        "Not all limits in the LimitSet were updated. Missing: [" + internal::join(missing) +
        "]")));
  }
}

void Acquisition::release() {
  if (!service_) return;
  std::vector<std::string> missing = finish();
  if (!missing.empty()) {
    throw LimitError("Not all limits in the LimitSet were updated. Missing: [" +
                     internal::join(missing) + "]");
  }
}

}  // namespace concurry
