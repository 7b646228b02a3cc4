// The registry: worker classes and free functions by name, so that a process or node that only
// has a name and bytes can construct an instance and run a method. Filled at static-init time by
// CONCURRY_WORKER / CONCURRY_FUNCTION (core/worker_macros.h); read by process and cluster hosts.
// Thread-safe. Lookups of unknown names throw MethodNotFoundError naming what is registered.
#ifndef CONCURRY_CORE_REGISTRY_H_
#define CONCURRY_CORE_REGISTRY_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "concurry/core/async.h"
#include "concurry/core/future.h"
#include "concurry/core/internal/method_traits.h"
#include "concurry/core/json_values.h"
#include "concurry/core/serialization.h"
#include "concurry/core/worker.h"

namespace concurry::internal {

struct MethodEntry {
  std::string name;
  // Runs the method on `instance` with arguments decoded from `args`; returns the encoded result.
  // Throws what the method throws; concurry::Error for undecodable arguments.
  std::function<Bytes(void* instance, const Bytes& args)> invoke;
  // For `concurry call` (core/json_values.h): "(int, std::string)", the argument bytes from a
  // JSON array (`what` names the call in errors), the result bytes as JSON.
  std::string signature;
  Bytes (*args_from_json)(const std::string& json, const std::string& what) = nullptr;
  std::string (*result_to_json)(const Bytes& value) = nullptr;
};

struct CtorEntry {
  std::string signature;  // e.g. "(int, std::string)", for error messages
  std::function<std::shared_ptr<void>(const Bytes& args)> construct;
};

struct ClassEntry {
  std::string name;
  std::vector<CtorEntry> ctors;  // CONCURRY_INIT order
  std::map<std::string, MethodEntry> methods;
  // Gives an instance its limits (classes deriving from concurry::Worker); null otherwise.
  void (*attach_limits)(void* instance, LimitSet limits) = nullptr;

  // The method, or MethodNotFoundError naming the class's methods.
  const MethodEntry& method(const std::string& name) const;
};

struct FunctionEntry {
  std::string name;
  const void* address = nullptr;  // the function pointer, to find the name from a pointer
  std::function<Bytes(const Bytes& args)> invoke;
  std::string signature;  // as MethodEntry's
  Bytes (*args_from_json)(const std::string& json, const std::string& what) = nullptr;
  std::string (*result_to_json)(const Bytes& value) = nullptr;
};

class Registry {
 public:
  static Registry& get();

  bool add_class(ClassEntry entry);
  bool add_function(FunctionEntry entry);

  // Throw MethodNotFoundError naming the registered names when `name` is unknown.
  const ClassEntry& find_class(const std::string& name) const;
  const FunctionEntry& find_function(const std::string& name) const;
  // The registered name of a function pointer, or "" when it was not registered.
  std::string function_name(const void* address) const;

  std::vector<std::string> class_names() const;
  std::vector<std::string> function_names() const;

 private:
  Registry() = default;
  struct Impl;
  Impl& impl() const;
};

// What travels on the wire for a parameter or result: a Future<U> parameter travels as its
// value (the caller resolves it first), a coroutine's Async<T> result as T.
template <class T>
struct WireOf {
  using type = unwrap_future_t<T>;
};
template <class T>
struct WireOf<Async<T>> {
  using type = T;
};
template <class T>
using WireOfT = typename WireOf<std::decay_t<T>>::type;

template <class Params>
struct WireParams;
template <class... P>
struct WireParams<std::tuple<P...>> {
  using type = std::tuple<WireOfT<P>...>;
};

// The parameter of type P from its wire value.
template <class P, class W>
decltype(auto) from_wire(W& wire) {
  if constexpr (is_future_v<P>) {
    return make_ready_future(std::move(wire));
  } else {
    return std::move(wire);
  }
}

// Runs a call's raw result to its value: a coroutine runs to completion here.
template <class Raw>
Bytes encode_result(Raw&& raw) {
  if constexpr (is_async_v<Raw>) {
    using T = typename std::decay_t<Raw>::value_type;
    if constexpr (std::is_void_v<T>) {
      run_without_loop(std::forward<Raw>(raw));
      return Bytes();
    } else {
      return encode(run_without_loop(std::forward<Raw>(raw)));
    }
  } else {
    return encode(raw);
  }
}

template <class Params, class Call>
Bytes call_from_wire(const Bytes& args, Call&& call) {
  auto wire = decode_tuple<typename WireParams<Params>::type>(args);
  return std::apply(
      [&](auto&... w) -> Bytes {
        return [&]<size_t... I>(std::index_sequence<I...>) -> Bytes {
          using R = decltype(call(from_wire<std::tuple_element_t<I, Params>>(w)...));
          if constexpr (std::is_void_v<R>) {
            call(from_wire<std::tuple_element_t<I, Params>>(w)...);
            return Bytes();
          } else {
            return encode_result(call(from_wire<std::tuple_element_t<I, Params>>(w)...));
          }
        }(std::make_index_sequence<sizeof...(w)>());
      },
      wire);
}

// Decodes the method's parameters from `args`, calls it, encodes the result.
template <auto Method>
Bytes invoke_method(void* instance, const Bytes& args) {
  using Traits = MethodTraits<decltype(Method)>;
  using C = typename Traits::class_type;
  return call_from_wire<typename Traits::decayed_params>(args, [instance](auto&&... p) -> decltype(auto) {
    return (static_cast<C*>(instance)->*Method)(std::forward<decltype(p)>(p)...);
  });
}

// True (without failing compilation) when every parameter and the result can travel.
template <class Params, class R>
struct AllWireSerializable;
template <class... P, class R>
struct AllWireSerializable<std::tuple<P...>, R>
    : std::bool_constant<(is_serializable_v<WireOfT<P>> && ...) &&
                         (std::is_void_v<R> || is_serializable_v<WireOfT<R>>)> {};
template <class Params, class R>
constexpr bool all_wire_serializable() {
  return AllWireSerializable<Params, R>::value;
}

template <class... P>
constexpr bool all_serializable(std::tuple<P...>*) {
  return (require_serializable<WireOfT<P>>() && ... && true);
}

// Builds a ClassEntry at registration time; checks every type is serializable.
template <class C>
class ClassBuilder {
 public:
  explicit ClassBuilder(const char* name) { entry_.name = name; }

  template <class Signature>
  void init() {
    add_ctor(static_cast<Signature*>(nullptr));
  }

  template <auto Method>
  void method(const char* name) {
    using Traits = MethodTraits<decltype(Method)>;
    static_assert(all_serializable(static_cast<typename Traits::decayed_params*>(nullptr)));
    static_assert(require_serializable<WireOfT<typename Traits::return_type>>());
    using Params = typename WireParams<typename Traits::decayed_params>::type;
    entry_.methods.emplace(
        name, MethodEntry{name, &invoke_method<Method>, signature_of(static_cast<Params*>(nullptr)),
                          &args_from_json<Params>,
                          &result_to_json<WireOfT<typename Traits::return_type>>});
  }

  ClassEntry build() {
    if constexpr (std::is_base_of_v<Worker, C>) {
      entry_.attach_limits = [](void* instance, LimitSet limits) {
        WorkerAccess::attach_limits(*static_cast<C*>(instance), std::move(limits));
      };
    }
    if (entry_.ctors.empty()) {
      if constexpr (std::is_default_constructible_v<C>) init<void()>();
    }
    return std::move(entry_);
  }

 private:
  template <class... P>
  void add_ctor(void (*)(P...)) {
    static_assert(std::is_constructible_v<C, P...>,
                  "CONCURRY_INIT(...) lists parameter types no constructor of the class accepts");
    static_assert(all_serializable(static_cast<std::tuple<std::decay_t<P>...>*>(nullptr)));
    std::string sig = "(";
    ((sig += (sig.size() > 1 ? ", " : "") + std::string(typeid(P).name())), ...);
    entry_.ctors.push_back(CtorEntry{sig + ")", [](const Bytes& args) -> std::shared_ptr<void> {
                                       auto params = decode_tuple<std::tuple<std::decay_t<P>...>>(args);
                                       return std::apply(
                                           [](auto&... p) { return std::make_shared<C>(std::move(p)...); },
                                           params);
                                     }});
  }

  ClassEntry entry_;
};

template <auto Function>
Bytes invoke_function(const Bytes& args) {
  using Traits = FunctionTraits<decltype(Function)>;
  static_assert(all_serializable(static_cast<typename Traits::decayed_params*>(nullptr)));
  static_assert(require_serializable<WireOfT<typename Traits::return_type>>());
  return call_from_wire<typename Traits::decayed_params>(
      args, [](auto&&... p) -> decltype(auto) { return Function(std::forward<decltype(p)>(p)...); });
}

template <auto Function>
bool register_function(const char* name) {
  using Traits = FunctionTraits<decltype(Function)>;
  using Params = typename WireParams<typename Traits::decayed_params>::type;
  return Registry::get().add_function(FunctionEntry{
      name, reinterpret_cast<const void*>(Function), &invoke_function<Function>,
      signature_of(static_cast<Params*>(nullptr)), &args_from_json<Params>,
      &result_to_json<WireOfT<typename Traits::return_type>>});
}

}  // namespace concurry::internal

#endif  // CONCURRY_CORE_REGISTRY_H_
