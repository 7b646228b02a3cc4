// Values as JSON, for people and scripts (`concurry call`): a method's arguments from a JSON array
// and its result as JSON, in the form of cereal's JSON archive (numbers, strings, booleans,
// arrays for sequences, {"key": k, "value": v} entries for maps, objects with value0, value1...
// or the names given with cereal::make_nvp for your own types). The registry keeps one converter
// pair per method and function, instantiated where it is registered; the node runs them, as it
// has the library. Every conversion failure throws JsonArgumentError naming the argument, the
// C++ type it needed and the JSON it got. Internal.
#ifndef CONCURRY_CORE_JSON_VALUES_H_
#define CONCURRY_CORE_JSON_VALUES_H_

#include <cereal/archives/json.hpp>
#include <sstream>
#include <string>
#include <tuple>
#include <typeinfo>
#include <utility>
#include <vector>

#include "concurry/core/errors.h"
#include "concurry/core/serialization.h"

namespace concurry::internal {

// JSON that does not fit a signature.
class JsonArgumentError : public Error {
 public:
  using Error::Error;
};

// A C++ type's name as people write it ("std::vector<int>", not the mangled or allocator form).
std::string readable_type(const std::type_info& type);

template <class... T>
std::string signature_of(std::tuple<T...>*) {
  std::string out = "(";
  ((out += (out.size() > 1 ? ", " : "") + readable_type(typeid(T))), ...);
  return out + ")";
}

// How deep JSON arguments may nest (arrays and objects): the parser recurses, so hostile input
// nested 150,000 deep must be refused before it is parsed.
inline constexpr size_t kMaxJsonDepth = 128;

// The elements of `json`, which must be an array of exactly `arity` values, each as JSON text,
// nested at most kMaxJsonDepth deep. `what` ("add", "Counter::add") and `signature`
// ("(int, int)") go into the error messages.
std::vector<std::string> split_json_arguments(const std::string& json, size_t arity,
                                              const std::string& what,
                                              const std::string& signature);
// "the string \"x\"", "the number 3.5", "an object" ...: what a JSON value is, for messages.
std::string describe_json(const std::string& json);
// The compact JSON of member "value0" of `wrapped` (what cereal's JSON archive writes).
std::string unwrap_json_value(const std::string& wrapped);

template <class T>
inline constexpr bool is_json_convertible_v =
    cereal::traits::is_output_serializable<T, cereal::JSONOutputArchive>::value &&
    cereal::traits::is_input_serializable<T, cereal::JSONInputArchive>::value;

template <class T>
T value_from_json(const std::string& json, size_t position, const std::string& what) {
  auto fail = [&](const std::string& why) {
    return JsonArgumentError(what + ": argument " + std::to_string(position) + " must be " +
                             readable_type(typeid(T)) + "; got " + describe_json(json) + why);
  };
  if constexpr (!is_json_convertible_v<T>) {
    throw fail(" (this type has no JSON form: give it a serialize() template for any archive)");
  } else {
    T value{};
    try {
      std::istringstream in("[" + json + "]");
      cereal::JSONInputArchive archive(in);
      archive(value);
    } catch (const cereal::Exception&) {
      throw fail("");
    }
    return value;
  }
}

// The portable-binary argument bytes of `Params` (a std::tuple of decayed parameter types) from
// a JSON array of the arguments.
template <class Params>
Bytes args_from_json(const std::string& json, const std::string& what) {
  constexpr size_t n = std::tuple_size_v<Params>;
  std::vector<std::string> parts =
      split_json_arguments(json, n, what, signature_of(static_cast<Params*>(nullptr)));
  return [&]<size_t... I>(std::index_sequence<I...>) {
    Params values{value_from_json<std::tuple_element_t<I, Params>>(parts[I], I + 1, what)...};
    return std::apply([](const auto&... v) { return encode(v...); }, values);
  }(std::make_index_sequence<n>());
}

// A result's portable-binary bytes as JSON ("null" for void).
template <class R>
std::string result_to_json(const Bytes& value) {
  if constexpr (std::is_void_v<R>) {
    return "null";
  } else if constexpr (!is_json_convertible_v<R>) {
    throw Error("the result type " + readable_type(typeid(R)) + " has no JSON form");
  } else {
    R result = decode<R>(value);
    std::ostringstream out;
    {
      cereal::JSONOutputArchive archive(out, cereal::JSONOutputArchive::Options::NoIndent());
      archive(result);
    }
    return unwrap_json_value(out.str());
  }
}

}  // namespace concurry::internal

#endif  // CONCURRY_CORE_JSON_VALUES_H_
