// LimitSet: call, rate and resource limits acquired together, all or nothing.
//
//   concurry::LimitSet limits({concurry::CallLimit{.window = 1s, .capacity = 100},
//                              concurry::RateLimit{.key = "tokens", .window = 60s,
//                                                  .capacity = 1000, .algorithm = "token_bucket"},
//                              concurry::ResourceLimit{.key = "connections", .capacity = 10}});
//   {
//     auto acq = limits.acquire({{"tokens", 100}});   // waits; RAII release at scope exit
//     acq.update({{"tokens", 42}});                    // required for RateLimits
//   }
//   if (auto maybe = limits.try_acquire({{"connections", 1}})) { ... }  // never waits
//
// Requests: an empty request takes every CallLimit and ResourceLimit at 1 (and is an error when
// the set has a RateLimit); a partial request adds them at 1. Unknown keys and amounts above a
// capacity throw LimitError. acquire(request, timeout) waits in FIFO order (no waiter starves);
// a timeout throws TimeoutError. try_acquire never waits and yields to queued waiters.
// Release gives resources back and refunds unused tokens (token bucket, GCRA). release() throws
// LimitError "Not all limits in the LimitSet were updated. Missing: [...]" when a RateLimit got
// no update() (after releasing); the destructor never throws: inside a worker method the missing
// update fails that call with LimitError instead.
// A LimitSet is a handle: copies share one budget. A default-constructed set is empty: every
// acquisition succeeds at once, at no cost. Thread-safe.
#ifndef CONCURRY_CORE_LIMIT_SET_H_
#define CONCURRY_CORE_LIMIT_SET_H_

#include <coroutine>
#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "concurry/core/duration.h"
#include "concurry/core/limit_clock.h"
#include "concurry/core/limit_definitions.h"
#include "concurry/core/scheduler.h"

namespace concurry {

using LimitRequest = std::map<std::string, double>;

namespace internal {

// Asked while an acquisition waits: true when whoever waits for it is gone (a cancelled RPC, a
// dead worker process).
using CancelCheck = std::function<bool()>;

// What a set grants: amounts by limit index (the order of the set's definitions).
struct Grant {
  std::vector<std::pair<uint32_t, double>> amounts;
  uint64_t id = 0;     // set by services that track grants (a remote budget)
  LimitRequest raw;    // the request as asked, for services that normalize remotely
};

// The service behind a LimitSet. Local sets implement it in-process; process and cluster modes
// serve a shared set from the parent or the head behind the same interface.
class LimitService {
 public:
  virtual ~LimitService() = default;
  // Completes `request`: unknown keys, capacities, the implicit CallLimit/ResourceLimit at 1.
  // Throws LimitError.
  virtual Grant normalize(const LimitRequest& request) const = 0;
  // Takes `request` (from normalize) or, with `wait`, waits for it in FIFO order up to
  // `timeout`. False when !wait and it is not available now. Throws TimeoutError. A waiter
  // polls `cancelled` (when given) every few milliseconds: true ends its wait with
  // CancelledError and gives its place in line to the next. A remote service may fill in
  // `request` (its amounts and id) as it grants it.
  virtual bool acquire(Grant& request, std::optional<Duration> timeout, bool wait,
                       const CancelCheck& cancelled) = 0;
  // Ends a grant; used[i] is the usage of grant.amounts[i] (NaN: not reported, i.e. as
  // requested). Never throws.
  virtual void release(const Grant& grant, const std::vector<double>& used) = 0;

  virtual const std::string& key(uint32_t index) const = 0;
  virtual std::optional<uint32_t> index_of(const std::string& key) const = 0;
  // True for RateLimits: their usage must be reported with update().
  virtual bool needs_update(uint32_t index) const = 0;
  // What the budget was built from (so that another process can host a copy); empty for a
  // service that is itself a view of a remote budget.
  virtual std::vector<Limit> definitions() const { return {}; }
};

}  // namespace internal

class Acquisition {
 public:
  Acquisition() = default;  // holds nothing
  Acquisition(Acquisition&& other) noexcept = default;
  Acquisition& operator=(Acquisition&& other) noexcept;
  ~Acquisition() {
    if (service_) finish_quietly();
  }

  // Reports what was actually used, per key. Throws LimitError for a key this acquisition did
  // not take. A no-op on an empty set's acquisition.
  void update(const LimitRequest& usage);
  // Releases now. Throws LimitError when a RateLimit was not updated (the limits are released
  // first all the same). Idempotent.
  void release();

  // What was taken, by key.
  LimitRequest requested() const;
  bool held() const { return service_ != nullptr; }

 private:
  friend class LimitSet;
  Acquisition(std::shared_ptr<internal::LimitService> service, internal::Grant grant);
  // Releases; returns the RateLimit keys that got no update.
  std::vector<std::string> finish();
  void finish_quietly();

  std::shared_ptr<internal::LimitService> service_;
  internal::Grant grant_;
  std::vector<double> used_;  // parallel to grant_.amounts; NaN = not reported
};

class LimitSet;

// co_await limits.async_acquire(request, timeout): an acquisition that suspends the coroutine
// instead of blocking its thread. On an event loop it retries on the loop's timers (1 ms, backing
// off to 10 ms) and yields to blocking waiters; outside a loop it is a plain acquire().
class AsyncAcquire {
 public:
  AsyncAcquire(const LimitSet& set, LimitRequest request, std::optional<Duration> timeout);
  bool await_ready();
  void await_suspend(std::coroutine_handle<> h);
  Acquisition await_resume();

 private:
  void poll(std::coroutine_handle<> h, Duration delay);

  const LimitSet& set_;
  LimitRequest request_;
  std::optional<Clock::time_point> deadline_;
  std::optional<Duration> timeout_;
  std::shared_ptr<Scheduler> scheduler_;
  std::optional<Acquisition> result_;
  std::exception_ptr error_;
};

class LimitSet {
 public:
  LimitSet() = default;  // empty: always succeeds
  explicit LimitSet(std::vector<Limit> limits,
                    std::shared_ptr<LimitClock> clock = steady_limit_clock());
  explicit LimitSet(std::shared_ptr<internal::LimitService> service)
      : service_(std::move(service)) {}

  Acquisition acquire(const LimitRequest& requested = {},
                      std::optional<Duration> timeout = std::nullopt) const {
    if (!service_) return Acquisition();  // empty set: nothing to do, nothing to wait for
    return acquire_from_service(requested, timeout);
  }
  std::optional<Acquisition> try_acquire(const LimitRequest& requested = {}) const {
    if (!service_) return Acquisition();
    return try_acquire_from_service(requested);
  }

  // The coroutine form of acquire(): co_await limits().async_acquire({{"tokens", 10}}).
  AsyncAcquire async_acquire(const LimitRequest& requested = {},
                             std::optional<Duration> timeout = std::nullopt) const {
    return AsyncAcquire(*this, requested, timeout);
  }

  bool empty() const { return service_ == nullptr; }
  // The service behind the set (null when empty): how process hosts serve a shared budget.
  const std::shared_ptr<internal::LimitService>& service() const { return service_; }
  // True when both handles share one budget.
  bool same_as(const LimitSet& other) const { return service_ == other.service_; }
  // The limits the set was built from (empty for an empty set or a view of a remote budget).
  std::vector<Limit> definitions() const {
    return service_ ? service_->definitions() : std::vector<Limit>{};
  }

 private:
  Acquisition acquire_from_service(const LimitRequest& requested,
                                   std::optional<Duration> timeout) const;
  std::optional<Acquisition> try_acquire_from_service(const LimitRequest& requested) const;

  std::shared_ptr<internal::LimitService> service_;
};

// The value of Options::limits: a LimitSet (one budget shared by every worker it is given to), a
// list of limits (each worker gets its own set), or nothing (each worker gets an empty set).
class Limits {
 public:
  Limits() = default;
  Limits(LimitSet shared) : shared_(std::move(shared)), is_shared_(true) {}
  Limits(std::initializer_list<Limit> definitions) : definitions_(definitions) {}
  // Private sets built from `definitions`, reading time from `clock` (tests pass a FakeClock).
  explicit Limits(std::vector<Limit> definitions,
                  std::shared_ptr<LimitClock> clock = steady_limit_clock())
      : definitions_(std::move(definitions)), clock_(std::move(clock)) {}

  bool empty() const { return !is_shared_ && definitions_.empty(); }
  bool is_shared() const { return is_shared_; }
  const std::vector<Limit>& definitions() const { return definitions_; }

  // The set one worker gets: the shared set, a fresh private one, or an empty one.
  LimitSet for_worker() const;

 private:
  LimitSet shared_;
  bool is_shared_ = false;
  std::vector<Limit> definitions_;
  std::shared_ptr<LimitClock> clock_ = steady_limit_clock();
};

}  // namespace concurry

#endif  // CONCURRY_CORE_LIMIT_SET_H_
