#include "concurry/core/retry.h"

#include <cmath>
#include <thread>

namespace concurry {

RetryPolicy RetryPolicy::for_method(const Options& merged, const std::string& method) {
  RetryPolicy p;
  if (merged.num_retries.is_set()) p.num_retries = merged.num_retries.for_method(method);
  if (merged.retry_on.is_set()) p.retry_on = merged.retry_on.for_method(method);
  if (merged.retry_algorithm.is_set()) {
    p.algorithm = parse_option<RetryAlgorithm>("retry_algorithm",
                                               merged.retry_algorithm.for_method(method).str());
  }
  if (merged.retry_wait.is_set()) p.wait = merged.retry_wait.for_method(method);
  if (merged.retry_jitter.is_set()) p.jitter = merged.retry_jitter.for_method(method);
  if (merged.retry_until.is_set()) p.until = merged.retry_until.for_method(method);
  return p;
}

Duration retry_wait(RetryAlgorithm algorithm, double base, double jitter, int attempt,
                    std::mt19937_64& rng) {
  double factor = 1;
  switch (algorithm) {
    case RetryAlgorithm::kLinear:
      factor = attempt;
      break;
    case RetryAlgorithm::kExponential:
      factor = std::ldexp(1.0, attempt - 1);
      break;
    case RetryAlgorithm::kFibonacci: {
      double a = 1, b = 1;  // fib(1) = fib(2) = 1
      for (int i = 2; i < attempt; ++i) {
        double c = a + b;
        a = b;
        b = c;
      }
      factor = attempt <= 2 ? 1 : b;
      break;
    }
  }
  double wait = base * factor;
  if (jitter > 0 && wait > 0) {
    wait = std::uniform_real_distribution<double>(wait * (1 - jitter), wait)(rng);
  }
  return Duration(wait);
}

namespace internal {

bool should_retry(const RetryFilters& filters, const RetryContext& ctx) {
  if (filters.empty()) return true;
  for (const auto& f : filters) {
    if (f && f(ctx)) return true;
  }
  return false;
}

void sleep_for(Duration d) { std::this_thread::sleep_for(d); }

std::mt19937_64& retry_rng() {
  thread_local std::mt19937_64 rng(std::random_device{}());
  return rng;
}

}  // namespace internal
}  // namespace concurry
