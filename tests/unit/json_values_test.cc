// JSON arguments and results (what `concurry call` sends to a node): each registered method and
// function converts a JSON array to its parameters and its result to JSON, in cereal's JSON form,
// and says which argument did not fit, as what C++ type, and what JSON it got.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "concurry/concurry.h"
#include "concurry/core/wire.h"

namespace json_test {

struct Point {
  int x = 0;
  int y = 0;
  template <class Archive>
  void serialize(Archive& ar) {
    ar(cereal::make_nvp("x", x), cereal::make_nvp("y", y));
  }
};

class Shapes {
 public:
  Point shift(Point p, int dx) { return Point{p.x + dx, p.y}; }
  std::map<std::string, int> count(std::vector<std::string> words) {
    std::map<std::string, int> out;
    for (const auto& w : words) ++out[w];
    return out;
  }
  std::optional<double> half(std::optional<double> v) {
    if (!v) return std::nullopt;
    return *v / 2;
  }
  void reset() {}
  concurry::Async<std::string> greet(std::string who) { co_return "hello " + who; }
};

int add(int a, int b) { return a + b; }
std::string repeat(std::string s, unsigned n, bool loud) {
  std::string out;
  for (unsigned i = 0; i < n; ++i) out += loud ? s + "!" : s;
  return out;
}

}  // namespace json_test

CONCURRY_WORKER(json_test::Shapes, shift, count, half, reset, greet);
CONCURRY_FUNCTION(json_test::add);
CONCURRY_FUNCTION(json_test::repeat);

namespace concurry::internal {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// A function call the way the node runs it: JSON in, the registry's bytes path, JSON out.
std::string call_function(const std::string& name, const std::string& json) {
  const FunctionEntry& fn = Registry::get().find_function(name);
  return fn.result_to_json(fn.invoke(fn.args_from_json(json, name)));
}

std::string call_method(void* instance, const std::string& method, const std::string& json) {
  const MethodEntry& m = Registry::get().find_class("json_test::Shapes").method(method);
  return m.result_to_json(m.invoke(instance, m.args_from_json(json, "Shapes::" + method)));
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const JsonArgumentError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(JsonValuesTest, FunctionsTakeAJsonArrayAndAnswerJson) {
  EXPECT_EQ(call_function("json_test::add", "[2, 40]"), "42");
  EXPECT_EQ(call_function("json_test::repeat", R"(["ab", 2, true])"), R"("ab!ab!")");
}

TEST(JsonValuesTest, MethodsConvertContainersOptionalsAndOwnTypes) {
  json_test::Shapes shapes;
  EXPECT_EQ(call_method(&shapes, "shift", R"([{"x": 1, "y": 2}, 10])"), R"({"x":11,"y":2})");
  EXPECT_EQ(call_method(&shapes, "count", R"([["a", "b", "a"]])"),
            R"([{"key":"a","value":2},{"key":"b","value":1}])");
  EXPECT_EQ(call_method(&shapes, "half", R"([{"nullopt": false, "data": 3.0}])"),
            R"({"nullopt":false,"data":1.5})");
  EXPECT_EQ(call_method(&shapes, "reset", "[]"), "null");
  EXPECT_EQ(call_method(&shapes, "greet", R"(["you"])"), R"("hello you")");
}

TEST(JsonValuesTest, SignaturesReadAsWritten) {
  const auto& cls = Registry::get().find_class("json_test::Shapes");
  EXPECT_EQ(cls.method("count").signature, "(std::vector<std::string>)");
  EXPECT_EQ(cls.method("shift").signature, "(json_test::Point, int)");
  EXPECT_EQ(Registry::get().find_function("json_test::repeat").signature,
            "(std::string, unsigned int, bool)");
  EXPECT_EQ(readable_type(typeid(std::map<std::string, std::vector<int>>)),
            "std::map<std::string, std::vector<int>>");
}

TEST(JsonValuesTest, JsonThatDoesNotFitSaysWhatWasWrong) {
  EXPECT_THAT(error_of([] { call_function("json_test::add", "[1, \"x\"]"); }),
              HasSubstr("json_test::add: argument 2 must be int; got the string \"x\""));
  EXPECT_THAT(error_of([] { call_function("json_test::add", "[1, 2, 3]"); }),
              HasSubstr("json_test::add(int, int) takes 2 arguments; got 3"));
  EXPECT_THAT(error_of([] { call_function("json_test::add", "[1, "); }),
              HasSubstr("not valid JSON"));
  EXPECT_THAT(error_of([] { call_function("json_test::add", "{\"a\": 1}"); }),
              HasSubstr("must be a JSON array"));
  EXPECT_THAT(error_of([] { call_function("json_test::repeat", R"(["a", 1.5, true])"); }),
              HasSubstr("argument 2 must be unsigned int; got the number 1.5"));
  json_test::Shapes shapes;
  EXPECT_THAT(error_of([&] { call_method(&shapes, "shift", R"([{"x": 1}, 1])"); }),
              HasSubstr("argument 1 must be json_test::Point; got the object {\"x\":1}"));
  EXPECT_THAT(error_of([&] { call_method(&shapes, "count", R"([["a", 2]])"); }),
              HasSubstr("argument 1 must be std::vector<std::string>"));
}

TEST(JsonValuesTest, HostileNestingIsRefusedBeforeItIsParsed) {
  // 150,000 levels (300 KB) once overflowed the recursive parser's stack and killed the node.
  std::string deep = "[1, " + std::string(150000, '[') + std::string(150000, ']') + "]";
  EXPECT_THAT(error_of([&] { call_function("json_test::add", deep); }),
              HasSubstr("nest 150001 levels deep; at most 128 are allowed"));
  // Brackets inside strings are text, not nesting.
  EXPECT_THAT(error_of([] {
                call_function("json_test::repeat", "[\"" + std::string(1000, '[') + "\", 1, true]");
              }),
              Not(HasSubstr("levels deep")));
}

}  // namespace
}  // namespace concurry::internal
