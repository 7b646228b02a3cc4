#include "concurry/core/registry.h"

#include <mutex>

#include "concurry/core/errors.h"
#include "concurry/core/option_values.h"

namespace concurry::internal {
namespace {

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out.empty() ? "(none)" : out;
}

template <class Map>
std::vector<std::string> keys(const Map& m) {
  std::vector<std::string> out;
  for (const auto& [k, v] : m) out.push_back(k);
  return out;
}

std::string suggestion(const std::string& name, const std::vector<std::string>& known) {
  std::string near = nearest_spelling(name, known);
  return near.empty() ? "" : "; did you mean '" + near + "'?";
}

}  // namespace

struct Registry::Impl {
  mutable std::mutex mu;
  std::map<std::string, ClassEntry> classes;
  std::map<std::string, FunctionEntry> functions;
  std::map<const void*, std::string> function_by_address;
};

Registry& Registry::get() {
  static Registry* r = new Registry();  // never destroyed: usable from static destructors
  return *r;
}

Registry::Impl& Registry::impl() const {
  static Impl* impl = new Impl();
  return *impl;
}

const MethodEntry& ClassEntry::method(const std::string& method_name) const {
  auto it = methods.find(method_name);
  if (it == methods.end()) {
    auto known = keys(methods);
    throw MethodNotFoundError("class '" + name + "' has no registered method '" + method_name +
                              "'; its methods: " + join(known) + suggestion(method_name, known));
  }
  return it->second;
}

bool Registry::add_class(ClassEntry entry) {
  Impl& i = impl();
  std::lock_guard<std::mutex> lock(i.mu);
  std::string name = entry.name;
  i.classes.insert_or_assign(name, std::move(entry));
  return true;
}

bool Registry::add_function(FunctionEntry entry) {
  Impl& i = impl();
  std::lock_guard<std::mutex> lock(i.mu);
  i.function_by_address[entry.address] = entry.name;
  std::string name = entry.name;
  i.functions.insert_or_assign(name, std::move(entry));
  return true;
}

const ClassEntry& Registry::find_class(const std::string& name) const {
  Impl& i = impl();
  std::lock_guard<std::mutex> lock(i.mu);
  auto it = i.classes.find(name);
  if (it == i.classes.end()) {
    auto known = keys(i.classes);
    throw MethodNotFoundError("no worker class named '" + name +
                              "' is registered (CONCURRY_WORKER); registered classes: " +
                              join(known) + suggestion(name, known));
  }
  return it->second;  // entries are never removed, so the reference stays valid
}

const FunctionEntry& Registry::find_function(const std::string& name) const {
  Impl& i = impl();
  std::lock_guard<std::mutex> lock(i.mu);
  auto it = i.functions.find(name);
  if (it == i.functions.end()) {
    auto known = keys(i.functions);
    throw MethodNotFoundError("no function named '" + name +
                              "' is registered (CONCURRY_FUNCTION); registered functions: " +
                              join(known) + suggestion(name, known));
  }
  return it->second;
}

std::string Registry::function_name(const void* address) const {
  Impl& i = impl();
  std::lock_guard<std::mutex> lock(i.mu);
  auto it = i.function_by_address.find(address);
  return it == i.function_by_address.end() ? std::string() : it->second;
}

std::vector<std::string> Registry::class_names() const {
  Impl& i = impl();
  std::lock_guard<std::mutex> lock(i.mu);
  return keys(i.classes);
}

std::vector<std::string> Registry::function_names() const {
  Impl& i = impl();
  std::lock_guard<std::mutex> lock(i.mu);
  return keys(i.functions);
}

}  // namespace concurry::internal
