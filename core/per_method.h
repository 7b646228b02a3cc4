// PerMethod<V>: an option value that may differ per method. A plain value applies to every
// method ("*"); a map names methods and must hold a "*" default:
//   .num_retries = 3
//   .num_retries = concurry::PerMethod<int>{{"*", 0}, {"fetch", 3}}
// For list-valued options (retry_on, retry_until) a braced list of elements is the "*" value.
// Default-constructed means unset: the option falls back to the next source.
#ifndef CONCURRY_CORE_PER_METHOD_H_
#define CONCURRY_CORE_PER_METHOD_H_

#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "concurry/core/errors.h"

namespace concurry {

namespace internal {
template <class V>
struct ElementOf {
  using type = void;
};
template <class X>
struct ElementOf<std::vector<X>> {
  using type = X;
};
// Throws InvalidOptionError unless `keys` has "*" and names only methods in `methods`.
void validate_method_keys(std::string_view option, const std::vector<std::string>& keys,
                          const std::vector<std::string>& methods);
}  // namespace internal

template <class V>
class PerMethod {
 public:
  PerMethod() = default;

  template <class U, class = std::enable_if_t<std::is_convertible_v<U&&, V> &&
                                              !std::is_same_v<std::decay_t<U>, PerMethod>>>
  PerMethod(U&& all) {
    entries_.emplace("*", V(std::forward<U>(all)));
  }

  PerMethod(std::initializer_list<std::pair<const std::string, V>> entries)
      : entries_(entries), is_map_(true) {}

  template <class X = typename internal::ElementOf<V>::type,
            class = std::enable_if_t<!std::is_void_v<X>>>
  PerMethod(std::initializer_list<X> all) {
    entries_.emplace("*", V(all));
  }

  bool is_set() const { return !entries_.empty(); }
  bool is_map() const { return is_map_; }

  // The value for `method`: its own entry, else "*". Precondition: is_set().
  const V& for_method(std::string_view method) const {
    auto it = entries_.find(std::string(method));
    if (it == entries_.end()) it = entries_.find("*");
    return it->second;
  }
  const std::map<std::string, V>& entries() const { return entries_; }

  // Throws InvalidOptionError when a map lacks "*" or names a method not in `methods`.
  void validate(std::string_view option, const std::vector<std::string>& methods) const {
    if (!is_map_) return;
    std::vector<std::string> keys;
    for (const auto& [k, v] : entries_) keys.push_back(k);
    internal::validate_method_keys(option, keys, methods);
  }

 private:
  std::map<std::string, V> entries_;
  bool is_map_ = false;
};

}  // namespace concurry

#endif  // CONCURRY_CORE_PER_METHOD_H_
