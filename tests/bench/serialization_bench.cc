// Decoding value bytes: concurry's decode_tuple (core/bounded_input_archive.h, every size
// checked, read in place) against cereal's own PortableBinaryInputArchive over a copy of the
// bytes in an std::istringstream (what decode_tuple did before), same bytes, same run.
//   bazel run -c opt //tests/bench:serialization_bench
// Target: no row slower than the baseline (ratio <= 1.0 within noise).
#include <cereal/archives/portable_binary.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "concurry/core/serialization.h"

namespace {

using Clock = std::chrono::steady_clock;
using concurry::internal::Bytes;

template <class Tuple>
Tuple decode_with_istream(const Bytes& bytes) {
  Tuple values;
  std::istringstream in(bytes, std::ios::binary);
  cereal::PortableBinaryInputArchive archive(in);
  std::apply([&](auto&... v) { (archive(v), ...); }, values);
  return values;
}

template <class F>
double ns_per_decode(int rounds, F&& decode) {
  size_t sink = 0;
  auto start = Clock::now();
  for (int i = 0; i < rounds; ++i) sink += decode();
  double ns = std::chrono::duration<double, std::nano>(Clock::now() - start).count() / rounds;
  if (sink == 42) std::printf(" ");  // keeps the work
  return ns;
}

template <class Tuple>
void row(const char* name, const Bytes& bytes, int rounds) {
  // Something of the result, so that the decode is used.
  auto size_of = [](const Tuple& t) {
    return std::get<0>(t) == std::tuple_element_t<0, Tuple>{} ? size_t{0} : size_t{1};
  };
  double ours = 1e300, theirs = 1e300;
  for (int series = 0; series < 5; ++series) {  // alternating, best of each
    theirs = std::min(theirs, ns_per_decode(rounds, [&] {
                        return size_of(decode_with_istream<Tuple>(bytes));
                      }));
    ours = std::min(ours, ns_per_decode(rounds, [&] {
                      return size_of(concurry::internal::decode_tuple<Tuple>(bytes));
                    }));
  }
  std::printf("%-44s %7zu B  %9.1f ns  %9.1f ns  %5.2fx\n", name, bytes.size(), ours, theirs,
              ours / theirs);
}

}  // namespace

int main() {
  using concurry::internal::encode;
  std::printf("%-44s %9s  %12s  %12s  %6s\n", "arguments", "bytes", "concurry", "istream",
              "ratio");
  row<std::tuple<int>>("(int)", encode(7), 2000000);
  row<std::tuple<int, int>>("(int, int)", encode(1, 2), 2000000);
  row<std::tuple<std::string, double>>("(std::string[16], double)",
                                       encode(std::string(16, 'x'), 2.5), 1000000);
  std::vector<std::string> words(100, "word");
  row<std::tuple<std::vector<std::string>>>("(std::vector<std::string>[100])", encode(words),
                                            200000);
  std::map<std::string, std::vector<int>> nested;
  for (int i = 0; i < 20; ++i) nested["key" + std::to_string(i)] = std::vector<int>(10, i);
  row<std::tuple<std::map<std::string, std::vector<int>>>>(
      "(std::map<std::string, std::vector<int>>[20])", encode(nested), 200000);
  row<std::tuple<std::vector<double>>>("(std::vector<double>[100000])",
                                       encode(std::vector<double>(100000, 1.5)), 2000);
  row<std::tuple<std::string>>("(std::string[1 MiB])", encode(std::string(1 << 20, 'y')), 500);
}
