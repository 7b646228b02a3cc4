// MessageFuzzer: hostile protobuf requests for the RPC fuzz test. fill() sets the fields of any
// message through reflection — each field present or not, numbers from a list of edge values
// (0, -1, limits, NaN, ±inf, sizes like 10^7) or random, strings from a dictionary (ids and
// names the cluster really has, path escapes, control characters, 100 KiB runs) or random
// characters (any bytes in `bytes` fields; valid UTF-8 in `string` fields, which proto3 refuses
// otherwise before any handler runs),
// repeated fields of 0-4 (now and then 1000) elements, nested messages to a bounded depth.
// mutate() then damages the encoded bytes (flips, truncation, inserted and repeated runs) so
// that decoders see malformed wire data as well as well-formed lies. Deterministic per seed.
#ifndef CONCURRY_TESTS_INTEGRATION_MESSAGE_FUZZER_H_
#define CONCURRY_TESTS_INTEGRATION_MESSAGE_FUZZER_H_

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace concurry_test {

class MessageFuzzer {
 public:
  explicit MessageFuzzer(uint64_t seed) : rng_(seed) {}

  // Strings the cluster really uses (node and actor ids, class names...), so that requests
  // reach past the first lookup.
  void add_word(std::string word) { words_.push_back(std::move(word)); }

  void fill(google::protobuf::Message* m, int depth = 0) {
    using FD = google::protobuf::FieldDescriptor;
    const google::protobuf::Descriptor* d = m->GetDescriptor();
    const google::protobuf::Reflection* r = m->GetReflection();
    for (int i = 0; i < d->field_count(); ++i) {
      const FD* f = d->field(i);
      if (chance(0.35)) continue;  // absent
      int n = 1;
      if (f->is_repeated()) n = chance(0.05) ? 1000 : static_cast<int>(below(5));
      for (int k = 0; k < n; ++k) {
        switch (f->cpp_type()) {
          case FD::CPPTYPE_INT32: set(r, m, f, &google::protobuf::Reflection::SetInt32,
                                      &google::protobuf::Reflection::AddInt32,
                                      static_cast<int32_t>(integer())); break;
          case FD::CPPTYPE_INT64: set(r, m, f, &google::protobuf::Reflection::SetInt64,
                                      &google::protobuf::Reflection::AddInt64, integer()); break;
          case FD::CPPTYPE_UINT32: set(r, m, f, &google::protobuf::Reflection::SetUInt32,
                                       &google::protobuf::Reflection::AddUInt32,
                                       static_cast<uint32_t>(integer())); break;
          case FD::CPPTYPE_UINT64: set(r, m, f, &google::protobuf::Reflection::SetUInt64,
                                       &google::protobuf::Reflection::AddUInt64,
                                       static_cast<uint64_t>(integer())); break;
          case FD::CPPTYPE_DOUBLE: set(r, m, f, &google::protobuf::Reflection::SetDouble,
                                       &google::protobuf::Reflection::AddDouble, real()); break;
          case FD::CPPTYPE_FLOAT: set(r, m, f, &google::protobuf::Reflection::SetFloat,
                                      &google::protobuf::Reflection::AddFloat,
                                      static_cast<float>(real())); break;
          case FD::CPPTYPE_BOOL: set(r, m, f, &google::protobuf::Reflection::SetBool,
                                     &google::protobuf::Reflection::AddBool, chance(0.5)); break;
          case FD::CPPTYPE_ENUM: set(r, m, f, &google::protobuf::Reflection::SetEnumValue,
                                     &google::protobuf::Reflection::AddEnumValue,
                                     static_cast<int>(integer())); break;
          case FD::CPPTYPE_STRING: set(r, m, f, &google::protobuf::Reflection::SetString,
                                       &google::protobuf::Reflection::AddString,
                                       text(f->type() == FD::TYPE_STRING)); break;
          case FD::CPPTYPE_MESSAGE:
            if (depth >= 4) break;
            fill(f->is_repeated() ? r->AddMessage(m, f) : r->MutableMessage(m, f), depth + 1);
            break;
        }
      }
    }
  }

  // The encoded bytes, damaged in one of several ways (or left whole, a third of the time).
  std::string mutate(std::string bytes) {
    switch (below(6)) {
      case 0: for (int i = 0; i < 4 && !bytes.empty(); ++i) bytes[below(bytes.size())] ^= 1 << below(8); break;
      case 1: bytes.resize(bytes.empty() ? 0 : below(bytes.size())); break;
      case 2: bytes.insert(bytes.empty() ? 0 : below(bytes.size()), random_bytes(16)); break;
      case 3: bytes = random_bytes(below(256)); break;
      default: break;
    }
    return bytes;
  }

  std::string random_bytes(size_t n) {
    std::string out(n, '\0');
    for (auto& c : out) c = static_cast<char>(below(256));
    return out;
  }

  bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
  uint64_t below(uint64_t n) { return n == 0 ? 0 : rng_() % n; }

 private:
  template <class T, class Set, class Add>
  static void set(const google::protobuf::Reflection* r, google::protobuf::Message* m,
                  const google::protobuf::FieldDescriptor* f, Set s, Add a, T v) {
    if (f->is_repeated()) {
      (r->*a)(m, f, v);
    } else {
      (r->*s)(m, f, v);
    }
  }

  int64_t integer() {
    static const int64_t edges[] = {0, 1, -1, 2, 7, 1000, 100000, 100001, 10000000,
                                    std::numeric_limits<int32_t>::max(),
                                    std::numeric_limits<int32_t>::min(),
                                    std::numeric_limits<int64_t>::max(),
                                    std::numeric_limits<int64_t>::min()};
    if (chance(0.7)) return edges[below(std::size(edges))];
    return static_cast<int64_t>(rng_());
  }

  double real() {
    static const double edges[] = {0.0, -0.0, 1.0, -1.0, -1000.0, 0.5, 1e308, -1e308, 1e-308,
                                   std::nan(""), std::numeric_limits<double>::infinity(),
                                   -std::numeric_limits<double>::infinity()};
    if (chance(0.7)) return edges[below(std::size(edges))];
    return std::uniform_real_distribution<double>(-1e9, 1e9)(rng_);
  }

  // A string field's value (valid UTF-8, as proto3 requires of `string`, so that it reaches
  // the handler) or a bytes field's (anything).
  std::string text(bool utf8) {
    static const char* edges[] = {"", "../../../../tmp/concurry-fuzz-escape", "/etc/passwd",
                                  "a/b", "..", ".", "sha256:", "cpu", "gpu", "*", "\n\r\t",
                                  "RUNNING", "\xc3\xa9\xe2\x82\xac"};
    switch (below(5)) {
      case 0: return edges[below(std::size(edges))];
      case 1: if (!words_.empty()) return words_[below(words_.size())]; return "";
      case 2: return std::string(chance(0.1) ? 100000 : below(2000), 'x');
      default: {  // 8 or more characters: never the name of a program
        std::string out = random_bytes(8 + below(24));
        if (utf8) {
          for (auto& c : out) c = static_cast<char>(1 + (static_cast<unsigned char>(c) % 127));
        }
        return out;
      }
    }
  }

  std::mt19937_64 rng_;
  std::vector<std::string> words_;
};

}  // namespace concurry_test

#endif  // CONCURRY_TESTS_INTEGRATION_MESSAGE_FUZZER_H_
