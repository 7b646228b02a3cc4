// Content addresses of worker libraries: "sha256:" + the hex SHA-256 of the bytes. The head keys
// uploaded libraries by it and nodes cache fetched ones under it, so a library is uploaded once
// and fetched once per node however many actors use it. Internal.
#ifndef CONCURRY_CLUSTER_COMMON_DIGEST_H_
#define CONCURRY_CLUSTER_COMMON_DIGEST_H_

#include <string>

namespace concurry::internal {

std::string content_digest(const std::string& bytes);

// The whole file; throws concurry::Error naming the path when it cannot be read.
std::string read_file_bytes(const std::string& path);

}  // namespace concurry::internal

#endif  // CONCURRY_CLUSTER_COMMON_DIGEST_H_
