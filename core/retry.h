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

// Runs `attempt()` under `policy`. `attempt` returns R (may be void) or throws.
template <class R, class Attempt>
R run_with_retries(const RetryPolicy& policy, const std::string& method, Attempt&& attempt,
                   const std::function<void(Duration)>& sleep = sleep_for) {
  const auto start = Clock::now();
  std::vector<std::any> results;
  std::vector<std::string> failures;
  // Validators apply to the methods whose result type they were written for.
  std::vector<const RetryValidator*> validators;
  for (const auto& v : policy.until) {
    if constexpr (!std::is_void_v<R>) {
      if (v.result_type() == typeid(R)) validators.push_back(&v);
    }
  }
  for (int a = 1;; ++a) {
    RetryContext ctx;
    ctx.attempt = a;
    ctx.method = method;
    bool last = a > policy.num_retries;
    try {
      if constexpr (std::is_void_v<R>) {
        attempt();
        return;
      } else {
        R value = attempt();
        ctx.elapsed = Clock::now() - start;
        bool ok = true;
        for (size_t i = 0; i < validators.size(); ++i) {
          if (!(*validators[i])(&value, ctx)) {
            ok = false;
            failures.push_back("attempt " + std::to_string(a) + ": validator #" +
                               std::to_string(i + 1) + " rejected the result");
          }
        }
        if (ok) return value;
        if constexpr (std::is_copy_constructible_v<R>) results.emplace_back(value);
        if (last) {
          throw RetryValidationError(
              "'" + method + "' failed retry_until validation after " + std::to_string(a) +
                  " attempt(s)",
              a, std::move(results), std::move(failures));
        }
      }
    } catch (const RetryValidationError&) {
      throw;
    } catch (...) {
      ctx.exception = std::current_exception();
      ctx.elapsed = Clock::now() - start;
      if (last || !should_retry(policy.retry_on, ctx)) throw;
    }
    sleep(retry_wait(policy.algorithm, policy.wait, policy.jitter, a, retry_rng()));
  }
}

}  // namespace internal
}  // namespace concurry

#endif  // CONCURRY_CORE_RETRY_H_
