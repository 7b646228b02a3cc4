#include "concurry/core/internal/call_scope.h"

namespace concurry::internal {
namespace {
thread_local CallScope* innermost = nullptr;
}  // namespace

CallScope::CallScope() : outer_(innermost) { innermost = this; }

CallScope::~CallScope() { innermost = outer_; }

bool CallScope::report(std::exception_ptr error) {
  if (!innermost) return false;
  if (!innermost->error_) innermost->error_ = std::move(error);
  return true;
}

}  // namespace concurry::internal
