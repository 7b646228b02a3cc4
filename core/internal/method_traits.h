// MethodTraits<M>: what a pointer to member function takes and returns, for every cv/noexcept
// form; FunctionTraits<F> likewise for free functions and callables. Internal.
#ifndef CONCURRY_CORE_INTERNAL_METHOD_TRAITS_H_
#define CONCURRY_CORE_INTERNAL_METHOD_TRAITS_H_

#include <tuple>
#include <type_traits>

namespace concurry::internal {

template <class M>
struct MethodTraits;

#define CONCURRY_INTERNAL_METHOD_TRAITS(QUALIFIERS)                 \
  template <class C, class R, class... P>                          \
  struct MethodTraits<R (C::*)(P...) QUALIFIERS> {                 \
    using class_type = C;                                          \
    using return_type = R;                                         \
    using params = std::tuple<P...>;                               \
    using decayed_params = std::tuple<std::decay_t<P>...>;         \
    static constexpr size_t arity = sizeof...(P);                  \
  };
CONCURRY_INTERNAL_METHOD_TRAITS()
CONCURRY_INTERNAL_METHOD_TRAITS(const)
CONCURRY_INTERNAL_METHOD_TRAITS(noexcept)
CONCURRY_INTERNAL_METHOD_TRAITS(const noexcept)
CONCURRY_INTERNAL_METHOD_TRAITS(&)
CONCURRY_INTERNAL_METHOD_TRAITS(const&)
#undef CONCURRY_INTERNAL_METHOD_TRAITS

template <class F, class = void>
struct FunctionTraits : FunctionTraits<decltype(&std::decay_t<F>::operator())> {};

template <class R, class... P>
struct FunctionTraits<R (*)(P...), void> {
  using return_type = R;
  using params = std::tuple<P...>;
  using decayed_params = std::tuple<std::decay_t<P>...>;
  static constexpr size_t arity = sizeof...(P);
};
template <class R, class... P>
struct FunctionTraits<R (*)(P...) noexcept, void> : FunctionTraits<R (*)(P...)> {};
template <class R, class... P>
struct FunctionTraits<R(P...), void> : FunctionTraits<R (*)(P...)> {};
template <class C, class R, class... P>
struct FunctionTraits<R (C::*)(P...) const, void> : FunctionTraits<R (*)(P...)> {};
template <class C, class R, class... P>
struct FunctionTraits<R (C::*)(P...), void> : FunctionTraits<R (*)(P...)> {};

}  // namespace concurry::internal

#endif  // CONCURRY_CORE_INTERNAL_METHOD_TRAITS_H_
