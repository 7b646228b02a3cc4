// The decoding side of cereal's portable binary format, reading straight from the bytes it was
// given (no stream, no copy) and trusting no size in them: every size prefix (strings, vectors,
// maps, sets, deques, ...) is checked against the bytes still unread before anything is
// allocated, and containers grow as their elements actually decode, so a few hostile bytes
// cannot make it allocate more than about the size of the input. Malformed bytes throw
// concurry::Error naming what was wrong and where. Writes stay cereal::PortableBinaryOutputArchive
// (the wire format is cereal's, unchanged). One limit follows: a container of elements that
// encode to no bytes at all (empty structs) cannot hold more elements than bytes follow it.
// Internal: core/serialization.h decodes with it.
#ifndef CONCURRY_CORE_BOUNDED_INPUT_ARCHIVE_H_
#define CONCURRY_CORE_BOUNDED_INPUT_ARCHIVE_H_

#include <cereal/archives/portable_binary.hpp>
#include <cereal/cereal.hpp>
#include <cereal/types/deque.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/unordered_set.hpp>
#include <cereal/types/vector.hpp>
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <deque>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "concurry/core/errors.h"

namespace concurry::internal {

// The fewest bytes a T can encode to, where that is sure: arithmetic types their size, the
// standard containers their size prefix, tuples, pairs and arrays the sum of their parts; 0
// (unknown) for everything else, e.g. a type of your own. A size prefix claiming `count`
// elements needs count * WireFloor bytes behind it.
template <class T>
struct WireFloor : std::integral_constant<size_t, 0> {};
template <class T>
  requires std::is_arithmetic_v<T>
struct WireFloor<T> : std::integral_constant<size_t, sizeof(T)> {};
using SizePrefixed = std::integral_constant<size_t, sizeof(cereal::size_type)>;
template <class... A>
struct WireFloor<std::basic_string<A...>> : SizePrefixed {};
template <class... A>
struct WireFloor<std::vector<A...>> : SizePrefixed {};
template <class... A>
struct WireFloor<std::deque<A...>> : SizePrefixed {};
template <class... A>
struct WireFloor<std::map<A...>> : SizePrefixed {};
template <class... A>
struct WireFloor<std::multimap<A...>> : SizePrefixed {};
template <class... A>
struct WireFloor<std::set<A...>> : SizePrefixed {};
template <class... A>
struct WireFloor<std::multiset<A...>> : SizePrefixed {};
template <class... A>
struct WireFloor<std::unordered_map<A...>> : SizePrefixed {};
template <class... A>
struct WireFloor<std::unordered_multimap<A...>> : SizePrefixed {};
template <class... A>
struct WireFloor<std::unordered_set<A...>> : SizePrefixed {};
template <class... A>
struct WireFloor<std::unordered_multiset<A...>> : SizePrefixed {};
template <class T, size_t N>
struct WireFloor<std::array<T, N>> : std::integral_constant<size_t, N * WireFloor<T>::value> {};
template <class... T>
struct WireFloor<std::tuple<T...>>
    : std::integral_constant<size_t, (WireFloor<T>::value + ... + 0)> {};
template <class A, class B>
struct WireFloor<std::pair<A, B>>
    : std::integral_constant<size_t, WireFloor<A>::value + WireFloor<B>::value> {};

class BoundedInputArchive
    : public cereal::InputArchive<BoundedInputArchive, cereal::AllowEmptyClassElision> {
 public:
  // `data` must outlive the archive. Reads the endianness byte every encoding starts with.
  BoundedInputArchive(const char* data, size_t size)
      : InputArchive(this), begin_(data), next_(data), end_(data + size) {
    uint8_t little = 0;
    loadBinary<1>(&little, 1);
    if (little > 1) {
      fail("the first byte (byte order) is " + std::to_string(little) + ", not 0 or 1");
    }
    swap_ = little != cereal::portable_binary_detail::is_little_endian();
  }

  // Bytes not read yet.
  size_t remaining() const { return static_cast<size_t>(end_ - next_); }

  template <std::streamsize DataSize>
  void loadBinary(void* const data, std::streamsize size) {
    size_t n = static_cast<size_t>(size);
    if (n > remaining()) {
      fail("needs " + std::to_string(n) + " more bytes at offset " + std::to_string(offset()) +
           " but only " + std::to_string(remaining()) + " are left");
    }
    if (n > 0) std::memcpy(data, next_, n);  // memcpy(_, nullptr, 0) would be undefined
    next_ += n;
    if (swap_) {
      auto* p = static_cast<uint8_t*>(data);
      for (size_t i = 0; i < n; i += DataSize) {
        cereal::portable_binary_detail::swap_bytes<DataSize>(p + i);
      }
    }
  }

  // A size prefix just read: `count` elements of at least `element_bytes` bytes each (at least
  // one byte when not known) must still follow.
  void check_count(uint64_t count, size_t element_bytes = 0) const {
    if (count > remaining() / std::max<size_t>(element_bytes, 1)) {
      fail("a size prefix at offset " + std::to_string(offset() - sizeof(cereal::size_type)) +
           " claims " + std::to_string(count) + " elements" +
           (element_bytes > 1 ? " of " + std::to_string(element_bytes) + "+ bytes" : "") +
           " but only " + std::to_string(remaining()) + " bytes follow");
    }
  }

  // How many elements of type T to reserve for `count` claimed (and checked) ones: no more
  // memory than 4x the bytes still unread. Past that a container grows as its elements decode.
  template <class T>
  size_t reservable(uint64_t count) const {
    return static_cast<size_t>(std::min<uint64_t>(count, 4 * uint64_t{remaining()} / sizeof(T)));
  }

 private:
  size_t offset() const { return static_cast<size_t>(next_ - begin_); }
  [[noreturn]] static void fail(const std::string& why) {
    throw Error("malformed value bytes: " + why);
  }

  const char* begin_;
  const char* next_;
  const char* end_;
  bool swap_ = false;
};

// What cereal needs of an archive: arithmetic values, raw bytes, names (ignored), size prefixes
// (checked).
template <class T>
std::enable_if_t<std::is_arithmetic_v<T>> CEREAL_LOAD_FUNCTION_NAME(BoundedInputArchive& ar,
                                                                    T& t) {
  static_assert(!std::is_floating_point_v<T> || std::numeric_limits<T>::is_iec559,
                "Portable binary only supports IEEE 754 standardized floating point");
  ar.template loadBinary<sizeof(T)>(std::addressof(t), sizeof(t));
}

template <class T>
void CEREAL_LOAD_FUNCTION_NAME(BoundedInputArchive& ar, cereal::NameValuePair<T>& t) {
  ar(t.value);
}

template <class T>
void CEREAL_LOAD_FUNCTION_NAME(BoundedInputArchive& ar, cereal::SizeTag<T>& t) {
  ar(t.size);
  ar.check_count(t.size);
}

template <class T>
void CEREAL_LOAD_FUNCTION_NAME(BoundedInputArchive& ar, cereal::BinaryData<T>& bd) {
  using TT = std::remove_pointer_t<T>;
  static_assert(!std::is_floating_point_v<TT> || std::numeric_limits<TT>::is_iec559,
                "Portable binary only supports IEEE 754 standardized floating point");
  ar.template loadBinary<sizeof(TT)>(bd.data, static_cast<std::streamsize>(bd.size));
}

// Containers, where cereal's own loads would resize or reserve to the claimed size first. These
// are more specialized than cereal's (the archive type is fixed), so overloading picks them.

template <class CharT, class Traits, class Alloc>
void CEREAL_LOAD_FUNCTION_NAME(BoundedInputArchive& ar,
                               std::basic_string<CharT, Traits, Alloc>& str) {
  cereal::size_type size;
  ar(cereal::make_size_tag(size));
  ar.check_count(size, sizeof(CharT));
  str.resize(static_cast<size_t>(size));
  ar(cereal::binary_data(str.data(), static_cast<size_t>(size) * sizeof(CharT)));
}

template <class T, class A>
std::enable_if_t<std::is_arithmetic_v<T> && !std::is_same_v<T, bool>> CEREAL_LOAD_FUNCTION_NAME(
    BoundedInputArchive& ar, std::vector<T, A>& vector) {
  cereal::size_type size;
  ar(cereal::make_size_tag(size));
  ar.check_count(size, sizeof(T));
  vector.resize(static_cast<size_t>(size));
  ar(cereal::binary_data(vector.data(), static_cast<size_t>(size) * sizeof(T)));
}

template <class T, class A>
std::enable_if_t<!std::is_arithmetic_v<T>> CEREAL_LOAD_FUNCTION_NAME(BoundedInputArchive& ar,
                                                                     std::vector<T, A>& vector) {
  cereal::size_type size;
  ar(cereal::make_size_tag(size));
  ar.check_count(size, WireFloor<T>::value);
  vector.clear();
  vector.reserve(ar.reservable<T>(size));
  for (cereal::size_type i = 0; i < size; ++i) ar(vector.emplace_back());
}

template <class T, class A>
void CEREAL_LOAD_FUNCTION_NAME(BoundedInputArchive& ar, std::deque<T, A>& deque) {
  cereal::size_type size;
  ar(cereal::make_size_tag(size));
  ar.check_count(size, WireFloor<T>::value);
  deque.clear();
  for (cereal::size_type i = 0; i < size; ++i) ar(deque.emplace_back());
}

template <class Set>
void load_unordered_set(BoundedInputArchive& ar, Set& set) {
  cereal::size_type size;
  ar(cereal::make_size_tag(size));
  ar.check_count(size, WireFloor<typename Set::key_type>::value);
  set.clear();
  set.reserve(ar.reservable<typename Set::value_type>(size));
  for (cereal::size_type i = 0; i < size; ++i) {
    typename Set::key_type key;
    ar(key);
    set.emplace(std::move(key));
  }
}

template <class K, class H, class E, class A>
void CEREAL_LOAD_FUNCTION_NAME(BoundedInputArchive& ar, std::unordered_set<K, H, E, A>& set) {
  load_unordered_set(ar, set);
}

template <class K, class H, class E, class A>
void CEREAL_LOAD_FUNCTION_NAME(BoundedInputArchive& ar,
                               std::unordered_multiset<K, H, E, A>& set) {
  load_unordered_set(ar, set);
}

}  // namespace concurry::internal

CEREAL_REGISTER_ARCHIVE(concurry::internal::BoundedInputArchive)

// Types with load_minimal/save_minimal pair this input archive with the portable binary output.
namespace cereal::traits::detail {
template <>
struct get_output_from_input<concurry::internal::BoundedInputArchive> {
  using type = cereal::PortableBinaryOutputArchive;
};
}  // namespace cereal::traits::detail

#endif  // CONCURRY_CORE_BOUNDED_INPUT_ARCHIVE_H_
