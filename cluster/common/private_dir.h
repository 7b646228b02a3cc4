// ensure_private_dir: a directory only this user can change — created 0700 when missing;
// refused (ClusterError naming `what`, the path and why) when it is a link or not a directory,
// belongs to another user, or is writable by its group or others. Files a daemon loads or runs
// from it then cannot have been planted by anyone else. No gRPC here.
#ifndef CONCURRY_CLUSTER_COMMON_PRIVATE_DIR_H_
#define CONCURRY_CLUSTER_COMMON_PRIVATE_DIR_H_

#include <string>

namespace concurry::internal {

void ensure_private_dir(const std::string& path, const std::string& what);

// Writes a new file (mode 0600, 0700 when `executable`): never through a link, never over a
// file already there. Throws concurry::Error naming the path.
void write_private_file(const std::string& path, const std::string& content, bool executable);

// A fresh private directory under $TMPDIR (or /tmp) named `prefix` + random characters.
std::string make_private_temp_dir(const std::string& prefix);

}  // namespace concurry::internal

#endif  // CONCURRY_CLUSTER_COMMON_PRIVATE_DIR_H_
