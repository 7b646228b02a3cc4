#include "concurry/core/error_codec.h"

#include <cxxabi.h>

#include <cstdlib>
#include <memory>
#include <mutex>
#include <new>
#include <stdexcept>
#include <typeindex>
#include <unordered_map>

#include "concurry/core/errors.h"

namespace concurry::internal {
namespace {

struct Entry {
  std::string name;
  ExceptionRaiser raise;
  ErrorCode code;
};

struct Table {
  std::mutex mu;
  std::unordered_map<std::type_index, Entry> by_type;
  std::unordered_map<std::string, ExceptionRaiser> by_name;

  void add(const std::string& name, const std::type_info& type, ExceptionRaiser raise,
           ErrorCode code = ErrorCode::kUser) {
    by_type.emplace(std::type_index(type), Entry{name, raise, code});
    by_name.emplace(name, raise);
  }
  template <class E>
  void add(const char* name, ErrorCode code = ErrorCode::kUser) {
    add(name, typeid(E), &raise_exception<E>, code);
  }
};

[[noreturn]] void raise_bad_alloc(const std::string&) { throw std::bad_alloc(); }

Table& table() {
  static Table* t = [] {
    auto* t = new Table();  // never destroyed: usable from static destructors
    t->add<std::logic_error>("std::logic_error");
    t->add<std::invalid_argument>("std::invalid_argument");
    t->add<std::domain_error>("std::domain_error");
    t->add<std::length_error>("std::length_error");
    t->add<std::out_of_range>("std::out_of_range");
    t->add<std::runtime_error>("std::runtime_error");
    t->add<std::range_error>("std::range_error");
    t->add<std::overflow_error>("std::overflow_error");
    t->add<std::underflow_error>("std::underflow_error");
    t->add("std::bad_alloc", typeid(std::bad_alloc), &raise_bad_alloc);
    t->add<Error>("concurry::Error", ErrorCode::kInternal);
    t->add<InvalidOptionError>("concurry::InvalidOptionError");
    t->add<TimeoutError>("concurry::TimeoutError", ErrorCode::kTimeout);
    t->add<CancelledError>("concurry::CancelledError", ErrorCode::kCancelled);
    t->add<WorkerStoppedError>("concurry::WorkerStoppedError", ErrorCode::kWorkerStopped);
    t->add<WorkerCrashedError>("concurry::WorkerCrashedError", ErrorCode::kWorkerCrashed);
    t->add<MethodNotFoundError>("concurry::MethodNotFoundError", ErrorCode::kMethodNotFound);
    t->add<RetryValidationError>("concurry::RetryValidationError");
    t->add<LimitError>("concurry::LimitError");
    t->add<ClusterError>("concurry::ClusterError");
    return t;
  }();
  return *t;
}

std::string demangle(const char* name) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> out(abi::__cxa_demangle(name, nullptr, nullptr, &status),
                                             std::free);
  return status == 0 && out ? std::string(out.get()) : std::string(name);
}

}  // namespace

bool register_exception(const std::string& name, const std::type_info& type,
                        ExceptionRaiser raise) {
  Table& t = table();
  std::lock_guard<std::mutex> lock(t.mu);
  t.add(name, type, raise);
  return true;
}

ErrorRecord describe_exception(std::exception_ptr error, std::string where) {
  ErrorRecord r;
  r.where = std::move(where);
  const std::type_info* type = nullptr;
  try {
    std::rethrow_exception(error);
  } catch (const RemoteError& e) {  // passes through unchanged
    r.type = e.type_name();
    r.message = e.message();
    if (!e.where().empty()) r.where = e.where();
    return r;
  } catch (const std::exception& e) {
    r.message = e.what();
    type = &typeid(e);
  } catch (...) {
    type = abi::__cxa_current_exception_type();
    r.message = "exception of a type not derived from std::exception";
  }
  r.type = type ? demangle(type->name()) : "unknown";
  if (type) {
    Table& t = table();
    std::lock_guard<std::mutex> lock(t.mu);
    auto it = t.by_type.find(std::type_index(*type));
    if (it != t.by_type.end()) {
      r.type = it->second.name;
      r.code = it->second.code;
    }
  }
  return r;
}

void raise_error(const ErrorRecord& record) {
  ExceptionRaiser raise = nullptr;
  {
    Table& t = table();
    std::lock_guard<std::mutex> lock(t.mu);
    auto it = t.by_name.find(record.type);
    if (it != t.by_name.end()) raise = it->second;
  }
  if (raise) raise(record.message);
  throw RemoteError(record.type, record.message, record.where);
}

std::exception_ptr to_exception_ptr(const ErrorRecord& record) {
  try {
    raise_error(record);
  } catch (...) {
    return std::current_exception();
  }
}

}  // namespace concurry::internal
