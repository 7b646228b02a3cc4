#include "concurry/core/json_values.h"

#include <algorithm>

#include <cxxabi.h>

#include <cstdlib>
#include <memory>

#include "rapidjson/document.h"
#include "rapidjson/error/en.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace concurry::internal {
namespace {

std::string to_text(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

// Removes the template arguments people never write: allocators, comparators, char traits.
std::string drop_defaults(std::string name) {
  for (const char* noise : {", std::allocator<", ", std::less<", ", std::char_traits<",
                            ", std::hash<", ", std::equal_to<"}) {
    for (size_t at = name.find(noise); at != std::string::npos; at = name.find(noise, at)) {
      size_t i = at + std::char_traits<char>::length(noise);
      for (int depth = 1; i < name.size() && depth > 0; ++i) {
        if (name[i] == '<') ++depth;
        if (name[i] == '>') --depth;
      }
      name.erase(at, i - at);
    }
  }
  for (size_t at = name.find(" >"); at != std::string::npos; at = name.find(" >", at)) {
    name.erase(at, 1);
  }
  return name;
}

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
}

}  // namespace

std::string readable_type(const std::type_info& type) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> out(
      abi::__cxa_demangle(type.name(), nullptr, nullptr, &status), std::free);
  std::string name = status == 0 && out ? std::string(out.get()) : std::string(type.name());
  replace_all(name, "std::__cxx11::", "std::");
  name = drop_defaults(std::move(name));
  replace_all(name, "std::basic_string<char>", "std::string");
  return name;
}

// The deepest nesting of arrays and objects in `json`, read as text (no recursion): brackets
// inside strings do not count.
static size_t json_depth(const std::string& json) {
  size_t depth = 0, deepest = 0;
  bool in_string = false;
  for (size_t i = 0; i < json.size(); ++i) {
    char c = json[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // the escaped character
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

std::vector<std::string> split_json_arguments(const std::string& json, size_t arity,
                                              const std::string& what,
                                              const std::string& signature) {
  if (size_t depth = json_depth(json); depth > kMaxJsonDepth) {
    throw JsonArgumentError(what + ": the arguments nest " + std::to_string(depth) +
                            " levels deep; at most " + std::to_string(kMaxJsonDepth) +
                            " are allowed");
  }
  rapidjson::Document doc;
  doc.Parse(json.c_str(), json.size());
  if (doc.HasParseError()) {
    throw JsonArgumentError(what + ": the arguments are not valid JSON (" +
                            rapidjson::GetParseError_En(doc.GetParseError()) + " at offset " +
                            std::to_string(doc.GetErrorOffset()) + ")");
  }
  if (!doc.IsArray()) {
    throw JsonArgumentError(what + ": the arguments must be a JSON array like [1, \"x\"] for " +
                            what + signature + "; got " + describe_json(json));
  }
  if (doc.Size() != arity) {
    throw JsonArgumentError(what + signature + " takes " + std::to_string(arity) + " argument" +
                            (arity == 1 ? "" : "s") + "; got " + std::to_string(doc.Size()));
  }
  std::vector<std::string> parts;
  for (const auto& v : doc.GetArray()) parts.push_back(to_text(v));
  return parts;
}

std::string describe_json(const std::string& json) {
  rapidjson::Document doc;
  doc.Parse(json.c_str(), json.size());
  if (doc.HasParseError()) return "invalid JSON";
  std::string text = to_text(doc);
  if (text.size() > 40) text = text.substr(0, 37) + "...";
  if (doc.IsString()) return "the string " + text;
  if (doc.IsBool()) return "the boolean " + text;
  if (doc.IsNull()) return "null";
  if (doc.IsNumber()) return "the number " + text;
  if (doc.IsArray()) return "the array " + text;
  return "the object " + text;
}

std::string unwrap_json_value(const std::string& wrapped) {
  rapidjson::Document doc;
  doc.Parse(wrapped.c_str(), wrapped.size());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("value0")) {
    throw Error("cannot turn a result into JSON: the archive wrote " + wrapped);
  }
  return to_text(doc["value0"]);
}

}  // namespace concurry::internal
