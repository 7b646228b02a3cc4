// Retries: the policy a call runs under and the loop that applies it, where the method runs.
//
// Attempts = num_retries + 1. After an exception: retry when any retry_on filter accepts it (no
// filters: any exception), else rethrow at once. After a result: every retry_until validator must
// accept it, else retry (a validator written for another result type than the method's does not
// apply to it). When attempts run out: the last exception, or RetryValidationError with
// the attempt count, every result and the failed validations. The wait before retry a (from 1),
// base w: linear w*a, exponential w*2^(a-1), fibonacci w*fib(a) (1, 1, 2, 3, 5, ...); jitter j
// draws it uniformly from [wait*(1-j), wait] (j = 0: exact, j = 1: "full jitter").
#ifndef CONCURRY_CORE_RETRY_H_
#define CONCURRY_CORE_RETRY_H_

#include <any>
#include <functional>
#include <random>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

#include "concurry/core/duration.h"
#include "concurry/core/errors.h"
#include "concurry/core/options.h"
#include "concurry/core/retry_options.h"

namespace concurry {

struct RetryPolicy {
  int num_retries = 0;
  RetryFilters retry_on;
  RetryAlgorithm algorithm = RetryAlgorithm::kExponential;
  double wait = 1.0;    // seconds
  double jitter = 0.3;  // 0..1
  RetryValidators until;

  // False when the policy can never retry: the call then runs exactly as without retries.
  bool active() const { return num_retries > 0 || !until.empty(); }

  // The policy for `method` from merged options (per-method entries over "*").
  static RetryPolicy for_method(const Options& merged, const std::string& method);
};

// The wait before retry number `attempt` (1 = after the first failure).
Duration retry_wait(RetryAlgorithm algorithm, double base, double jitter, int attempt,
                    std::mt19937_64& rng);

namespace internal {

// True when the filters accept ctx.exception (no filters: any exception).
bool should_retry(const RetryFilters& filters, const RetryContext& ctx);
// Sleeps the calling thread (the worker's own thread in thread mode).
void sleep_for(Duration d);
std::mt19937_64& retry_rng();

// The decisions of one retry loop, shared by the blocking loop below and the coroutine loop of
// asyncio mode (runtime/async_retry.h), so both follow exactly the same rules.
template <class R>
class RetryRun {
 public:
  RetryRun(const RetryPolicy& policy, std::string method)
      : policy_(policy), method_(std::move(method)), start_(Clock::now()) {
    for (const auto& v : policy_.until) {
      // Validators apply to the methods whose result type they were written for.
      if constexpr (!std::is_void_v<R>) {
        if (v.result_type() == typeid(R)) validators_.push_back(&v);
      }
    }
  }

  int attempt() const { return attempt_; }

  // After a result: true when it is accepted (return it). False: wait next_wait(), then retry.
  // Throws RetryValidationError when attempts ran out.
  template <class V>
  bool accept(const V& value) {
    RetryContext ctx = context();
    bool ok = true;
    for (size_t i = 0; i < validators_.size(); ++i) {
      if (!(*validators_[i])(&value, ctx)) {
        ok = false;
        failures_.push_back("attempt " + std::to_string(attempt_) + ": validator #" +
                            std::to_string(i + 1) + " rejected the result");
      }
    }
    if (ok) return true;
    if constexpr (std::is_copy_constructible_v<V>) results_.emplace_back(value);
    if (last()) {
      throw RetryValidationError("'" + method_ + "' failed retry_until validation after " +
                                     std::to_string(attempt_) + " attempt(s)",
                                 attempt_, std::move(results_), std::move(failures_));
    }
    return false;
  }

  // After an exception: true when the call should be retried (after next_wait()); false when
  // the exception must be rethrown.
  bool retry_after(std::exception_ptr error) {
    RetryContext ctx = context();
    ctx.exception = std::move(error);
    return !last() && should_retry(policy_.retry_on, ctx);
  }

  // The wait before the next attempt; moves on to that attempt.
  Duration next_wait() {
    Duration wait = retry_wait(policy_.algorithm, policy_.wait, policy_.jitter, attempt_,
                               retry_rng());
    ++attempt_;
    return wait;
  }

 private:
  bool last() const { return attempt_ > policy_.num_retries; }
  RetryContext context() const {
    RetryContext ctx;
    ctx.attempt = attempt_;
    ctx.method = method_;
    ctx.elapsed = Clock::now() - start_;
    return ctx;
  }

  const RetryPolicy& policy_;
  std::string method_;
  Clock::time_point start_;
  int attempt_ = 1;
  std::vector<const RetryValidator*> validators_;
  std::vector<std::any> results_;
  std::vector<std::string> failures_;
};

// Runs `attempt()` under `policy`, sleeping between attempts. `attempt` returns R or throws.
template <class R, class Attempt>
R run_with_retries(const RetryPolicy& policy, const std::string& method, Attempt&& attempt,
                   const std::function<void(Duration)>& sleep = sleep_for) {
  RetryRun<R> run(policy, method);
  while (true) {
    try {
      if constexpr (std::is_void_v<R>) {
        attempt();
        return;
      } else {
        R value = attempt();
        if (run.accept(value)) return value;
      }
    } catch (const RetryValidationError&) {
      throw;
    } catch (...) {
      if (!run.retry_after(std::current_exception())) throw;
    }
    sleep(run.next_wait());
  }
}

}  // namespace internal
}  // namespace concurry

#endif  // CONCURRY_CORE_RETRY_H_
