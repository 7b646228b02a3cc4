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

template <class T, class M, class Params = typename MethodTraits<M>::params>
struct MethodInvoker;

template <class T, class M, class... P>
struct MethodInvoker<T, M, std::tuple<P...>> {
  M method;
  decltype(auto) operator()(void* instance, std::decay_t<P>&&... values) const {
    return (static_cast<T*>(instance)->*method)(forward_as<P>(values)...);
  }
};

}  // namespace concurry::internal

#endif  // CONCURRY_RUNTIME_INTERNAL_METHOD_INVOKER_H_
