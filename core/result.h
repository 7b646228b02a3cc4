// Result<T>: a value or the exception that took its place, as gather() gives them with
// {.return_exceptions = true}.
#ifndef CONCURRY_CORE_RESULT_H_
#define CONCURRY_CORE_RESULT_H_

#include <exception>
#include <optional>
#include <utility>

namespace concurry {

template <class T>
class Result {
 public:
  static Result of_value(T value) {
    Result r;
    r.value_.emplace(std::move(value));
    return r;
  }
  static Result of_error(std::exception_ptr error) {
    Result r;
    r.error_ = std::move(error);
    return r;
  }
  bool ok() const { return !error_; }
  // The value, or the error rethrown.
  const T& value() const {
    if (error_) std::rethrow_exception(error_);
    return *value_;
  }
  std::exception_ptr error() const { return error_; }

 private:
  std::optional<T> value_;
  std::exception_ptr error_;
};

template <>
class Result<void> {
 public:
  static Result of_value() { return Result(); }
  static Result of_error(std::exception_ptr error) {
    Result r;
    r.error_ = std::move(error);
    return r;
  }
  bool ok() const { return !error_; }
  void value() const {
    if (error_) std::rethrow_exception(error_);
  }
  std::exception_ptr error() const { return error_; }

 private:
  std::exception_ptr error_;
};

}  // namespace concurry

#endif  // CONCURRY_CORE_RESULT_H_
