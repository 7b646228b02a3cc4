// Values on the wire: cereal portable binary (fixed endianness, fixed widths). Arithmetic types,
// std::string and the common standard containers work out of the box; a type of your own needs
//   template <class Archive> void serialize(Archive& ar) { ar(field1, field2); }
// Only remote modes (process, cluster) serialize; local modes pass values directly. Decoding
// trusts no size in the bytes (core/bounded_input_archive.h): malformed or hostile bytes throw
// concurry::Error and never allocate much more than their own size.
#ifndef CONCURRY_CORE_SERIALIZATION_H_
#define CONCURRY_CORE_SERIALIZATION_H_

#include <cereal/archives/portable_binary.hpp>
#include <cereal/types/array.hpp>
#include <cereal/types/chrono.hpp>
#include <cereal/types/deque.hpp>
#include <cereal/types/map.hpp>
#include <cereal/types/optional.hpp>
#include <cereal/types/set.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/tuple.hpp>
#include <cereal/types/unordered_map.hpp>
#include <cereal/types/unordered_set.hpp>
#include <cereal/types/utility.hpp>
#include <cereal/types/variant.hpp>
#include <cereal/types/vector.hpp>
#include <sstream>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

#include "concurry/core/bounded_input_archive.h"
#include "concurry/core/errors.h"

namespace concurry {

// True when T can cross a process boundary as a value.
template <class T>
inline constexpr bool is_serializable_v =
    std::is_void_v<T> ||
    (cereal::traits::is_output_serializable<T, cereal::PortableBinaryOutputArchive>::value &&
     cereal::traits::is_input_serializable<T, internal::BoundedInputArchive>::value &&
     std::is_default_constructible_v<T>);

namespace internal {

using Bytes = std::string;

// Fails compilation with a message that says what to add, when T cannot be serialized.
template <class T>
constexpr bool require_serializable() {
  static_assert(is_serializable_v<T>,
                "concurry: this argument or result type cannot cross a process boundary. Give it "
                "a default constructor and `template <class Archive> void serialize(Archive& ar) "
                "{ ar(field1, field2); }` (cereal), or register the worker with "
                "CONCURRY_LOCAL_WORKER to use it in sync/thread/asyncio modes only.");
  return is_serializable_v<T>;
}

// Encodes the values in order.
template <class... T>
Bytes encode(const T&... values) {
  std::ostringstream out(std::ios::binary);
  {
    cereal::PortableBinaryOutputArchive archive(out);
    if constexpr (sizeof...(T) > 0) archive(values...);
  }
  return std::move(out).str();
}

// Decodes a std::tuple<T...> written by encode(T...), reading `bytes` in place. Throws
// concurry::Error on bytes that do not decode to exactly these types.
template <class Tuple>
Tuple decode_tuple(const Bytes& bytes) {
  Tuple values;
  size_t trailing = 0;
  try {
    BoundedInputArchive archive(bytes.data(), bytes.size());
    std::apply([&](auto&... v) { (archive(v), ...); }, values);
    trailing = archive.remaining();
  } catch (const cereal::Exception& e) {
    throw Error(std::string("malformed value bytes: ") + e.what());
  }
  if (trailing > 0) {
    throw Error("malformed value bytes: " + std::to_string(trailing) +
                " unexpected trailing bytes");
  }
  return values;
}

template <class T>
T decode(const Bytes& bytes) {
  return std::get<0>(decode_tuple<std::tuple<T>>(bytes));
}

}  // namespace internal
}  // namespace concurry

#endif  // CONCURRY_CORE_SERIALIZATION_H_
