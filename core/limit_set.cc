#include "concurry/core/limit_set.h"

#include <algorithm>
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
      : clock_(std::move(clock)) {
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
  }

  LimitRequest normalize(const LimitRequest& request) const override {
    LimitRequest out;
    for (const auto& [key, amount] : request) {
      const Entry* e = find(key);
      if (!e) {
        std::vector<std::string> keys;
        for (const auto& entry : entries_) keys.push_back(entry.key);
        throw LimitError("no limit with key '" + key + "' in this LimitSet; keys: " + join(keys));
      }
      if (amount < 0) throw LimitError("requested " + std::to_string(amount) + " of '" + key + "'");
      if (amount > e->state->capacity() + 1e-9) {
        throw LimitError("requested " + std::to_string(amount) + " of '" + key +
                         "', which exceeds capacity " + std::to_string(e->state->capacity()));
      }
      out[key] = amount;
    }
    for (const auto& e : entries_) {
      if (out.count(e.key)) continue;
      if (e.kind == Kind::kRate) {
        if (request.empty()) {
          throw LimitError("an empty request cannot acquire RateLimit '" + e.key +
                           "': name it with the amount to acquire");
        }
        continue;  // a partial request leaves unnamed RateLimits alone
      }
      out[e.key] = 1;  // CallLimits and ResourceLimits default to 1
    }
    return out;
  }

  std::optional<Grant> acquire(const LimitRequest& request, std::optional<Duration> timeout,
                               bool wait) override {
    std::unique_lock<std::mutex> lock(mu_);
    auto now = clock_->now();
    if (!wait) {
      if (!queue_.empty() || !can_take_all(request, now)) return std::nullopt;
      return take_all(request, now);
    }
    std::optional<Clock::time_point> deadline;
    if (timeout) deadline = now + std::chrono::duration_cast<Clock::duration>(*timeout);
    uint64_t ticket = next_ticket_++;
    queue_.push_back(ticket);
    while (true) {
      now = clock_->now();
      if (queue_.front() == ticket && can_take_all(request, now)) {
        queue_.pop_front();
        Grant grant = take_all(request, now);
        lock.unlock();
        cv_.notify_all();  // the next in line may fit too
        return grant;
      }
      if (deadline && now >= *deadline) {
        queue_.erase(std::find(queue_.begin(), queue_.end(), ticket));
        lock.unlock();
        cv_.notify_all();
        throw TimeoutError("limits not acquired within " + std::to_string(timeout->count()) +
                           " s");
      }
      Clock::time_point wake = Clock::time_point::max();
      if (queue_.front() == ticket) wake = earliest(request, now);
      if (deadline) wake = std::min(wake, *deadline);
      clock_->wait_until(cv_, lock, wake);
    }
  }

  void release(const Grant& grant, const LimitRequest& usage) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto now = clock_->now();
      for (const auto& [key, amount] : grant.amounts) {
        Entry* e = find(key);
        auto used = usage.find(key);
        e->state->give_back(amount, used == usage.end() ? amount : used->second, now);
      }
    }
    cv_.notify_all();
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

  Entry* find(const std::string& key) {
    for (auto& e : entries_) {
      if (e.key == key) return &e;
    }
    return nullptr;
  }
  const Entry* find(const std::string& key) const {
    return const_cast<LocalLimitService*>(this)->find(key);
  }

  bool can_take_all(const LimitRequest& request, Clock::time_point now) {
    for (const auto& [key, amount] : request) {
      if (!find(key)->state->can_take(amount, now)) return false;
    }
    return true;
  }

  Grant take_all(const LimitRequest& request, Clock::time_point now) {
    Grant grant;
    grant.id = next_grant_++;
    grant.amounts = request;
    for (const auto& [key, amount] : request) {
      Entry* e = find(key);
      e->state->take(amount, now);
      if (e->kind == Kind::kRate) grant.needs_update.push_back(key);
    }
    return grant;
  }

  Clock::time_point earliest(const LimitRequest& request, Clock::time_point now) {
    Clock::time_point latest = now;
    for (const auto& [key, amount] : request) {
      latest = std::max(latest, find(key)->state->available_at(amount, now));
    }
    return latest;
  }

  std::shared_ptr<LimitClock> clock_;
  std::vector<Entry> entries_;  // fixed after construction
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<uint64_t> queue_;  // waiting tickets, FIFO; guarded by mu_
  uint64_t next_ticket_ = 0;    // guarded by mu_
  uint64_t next_grant_ = 1;     // guarded by mu_
};

}  // namespace
}  // namespace internal

LimitSet::LimitSet(std::vector<Limit> limits, std::shared_ptr<LimitClock> clock) {
  if (!limits.empty()) {
    service_ = std::make_shared<internal::LocalLimitService>(limits, std::move(clock));
  }
}

Acquisition LimitSet::acquire(const LimitRequest& requested,
                              std::optional<Duration> timeout) const {
  if (!service_) return Acquisition();
  LimitRequest request = service_->normalize(requested);
  auto grant = service_->acquire(request, timeout, /*wait=*/true);
  return Acquisition(service_, std::move(*grant));
}

std::optional<Acquisition> LimitSet::try_acquire(const LimitRequest& requested) const {
  if (!service_) return Acquisition();
  LimitRequest request = service_->normalize(requested);
  auto grant = service_->acquire(request, std::nullopt, /*wait=*/false);
  if (!grant) return std::nullopt;
  return Acquisition(service_, std::move(*grant));
}

LimitSet Limits::for_worker() const {
  if (is_shared_) return shared_;
  if (definitions_.empty()) return LimitSet();
  return LimitSet(definitions_, clock_);
}

Acquisition::Acquisition(std::shared_ptr<internal::LimitService> service, internal::Grant grant)
    : service_(std::move(service)), grant_(std::move(grant)) {}

Acquisition::Acquisition(Acquisition&& other) noexcept
    : service_(std::move(other.service_)),
      grant_(std::move(other.grant_)),
      usage_(std::move(other.usage_)) {}

Acquisition& Acquisition::operator=(Acquisition&& other) noexcept {
  if (this != &other) {
    Acquisition old(std::move(*this));  // releases what this held, at the end of this scope
    service_ = std::move(other.service_);
    grant_ = std::move(other.grant_);
    usage_ = std::move(other.usage_);
  }
  return *this;
}

Acquisition::~Acquisition() {
  if (!service_) return;
  std::vector<std::string> missing = release_quietly();
  if (!missing.empty()) {
    internal::CallScope::report(std::make_exception_ptr(LimitError(
        "Not all limits in the LimitSet were updated. Missing: [" + internal::join(missing) +
        "]")));
  }
}

void Acquisition::update(const LimitRequest& usage) {
  if (!service_) return;  // an empty set's acquisition (or one already released) takes anything
  for (const auto& [key, amount] : usage) {
    if (!grant_.amounts.count(key)) {
      throw LimitError("update() names '" + key + "', which this acquisition did not take");
    }
    usage_[key] = amount;
  }
}

std::vector<std::string> Acquisition::release_quietly() {
  std::vector<std::string> missing;
  for (const auto& key : grant_.needs_update) {
    if (!usage_.count(key)) missing.push_back(key);
  }
  auto service = std::move(service_);
  service->release(grant_, usage_);
  return missing;
}

void Acquisition::release() {
  if (!service_) return;
  std::vector<std::string> missing = release_quietly();
  if (!missing.empty()) {
    throw LimitError("Not all limits in the LimitSet were updated. Missing: [" +
                     internal::join(missing) + "]");
  }
}

}  // namespace concurry
