// The error hierarchy of concurry. Every error the runtime raises derives from concurry::Error,
// itself a std::runtime_error, so `catch (const std::exception&)` still catches everything.
//
// In local modes a worker method's own exception is rethrown as itself. Across a process
// boundary it is rethrown as itself when registered (CONCURRY_EXCEPTION; standard exceptions are
// pre-registered), otherwise as RemoteError carrying its type name, message and origin.
#ifndef CONCURRY_CORE_ERRORS_H_
#define CONCURRY_CORE_ERRORS_H_

#include <any>
#include <stdexcept>
#include <string>
#include <vector>

namespace concurry {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

// A wrong option name or value, or an option no mode supports yet. Names what was wrong and
// what is allowed.
class InvalidOptionError : public Error {
 public:
  using Error::Error;
};

// result(timeout), exception(timeout), wait(...) or acquire(timeout) ran out of time.
class TimeoutError : public Error {
 public:
  using Error::Error;
};

// The future was cancelled (by cancel(), or by stop() while its call was still queued).
class CancelledError : public Error {
 public:
  using Error::Error;
};

// A call was made on a worker or pool after stop().
class WorkerStoppedError : public Error {
 public:
  using Error::Error;
};

// The process or node hosting the worker died while the call was queued or running.
class WorkerCrashedError : public Error {
 public:
  using Error::Error;
};

// A by-name call named a class, method or function that is not registered.
class MethodNotFoundError : public Error {
 public:
  using Error::Error;
};

// retry_until validators still failed after the last attempt. Holds every attempt's result
// (as std::any of the method's result type) and what each failed validation said.
class RetryValidationError : public Error {
 public:
  explicit RetryValidationError(const std::string& what) : Error(what) {}
  RetryValidationError(const std::string& what, int attempts, std::vector<std::any> results,
                       std::vector<std::string> validation_errors)
      : Error(what),
        attempts_(attempts),
        results_(std::move(results)),
        validation_errors_(std::move(validation_errors)) {}

  int attempts() const { return attempts_; }
  const std::vector<std::any>& results() const { return results_; }
  // The results as R (the method's result type).
  template <class R>
  std::vector<R> results_as() const {
    std::vector<R> out;
    for (const auto& r : results_) out.push_back(std::any_cast<R>(r));
    return out;
  }
  const std::vector<std::string>& validation_errors() const { return validation_errors_; }

 private:
  int attempts_ = 0;
  std::vector<std::any> results_;
  std::vector<std::string> validation_errors_;
};

// A limit was misused: a request over capacity, a RateLimit released without update().
class LimitError : public Error {
 public:
  using Error::Error;
};

// The cluster could not be reached or refused a request.
class ClusterError : public Error {
 public:
  using Error::Error;
};

namespace internal {
// The cluster could hold the actor, but no node has the resources free right now (others
// hold them). On-demand workers wait for resources on this; everything else reports it as
// the ClusterError it is.
class ResourcesBusyError : public ClusterError {
 public:
  using ClusterError::ClusterError;
};
}  // namespace internal

// An exception from another process whose type is not registered on this side.
class RemoteError : public Error {
 public:
  RemoteError(std::string type_name, std::string message, std::string where)
      : Error(type_name + ": " + message + (where.empty() ? "" : " (in " + where + ")")),
        type_name_(std::move(type_name)),
        message_(std::move(message)),
        where_(std::move(where)) {}

  // The original exception's type, e.g. "my::ParseError".
  const std::string& type_name() const { return type_name_; }
  // The original exception's what().
  const std::string& message() const { return message_; }
  // Where it was raised, e.g. "Counter::add".
  const std::string& where() const { return where_; }

 private:
  std::string type_name_;
  std::string message_;
  std::string where_;
};

}  // namespace concurry

#endif  // CONCURRY_CORE_ERRORS_H_
