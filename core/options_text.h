// Text: the value of a string-valued option. Converts implicitly from const char*, std::string,
// std::string_view and the option enums, so `.mode = "thread"`, `.mode = name` and
// `.mode = concurry::Mode::kThread` all work. Parsed (and refused) when options are resolved.
#ifndef CONCURRY_CORE_OPTIONS_TEXT_H_
#define CONCURRY_CORE_OPTIONS_TEXT_H_

#include <string>
#include <string_view>
#include <type_traits>

#include "concurry/core/option_values.h"

namespace concurry {

class Text {
 public:
  Text(const char* s) : s_(s) {}
  Text(std::string s) : s_(std::move(s)) {}
  Text(std::string_view s) : s_(s) {}
  template <class E, class = std::enable_if_t<std::is_enum_v<E>>,
            class = decltype(to_string(std::declval<E>()))>
  Text(E value) : s_(to_string(value)) {}

  const std::string& str() const { return s_; }
  bool operator==(const Text& other) const { return s_ == other.s_; }

 private:
  std::string s_;
};

}  // namespace concurry

#endif  // CONCURRY_CORE_OPTIONS_TEXT_H_
