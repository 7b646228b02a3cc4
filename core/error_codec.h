// Exceptions across a process boundary. describe_exception() turns a caught exception into an
// ErrorRecord (the fields of the wire's ErrorInfo); raise_error() throws it again on the other
// side: as its own type when registered (CONCURRY_EXCEPTION; the standard exceptions and
// concurry's errors are pre-registered), otherwise as RemoteError with type name and message.
#ifndef CONCURRY_CORE_ERROR_CODEC_H_
#define CONCURRY_CORE_ERROR_CODEC_H_

#include <exception>
#include <string>
#include <type_traits>
#include <typeinfo>

namespace concurry::internal {

// Mirrors proto ErrorInfo.Code.
enum class ErrorCode : int {
  kUser = 0,
  kMethodNotFound = 1,
  kBadArguments = 2,
  kCancelled = 3,
  kTimeout = 4,
  kWorkerStopped = 5,
  kWorkerCrashed = 6,
  kInternal = 7,
};

struct ErrorRecord {
  ErrorCode code = ErrorCode::kUser;
  std::string type;     // registered name, or the demangled C++ type
  std::string message;  // what()
  std::string where;    // "Class::method"
};

ErrorRecord describe_exception(std::exception_ptr error, std::string where);
[[noreturn]] void raise_error(const ErrorRecord& record);
std::exception_ptr to_exception_ptr(const ErrorRecord& record);

using ExceptionRaiser = void (*)(const std::string& message);

// Registers the exception type `type` under `name`. Only an exception whose dynamic type is
// exactly a registered type is rebuilt as itself; a subclass nobody registered travels as
// RemoteError (still a std::runtime_error) carrying its own type name. Returns true.
bool register_exception(const std::string& name, const std::type_info& type,
                        ExceptionRaiser raise);

template <class E>
[[noreturn]] void raise_exception(const std::string& message) {
  throw E(message);
}

template <class E>
bool register_exception_type(const char* name) {
  static_assert(std::is_constructible_v<E, std::string>,
                "CONCURRY_EXCEPTION: the exception type needs a constructor taking the message "
                "(std::string), so that it can be rebuilt on the caller's side.");
  return register_exception(name, typeid(E), &raise_exception<E>);
}

}  // namespace concurry::internal

// Rethrow `Type` as itself when it crosses a process boundary. At global scope, once per type.
#define CONCURRY_EXCEPTION(Type)                                                      \
  template <>                                                                         \
  struct concurry::internal::ExceptionRegistration<Type> {                            \
    static inline const bool registered =                                             \
        ::concurry::internal::register_exception_type<Type>(#Type);                   \
  }

namespace concurry::internal {
template <class E>
struct ExceptionRegistration;
}  // namespace concurry::internal

#endif  // CONCURRY_CORE_ERROR_CODEC_H_
