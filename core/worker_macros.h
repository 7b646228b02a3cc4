// Registration macros. At global scope, in a header beside the class:
//   CONCURRY_WORKER(Counter, CONCURRY_INIT(int), add, get);  // typed methods + by-name calls
//   CONCURRY_LOCAL_WORKER(Cache, lookup);                      // typed methods, local modes only
//   CONCURRY_FUNCTION(square);                                 // a free function, by name
// CONCURRY_WORKER gives Handle<Counter> the members `add` and `get` (returning Future<R>), and
// registers the class under its name so process and cluster hosts can construct it from
// CONCURRY_INIT signatures (a default-constructible class needs none) and call its methods from
// bytes. Every parameter and result type must then be serializable (core/serialization.h); the
// compiler says so otherwise. Overloaded or template methods cannot be listed. A method may not
// be named like a Handle member (stop, stats, call, blocking, dispatch, options, init).
#ifndef CONCURRY_CORE_WORKER_MACROS_H_
#define CONCURRY_CORE_WORKER_MACROS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "concurry/core/internal/preprocessor.h"
#include "concurry/core/registry.h"

namespace concurry::internal {

// Specialized by the macros. The primary template serves unregistered classes: they still run
// in local modes through Handle::call(&T::method, ...).
template <class T>
struct Methods {
  static constexpr bool kRemote = false;
  static constexpr const char* kName = "";
  template <class M>
  static const char* name_of(M) {
    return nullptr;
  }
  template <class Self>
  struct Mixin {};
  static std::vector<std::string> names() { return {}; }
};

// True when CONCURRY_INIT signature Sig (void(P...)) can be called with A...
template <class Sig, class... A>
struct CtorAccepts : std::false_type {};
template <class... P, class... A>
struct CtorAccepts<void(P...), A...>
    : std::bool_constant<sizeof...(P) == sizeof...(A) &&
                         std::is_constructible_v<std::tuple<std::decay_t<P>...>, const A&...>> {};
template <class Sig, class... A>
constexpr bool ctor_accepts() {
  return CtorAccepts<Sig, A...>::value;
}

template <class Sig>
struct EncodeCtor;
template <class... P>
struct EncodeCtor<void(P...)> {
  template <class... A>
  static Bytes run(const A&... args) {
    std::tuple<std::decay_t<P>...> converted(args...);
    return std::apply([](const auto&... p) { return encode(p...); }, converted);
  }
};
template <class Sig, class... A>
Bytes encode_ctor(const A&... args) {
  return EncodeCtor<Sig>::run(args...);
}

constexpr bool is_reserved_method_name(std::string_view name) {
  for (std::string_view reserved :
       {"stop", "stats", "call", "blocking", "dispatch", "options", "init", "is_stopped"}) {
    if (name == reserved) return true;
  }
  return false;
}

}  // namespace concurry::internal

#define CONCURRY_INIT(...) (__VA_ARGS__)

#define CONCURRY_INTERNAL_NOTHING(Class, item)
#define CONCURRY_INTERNAL_FORWARDER(Class, m)                                                \
  static_assert(!::concurry::internal::is_reserved_method_name(#m),                         \
                "CONCURRY_WORKER: worker method '" #m "' has the name of a Handle member "   \
                "(stop, stats, call, blocking, dispatch, options, init, is_stopped); rename " \
                "it.");                                                                     \
  template <class... A>                                                                     \
  decltype(auto) m(A&&... a) {                                                              \
    return static_cast<Self*>(this)->dispatch(#m, &Class::m, std::forward<A>(a)...);        \
  }
#define CONCURRY_INTERNAL_MIXIN_ITEM(Class, item)                                           \
  CONCURRY_PP_IIF(CONCURRY_PP_IS_PAREN(item))(CONCURRY_INTERNAL_NOTHING,                    \
                                             CONCURRY_INTERNAL_FORWARDER)(Class, item)

#define CONCURRY_INTERNAL_NAME(Class, m) #m,
#define CONCURRY_INTERNAL_NAME_OF(Class, m)                                                 \
  if constexpr (std::is_same_v<M, decltype(&Class::m)>) {                                   \
    if (method == &Class::m) return #m;                                                     \
  }
#define CONCURRY_INTERNAL_NAME_OF_ITEM(Class, item)                                         \
  CONCURRY_PP_IIF(CONCURRY_PP_IS_PAREN(item))(CONCURRY_INTERNAL_NOTHING,                    \
                                             CONCURRY_INTERNAL_NAME_OF)(Class, item)
#define CONCURRY_INTERNAL_NAME_ITEM(Class, item)                                            \
  CONCURRY_PP_IIF(CONCURRY_PP_IS_PAREN(item))(CONCURRY_INTERNAL_NOTHING,                    \
                                             CONCURRY_INTERNAL_NAME)(Class, item)

#define CONCURRY_INTERNAL_CTOR(Class, sig) builder.template init<void sig>();
#define CONCURRY_INTERNAL_PICK_CTOR(Class, sig)                                            \
  if constexpr (::concurry::internal::ctor_accepts<void sig, A...>()) {                    \
    if (!picked) picked.emplace(index, ::concurry::internal::encode_ctor<void sig>(args...)); \
  }                                                                                         \
  ++index;
#define CONCURRY_INTERNAL_PICK_ITEM(Class, item)                                            \
  CONCURRY_PP_IIF(CONCURRY_PP_IS_PAREN(item))(CONCURRY_INTERNAL_PICK_CTOR,                  \
                                             CONCURRY_INTERNAL_NOTHING)(Class, item)
#define CONCURRY_INTERNAL_METHOD(Class, m) builder.template method<&Class::m>(#m);
#define CONCURRY_INTERNAL_ENTRY_ITEM(Class, item)                                           \
  CONCURRY_PP_IIF(CONCURRY_PP_IS_PAREN(item))(CONCURRY_INTERNAL_CTOR,                       \
                                             CONCURRY_INTERNAL_METHOD)(Class, item)

#define CONCURRY_INTERNAL_METHODS_BODY(Class, ...)                                          \
  template <class Self>                                                                     \
  struct Mixin {                                                                            \
    CONCURRY_PP_FOR_EACH(CONCURRY_INTERNAL_MIXIN_ITEM, Class, __VA_ARGS__)                  \
  };                                                                                        \
  static std::vector<std::string> names() {                                                 \
    return {CONCURRY_PP_FOR_EACH(CONCURRY_INTERNAL_NAME_ITEM, Class, __VA_ARGS__)};         \
  }                                                                                         \
  /* The registered name of a member-function pointer, or nullptr. */                       \
  template <class M>                                                                        \
  static const char* name_of([[maybe_unused]] M method) {                                   \
    CONCURRY_PP_FOR_EACH(CONCURRY_INTERNAL_NAME_OF_ITEM, Class, __VA_ARGS__)                \
    return nullptr;                                                                         \
  }

#define CONCURRY_WORKER(Class, ...)                                                         \
  template <>                                                                               \
  struct concurry::internal::Methods<Class> {                                               \
    static constexpr bool kRemote = true;                                                   \
    static constexpr const char* kName = #Class;                                            \
    CONCURRY_INTERNAL_METHODS_BODY(Class, __VA_ARGS__)                                      \
    /* The first CONCURRY_INIT signature `args` fit, as (index, encoded arguments). */      \
    template <class... A>                                                                   \
    static std::optional<std::pair<uint32_t, ::concurry::internal::Bytes>> pick_ctor(       \
        const A&... args) {                                                                 \
      std::optional<std::pair<uint32_t, ::concurry::internal::Bytes>> picked;               \
      uint32_t index = 0;                                                                   \
      CONCURRY_PP_FOR_EACH(CONCURRY_INTERNAL_PICK_ITEM, Class, __VA_ARGS__)                 \
      if (index == 0 && sizeof...(A) == 0 && std::is_default_constructible_v<Class>) {      \
        picked.emplace(0, ::concurry::internal::encode());                                  \
      }                                                                                     \
      return picked;                                                                        \
    }                                                                                       \
    static ::concurry::internal::ClassEntry entry() {                                       \
      ::concurry::internal::ClassBuilder<Class> builder(#Class);                            \
      CONCURRY_PP_FOR_EACH(CONCURRY_INTERNAL_ENTRY_ITEM, Class, __VA_ARGS__)                \
      return builder.build();                                                               \
    }                                                                                       \
    static inline const bool registered =                                                   \
        ::concurry::internal::Registry::get().add_class(entry());                           \
  }

#define CONCURRY_LOCAL_WORKER(Class, ...)                                                   \
  template <>                                                                               \
  struct concurry::internal::Methods<Class> {                                               \
    static constexpr bool kRemote = false;                                                  \
    static constexpr const char* kName = #Class;                                            \
    CONCURRY_INTERNAL_METHODS_BODY(Class, __VA_ARGS__)                                      \
  }

#define CONCURRY_FUNCTION(fn)                                                               \
  template <>                                                                               \
  struct concurry::internal::FunctionRegistration<&fn> {                                    \
    static inline const bool registered =                                                   \
        ::concurry::internal::register_function<&fn>(#fn);                                  \
  }

namespace concurry::internal {
template <auto Function>
struct FunctionRegistration;
}  // namespace concurry::internal

#endif  // CONCURRY_CORE_WORKER_MACROS_H_
