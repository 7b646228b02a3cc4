// Registry + wire: by-name construction and calls through bytes in the protobuf envelope,
// exceptions across the boundary, malformed bytes, unknown names.
#include <gtest/gtest.h>

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "concurry/concurry.h"
#include "concurry/core/wire.h"

namespace wire_test {

struct Point {
  int x = 0;
  int y = 0;
  template <class Archive>
  void serialize(Archive& ar) {
    ar(x, y);
  }
};

class ParseError : public std::runtime_error {
 public:
  explicit ParseError(const std::string& m) : std::runtime_error(m) {}
};
class Unregistered : public std::runtime_error {
 public:
  explicit Unregistered(const std::string& m) : std::runtime_error(m) {}
};

class Account {
 public:
  Account() = default;
  Account(std::string owner, double balance) : owner_(std::move(owner)), balance_(balance) {}
  double deposit(double amount) { return balance_ += amount; }
  std::string owner() const { return owner_; }
  Point move(Point p, int dx) { return Point{p.x + dx, p.y}; }
  std::map<std::string, std::vector<int>> table(int n) const {
    return {{"n", std::vector<int>(n, 7)}};
  }
  void fail(int kind) {
    if (kind == 0) throw std::out_of_range("slot 9");
    if (kind == 1) throw ParseError("bad token");
    throw Unregistered("secret");
  }

 private:
  std::string owner_ = "nobody";
  double balance_ = 0;
};

int triple(int x) { return 3 * x; }

class Coro {
 public:
  concurry::Async<int> later(int x) {
    co_await concurry::sleep(std::chrono::milliseconds(1));
    co_return x + 1;
  }
  int plus(concurry::Future<int> f) { return f.result() + 100; }
};

}  // namespace wire_test

CONCURRY_WORKER(wire_test::Account, CONCURRY_INIT(), CONCURRY_INIT(std::string, double), deposit,
                owner, move, table, fail);
CONCURRY_FUNCTION(wire_test::triple);
CONCURRY_EXCEPTION(wire_test::ParseError);
CONCURRY_WORKER(wire_test::Coro, later, plus);

namespace concurry::internal {
namespace {

using wire_test::Account;
using wire_test::Point;

Bytes call_bytes(uint64_t id, const std::string& method, Bytes args) {
  return encode_call(CallMessage{id, "wire_test::Account", method, std::move(args), 0});
}

TEST(RegistryTest, ConstructsByNameWithEachSignature) {
  const ClassEntry& cls = Registry::get().find_class("wire_test::Account");
  ASSERT_EQ(cls.ctors.size(), 2u);
  auto bob = construct_instance(
      CallMessage{1, "wire_test::Account", kInitMethod, encode(std::string("bob"), 10.0), 1});
  Bytes reply = execute_method(cls, bob.get(), call_bytes(2, "owner", encode()));
  EXPECT_EQ(result_from_reply<std::string>(reply), "bob");
  auto anon = construct_instance(CallMessage{3, "wire_test::Account", kInitMethod, encode(), 0});
  reply = execute_method(cls, anon.get(), call_bytes(4, "owner", encode()));
  EXPECT_EQ(result_from_reply<std::string>(reply), "nobody");
}

TEST(RegistryTest, MethodCallsRoundTripThroughBytesAndKeepState) {
  const ClassEntry& cls = Registry::get().find_class("wire_test::Account");
  auto acct = construct_instance(
      CallMessage{1, "wire_test::Account", kInitMethod, encode(std::string("ann"), 5.0), 1});
  execute_method(cls, acct.get(), call_bytes(2, "deposit", encode_args<std::tuple<double>>(2)));
  Bytes reply =
      execute_method(cls, acct.get(), call_bytes(3, "deposit", encode_args<std::tuple<double>>(3)));
  EXPECT_EQ(decode_reply(reply).call_id, 3u);
  EXPECT_DOUBLE_EQ(result_from_reply<double>(reply), 10.0);

  reply = execute_method(cls, acct.get(),
                         call_bytes(4, "move", encode_args<std::tuple<Point, int>>(Point{1, 2}, 5)));
  Point p = result_from_reply<Point>(reply);
  EXPECT_EQ(p.x, 6);
  EXPECT_EQ(p.y, 2);

  reply = execute_method(cls, acct.get(), call_bytes(5, "table", encode(3)));
  auto table = result_from_reply<std::map<std::string, std::vector<int>>>(reply);
  EXPECT_EQ(table["n"], (std::vector<int>{7, 7, 7}));
}

TEST(RegistryTest, ExceptionsCrossAsThemselvesOrRemoteError) {
  const ClassEntry& cls = Registry::get().find_class("wire_test::Account");
  auto acct = construct_instance(CallMessage{1, "wire_test::Account", kInitMethod, encode(), 0});
  Bytes std_error = execute_method(cls, acct.get(), call_bytes(2, "fail", encode(0)));
  EXPECT_THROW(result_from_reply<void>(std_error), std::out_of_range);
  Bytes registered = execute_method(cls, acct.get(), call_bytes(3, "fail", encode(1)));
  try {
    result_from_reply<void>(registered);
    FAIL() << "expected ParseError";
  } catch (const wire_test::ParseError& e) {
    EXPECT_STREQ(e.what(), "bad token");
  }
  Bytes other = execute_method(cls, acct.get(), call_bytes(4, "fail", encode(2)));
  try {
    result_from_reply<void>(other);
    FAIL() << "expected RemoteError";
  } catch (const RemoteError& e) {
    EXPECT_EQ(e.type_name(), "wire_test::Unregistered");
    EXPECT_EQ(e.message(), "secret");
    EXPECT_EQ(e.where(), "wire_test::Account::fail");
  }
}

TEST(RegistryTest, UnknownNamesGiveMethodNotFound) {
  const ClassEntry& cls = Registry::get().find_class("wire_test::Account");
  auto acct = construct_instance(CallMessage{1, "wire_test::Account", kInitMethod, encode(), 0});
  Bytes reply = execute_method(cls, acct.get(), call_bytes(2, "deposti", encode(1.0)));
  try {
    result_from_reply<double>(reply);
    FAIL() << "expected MethodNotFoundError";
  } catch (const MethodNotFoundError& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("no registered method 'deposti'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("did you mean 'deposit'?"), std::string::npos) << msg;
  }
  try {
    Registry::get().find_class("wire_test::Acount");
    FAIL() << "expected MethodNotFoundError";
  } catch (const MethodNotFoundError& e) {
    EXPECT_NE(std::string(e.what()).find("wire_test::Account"), std::string::npos);
  }
  EXPECT_THROW(construct_instance(CallMessage{1, "wire_test::Account", kInitMethod, encode(), 7}),
               MethodNotFoundError);
}

TEST(RegistryTest, MalformedBytesAreErrorsNotCrashes) {
  const ClassEntry& cls = Registry::get().find_class("wire_test::Account");
  auto acct = construct_instance(CallMessage{1, "wire_test::Account", kInitMethod, encode(), 0});
  // Garbage where the envelope should be.
  Bytes reply = execute_method(cls, acct.get(), Bytes("\xff\xff\xff\x01garbage", 11));
  EXPECT_THROW(result_from_reply<double>(reply), Error);
  // A good envelope whose argument bytes are too short for a double.
  reply = execute_method(cls, acct.get(), call_bytes(2, "deposit", Bytes("\x01\x02", 2)));
  try {
    result_from_reply<double>(reply);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("malformed value bytes"), std::string::npos) << e.what();
  }
  // Trailing bytes are refused too.
  reply = execute_method(cls, acct.get(), call_bytes(3, "deposit", encode(1.0) + "xx"));
  EXPECT_THROW(result_from_reply<double>(reply), Error);
  EXPECT_THROW(decode_reply(Bytes("\x08\x01", 2)), Error);  // neither value nor error
}

TEST(RegistryTest, FunctionsByNameAndPointer) {
  EXPECT_EQ(Registry::get().function_name(reinterpret_cast<const void*>(&wire_test::triple)),
            "wire_test::triple");
  Bytes reply = execute_function(encode_call(CallMessage{9, "wire_test::triple", "", encode(14), 0}));
  EXPECT_EQ(result_from_reply<int>(reply), 42);
  reply = execute_function(encode_call(CallMessage{9, "wire_test::tripel", "", encode(14), 0}));
  EXPECT_THROW(result_from_reply<int>(reply), MethodNotFoundError);
}

TEST(RegistryTest, CoroutineMethodsAndFutureParametersByName) {
  const ClassEntry& cls = Registry::get().find_class("wire_test::Coro");
  auto coro = construct_instance(CallMessage{1, "wire_test::Coro", kInitMethod, encode(), 0});
  Bytes reply = execute_method(
      cls, coro.get(), encode_call(CallMessage{2, "wire_test::Coro", "later", encode(41), 0}));
  EXPECT_EQ(result_from_reply<int>(reply), 42);  // the coroutine ran to completion on the host
  reply = execute_method(
      cls, coro.get(), encode_call(CallMessage{3, "wire_test::Coro", "plus", encode(1), 0}));
  EXPECT_EQ(result_from_reply<int>(reply), 101);  // a Future parameter travels as its value
}

TEST(ErrorCodecTest, ConcurryErrorsKeepTheirType) {
  auto record = describe_exception(std::make_exception_ptr(TimeoutError("late")), "X::y");
  EXPECT_EQ(record.code, ErrorCode::kTimeout);
  EXPECT_EQ(record.type, "concurry::TimeoutError");
  EXPECT_THROW(raise_error(record), TimeoutError);
  record = describe_exception(std::make_exception_ptr(42), "X::z");
  EXPECT_EQ(record.type, "int");
  EXPECT_THROW(raise_error(record), RemoteError);
}

}  // namespace
}  // namespace concurry::internal
