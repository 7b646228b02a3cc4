// The definitions of a limit set as bytes, so that a worker's private limits can be rebuilt
// where the worker runs (a cluster node builds each actor's own LimitSet from them). Shared sets
// are one live budget and never travel this way. Internal.
#ifndef CONCURRY_CORE_LIMIT_CODEC_H_
#define CONCURRY_CORE_LIMIT_CODEC_H_

#include <string>
#include <vector>

#include "concurry/core/limit_definitions.h"

namespace concurry::internal {

std::string encode_limit_definitions(const std::vector<Limit>& definitions);
// Throws concurry::Error on malformed bytes.
std::vector<Limit> decode_limit_definitions(const std::string& bytes);

}  // namespace concurry::internal

#endif  // CONCURRY_CORE_LIMIT_CODEC_H_
