// Value bytes (core/serialization.h): every type the project sends round-trips unchanged, and
// bytes that lie — a size prefix claiming more than follows, a cut, a wrong first byte, trailing
// garbage — are refused with concurry::Error naming what was wrong, quickly and without
// allocating what they claim (measured with tests/support/alloc_meter).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <variant>
#include <vector>

#include "concurry/core/errors.h"
#include "concurry/core/serialization.h"
#include "tests/support/alloc_meter.h"

namespace {

using concurry::internal::Bytes;
using concurry::internal::decode;
using concurry::internal::decode_tuple;
using concurry::internal::encode;
using ::testing::HasSubstr;

struct Point {
  int x = 0;
  std::string label;
  bool operator==(const Point&) const = default;
  template <class Archive>
  void serialize(Archive& ar) {
    ar(x, label);
  }
};

// A type written with save_minimal/load_minimal (cereal pairs the archives for these).
struct Meters {
  double value = 0;
  bool operator==(const Meters&) const = default;
  template <class Archive>
  double save_minimal(const Archive&) const {
    return value;
  }
  template <class Archive>
  void load_minimal(const Archive&, const double& v) {
    value = v;
  }
};

// The byte-order byte, then a size prefix (cereal writes uint64, little-endian here).
Bytes prefix(uint64_t count) {
  Bytes out(1, '\x01');
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((count >> (8 * i)) & 0xff));
  return out;
}

constexpr uint64_t kOneGiB = uint64_t{1} << 30;
constexpr size_t kLittle = 1 << 20;  // "nothing much": 1 MiB of heap at the peak

template <class T>
void expect_refused(const Bytes& bytes, const std::string& what) {
  concurry_test::AllocMeter meter;
  auto start = std::chrono::steady_clock::now();
  try {
    decode<T>(bytes);
    ADD_FAILURE() << "decoded " << bytes.size() << " lying bytes";
  } catch (const concurry::Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("malformed value bytes"));
    EXPECT_THAT(e.what(), HasSubstr(what));
  }
  EXPECT_LT(meter.peak_bytes(), kLittle);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(100));
}

TEST(SerializationTest, EveryContainerAndValueKindRoundTrips) {
  using All = std::tuple<std::string, std::wstring, std::vector<int64_t>, std::vector<bool>,
                         std::vector<std::string>, std::vector<std::vector<double>>,
                         std::map<std::string, std::vector<int>>, std::set<int>, std::deque<Point>,
                         std::unordered_map<int, std::string>, std::unordered_set<std::string>,
                         std::optional<std::string>, std::variant<int, std::string>,
                         std::array<int, 3>, std::pair<int, float>, std::chrono::milliseconds,
                         Point, Meters, std::vector<Point>, std::vector<Meters>>;
  All values{"hello",
             L"wide",
             {1, -2, int64_t{1} << 40},
             {true, false, true},
             {"a", "", "ccc"},
             {{1.5}, {}, {2.5, 3.5}},
             {{"k", {1, 2}}, {"", {}}},
             {3, 1, 2},
             {Point{1, "p"}, Point{2, ""}},
             {{1, "one"}, {2, "two"}},
             {"x", "y"},
             std::string("o"),
             std::string("variant"),
             {7, 8, 9},
             {1, 2.5f},
             std::chrono::milliseconds(12),
             Point{5, "five"},
             Meters{2.5},
             {Point{6, "six"}},
             {Meters{1}, Meters{2}}};
  Bytes bytes = std::apply([](const auto&... v) { return encode(v...); }, values);
  EXPECT_EQ(decode_tuple<All>(bytes), values);

  // Empty containers and empty strings are the edge of every size check.
  using Empties = std::tuple<std::string, std::vector<int>, std::vector<std::string>,
                             std::map<int, int>, std::deque<int>, std::unordered_set<int>>;
  EXPECT_EQ(decode_tuple<Empties>(encode(std::string(), std::vector<int>(),
                                         std::vector<std::string>(), std::map<int, int>(),
                                         std::deque<int>(), std::unordered_set<int>())),
            Empties());
}

TEST(SerializationTest, StringClaimingOneGiBWithTwentyBytesIsRefusedWithoutAllocating) {
  Bytes bytes = prefix(kOneGiB) + "eleven byte";
  ASSERT_EQ(bytes.size(), 20u);
  expect_refused<std::string>(bytes, "claims 1073741824 elements but only 11 bytes follow");
}

TEST(SerializationTest, EveryContainerRefusesASizePrefixLongerThanItsBytes) {
  Bytes bytes = prefix(kOneGiB) + std::string(64, '\x01');
  expect_refused<std::vector<char>>(bytes, "claims 1073741824 elements");
  expect_refused<std::vector<int64_t>>(bytes, "claims 1073741824 elements");
  expect_refused<std::vector<bool>>(bytes, "claims 1073741824 elements");
  expect_refused<std::vector<std::string>>(bytes, "claims 1073741824 elements");
  expect_refused<std::vector<Point>>(bytes, "claims 1073741824 elements");
  expect_refused<std::deque<std::string>>(bytes, "claims 1073741824 elements");
  expect_refused<std::map<std::string, int>>(bytes, "claims 1073741824 elements");
  expect_refused<std::set<int>>(bytes, "claims 1073741824 elements");
  expect_refused<std::unordered_map<int, int>>(bytes, "claims 1073741824 elements");
  expect_refused<std::unordered_set<std::string>>(bytes, "claims 1073741824 elements");
  expect_refused<std::wstring>(bytes, "claims 1073741824 elements");
  expect_refused<std::vector<std::vector<std::string>>>(bytes, "claims 1073741824 elements");
  // The largest claim there is: no overflow in the checks.
  expect_refused<std::vector<int64_t>>(prefix(~uint64_t{0}) + "x", "claims 18446744073709551615");
}

TEST(SerializationTest, ACountTheBytesCannotHoldIsRefusedAtItsPrefix) {
  // 1 MiB claiming one element per byte: elements whose encoding needs more than a byte are
  // refused at the size prefix, before any of them is allocated (claimed: 8 MiB, ~88 MB).
  Bytes bytes = prefix(kLittle) + std::string(kLittle, '\0');
  expect_refused<std::vector<int64_t>>(bytes, "claims 1048576 elements of 8+ bytes");
  using Row = std::tuple<int, std::string, double, double, std::string>;
  expect_refused<std::vector<Row>>(bytes, "claims 1048576 elements of 36+ bytes");
  expect_refused<std::deque<std::vector<int>>>(bytes, "claims 1048576 elements of 8+ bytes");
  expect_refused<std::unordered_set<std::string>>(bytes, "claims 1048576 elements of 8+ bytes");
}

TEST(SerializationTest, ElementsOfUnknownSizeAreAllocatedOnlyAsTheyDecode) {
  // A type of your own could encode to a byte, so 1M Points may stand behind 1 MiB: the vector
  // reserves at most 4x the bytes and grows as Points decode; the 87,381 all-zero Points that
  // do decode are all it holds when the bytes run out (claimed: 1M Points, 40 MB).
  Bytes bytes = prefix(kLittle) + std::string(kLittle, '\0');
  concurry_test::AllocMeter meter;
  EXPECT_THROW(decode<std::vector<Point>>(bytes), concurry::Error);
  EXPECT_THROW(decode<std::deque<Point>>(bytes), concurry::Error);
  EXPECT_LT(meter.peak_bytes(), 8 * kLittle);
}

TEST(SerializationTest, EveryCutOfAValidEncodingIsRefused) {
  Bytes bytes = encode(std::string("name"), std::vector<std::string>{"a", "bc"},
                       std::map<int, std::string>{{1, "x"}}, Point{3, "p"});
  using T = std::tuple<std::string, std::vector<std::string>, std::map<int, std::string>, Point>;
  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_THROW(decode_tuple<T>(bytes.substr(0, n)), concurry::Error) << "cut at " << n;
  }
  EXPECT_NO_THROW(decode_tuple<T>(bytes));
}

TEST(SerializationTest, WrongByteOrderByteAndTrailingBytesAreRefused) {
  Bytes bytes = encode(42);
  bytes[0] = '\x07';
  try {
    decode<int>(bytes);
    ADD_FAILURE() << "decoded a byte-order byte of 7";
  } catch (const concurry::Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("the first byte (byte order) is 7"));
  }
  try {
    decode<int>(encode(42) + "xy");
    ADD_FAILURE() << "decoded trailing bytes";
  } catch (const concurry::Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("2 unexpected trailing bytes"));
  }
  try {
    decode<int>(Bytes());
    ADD_FAILURE() << "decoded nothing";
  } catch (const concurry::Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("needs 1 more bytes at offset 0"));
  }
}

TEST(SerializationTest, BigEndianBytesStillDecode) {
  // What a big-endian peer writes for (int32 258, "ab"): cereal swaps on read.
  Bytes bytes("\x00\x00\x00\x01\x02\x00\x00\x00\x00\x00\x00\x00\x02" "ab", 15);
  EXPECT_EQ((decode_tuple<std::tuple<int32_t, std::string>>(bytes)),
            (std::tuple<int32_t, std::string>{258, "ab"}));
}

}  // namespace
