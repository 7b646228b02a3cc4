// CallScope: marks "a worker method is running on this thread", so that code which must not
// throw (a destructor) can still fail the call: report() records an error the executor raises
// once the method returns. Internal.
#ifndef CONCURRY_CORE_INTERNAL_CALL_SCOPE_H_
#define CONCURRY_CORE_INTERNAL_CALL_SCOPE_H_

#include <exception>

namespace concurry::internal {

class CallScope {
 public:
  CallScope();
  ~CallScope();
  CallScope(const CallScope&) = delete;
  CallScope& operator=(const CallScope&) = delete;

  // The first error reported while this scope was innermost (nullptr if none).
  std::exception_ptr error() const { return error_; }

  // Records `error` in the innermost scope on this thread. False when no call is running here.
  static bool report(std::exception_ptr error);

 private:
  CallScope* outer_;
  std::exception_ptr error_;
};

}  // namespace concurry::internal

#endif  // CONCURRY_CORE_INTERNAL_CALL_SCOPE_H_
