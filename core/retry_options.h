// The values the retry options take: filters (retry_on) and validators (retry_until).
// Step 3 (core/retry) runs the retry loop; these types are what users write in Options.
#ifndef CONCURRY_CORE_RETRY_OPTIONS_H_
#define CONCURRY_CORE_RETRY_OPTIONS_H_

#include <exception>
#include <functional>
#include <string>
#include <typeinfo>

#include "concurry/core/duration.h"

namespace concurry {

// What a retry filter or validator sees about the attempt that just finished.
struct RetryContext {
  int attempt = 1;              // from 1
  Duration elapsed{0};          // since the first attempt started
  std::string method;           // the method name ("submit" for TaskWorker)
  std::exception_ptr exception; // set for retry_on filters
};

// retry_on entry: true means "retry after this exception".
using RetryFilter = std::function<bool(const RetryContext&)>;

// A filter matching exceptions of type E or derived from it.
template <class E>
RetryFilter retry_on() {
  return [](const RetryContext& ctx) {
    if (!ctx.exception) return false;
    try {
      std::rethrow_exception(ctx.exception);
    } catch (const E&) {
      return true;
    } catch (...) {
      return false;
    }
  };
}

// retry_until entry: true means the result is acceptable. Type-erased over the result type; a
// validator applies only to methods whose result type is the one it was written for.
class RetryValidator {
 public:
  template <class R, class F>
  static RetryValidator of(F fn) {
    RetryValidator v;
    v.type_ = &typeid(R);
    v.fn_ = [fn = std::move(fn)](const void* result, const RetryContext& ctx) {
      return fn(*static_cast<const R*>(result), ctx);
    };
    return v;
  }
  const std::type_info& result_type() const { return *type_; }
  bool operator()(const void* result, const RetryContext& ctx) const { return fn_(result, ctx); }

 private:
  const std::type_info* type_ = &typeid(void);
  std::function<bool(const void*, const RetryContext&)> fn_;
};

// A validator of results of type R: until<std::string>([](const std::string& r, auto& ctx) {...})
template <class R, class F>
RetryValidator until(F fn) {
  return RetryValidator::of<R>(std::move(fn));
}

}  // namespace concurry

#endif  // CONCURRY_CORE_RETRY_OPTIONS_H_
