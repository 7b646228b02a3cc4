// MethodInvoker<T, M>: calls method M on the T behind a void* with values of the method's
// decayed parameter types, forwarding each as its declared parameter needs. Internal.
#ifndef CONCURRY_RUNTIME_INTERNAL_METHOD_INVOKER_H_
#define CONCURRY_RUNTIME_INTERNAL_METHOD_INVOKER_H_

#include <tuple>
#include <type_traits>
#include <utility>

#include "concurry/core/internal/method_traits.h"

namespace concurry::internal {

// A non-const lvalue-reference parameter gets the stored value as an lvalue; others get it moved.
template <class P, class V>
decltype(auto) forward_as(V& value) {
  if constexpr (std::is_lvalue_reference_v<P> && !std::is_const_v<std::remove_reference_t<P>>) {
    return (value);
  } else {
    return std::move(value);
  }
}

// A stored argument for a call that may run again (retries) or outlive the caller (coroutines):
// references bind to the stored value, by-value parameters get a copy.
template <class P, class V>
decltype(auto) pass_stored(V& value) {
  if constexpr (std::is_lvalue_reference_v<P>) {
    return (value);
  } else if constexpr (std::is_rvalue_reference_v<P>) {
    return std::move(value);
  } else {
    return std::decay_t<P>(value);
  }
}

template <class T, class M, class Params = typename MethodTraits<M>::params>
struct MethodInvoker;

template <class T, class M, class... P>
struct MethodInvoker<T, M, std::tuple<P...>> {
  M method;
  decltype(auto) operator()(void* instance, std::decay_t<P>&&... values) const {
    return (static_cast<T*>(instance)->*method)(forward_as<P>(values)...);
  }
  // Calls with arguments that stay in `values` (a tuple of the decayed parameter types).
  template <class Values>
  decltype(auto) invoke_stored(void* instance, Values& values) const {
    return std::apply(
        [&](auto&... v) -> decltype(auto) {
          return (static_cast<T*>(instance)->*method)(pass_stored<P>(v)...);
        },
        values);
  }
};

}  // namespace concurry::internal

#endif  // CONCURRY_RUNTIME_INTERNAL_METHOD_INVOKER_H_
