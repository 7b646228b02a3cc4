#include "concurry/core/limit_codec.h"

#include <tuple>

#include "concurry/core/errors.h"
#include "concurry/core/serialization.h"

namespace concurry::internal {
namespace {

// kind, key, window (s), capacity, algorithm
using Row = std::tuple<int, std::string, double, double, std::string>;

}  // namespace

std::string encode_limit_definitions(const std::vector<Limit>& definitions) {
  std::vector<Row> rows;
  for (const Limit& limit : definitions) {
    if (const auto* call = std::get_if<CallLimit>(&limit)) {
      rows.emplace_back(0, "", call->window.count(), call->capacity, call->algorithm.str());
    } else if (const auto* rate = std::get_if<RateLimit>(&limit)) {
      rows.emplace_back(1, rate->key, rate->window.count(), rate->capacity, rate->algorithm.str());
    } else {
      const auto& resource = std::get<ResourceLimit>(limit);
      rows.emplace_back(2, resource.key, 0.0, resource.capacity, "");
    }
  }
  return encode(rows);
}

std::vector<Limit> decode_limit_definitions(const std::string& bytes) {
  std::vector<Row> rows = decode<std::vector<Row>>(bytes);
  std::vector<Limit> out;
  for (auto& [kind, key, window, capacity, algorithm] : rows) {
    switch (kind) {
      case 0:
        out.push_back(CallLimit{Duration(window), capacity, algorithm});
        break;
      case 1:
        out.push_back(RateLimit{key, Duration(window), capacity, algorithm});
        break;
      case 2:
        out.push_back(ResourceLimit{key, capacity});
        break;
      default:
        throw Error("malformed limit definitions: unknown kind " + std::to_string(kind));
    }
  }
  return out;
}

}  // namespace concurry::internal
