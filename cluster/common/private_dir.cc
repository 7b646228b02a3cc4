#include "concurry/cluster/common/private_dir.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "concurry/core/errors.h"

namespace concurry::internal {

void ensure_private_dir(const std::string& path, const std::string& what) {
  if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) {
    throw ClusterError("cannot create the " + what + " " + path + ": " + std::strerror(errno));
  }
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) {
    throw ClusterError("cannot read the " + what + " " + path + ": " + std::strerror(errno));
  }
  std::string refuse;
  if (!S_ISDIR(st.st_mode)) {
    refuse = "is not a directory (a link or a file)";
  } else if (st.st_uid != ::geteuid()) {
    refuse = "belongs to uid " + std::to_string(st.st_uid) + ", not to this process's uid " +
             std::to_string(::geteuid());
  } else if (st.st_mode & (S_IWGRP | S_IWOTH)) {
    refuse = "is writable by its group or others";
  }
  if (!refuse.empty()) {
    throw ClusterError("the " + what + " " + path + " " + refuse + "; a file there could be "
                       "planted, so it is not used (remove it, or choose a private directory)");
  }
}

void write_private_file(const std::string& path, const std::string& content, bool executable) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                  executable ? 0700 : 0600);
  if (fd < 0) throw Error("cannot write " + path + ": " + std::strerror(errno));
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int err = errno;
      ::close(fd);
      throw Error("cannot write " + path + ": " + std::strerror(err));
    }
    done += static_cast<size_t>(n);
  }
  ::close(fd);
}

std::string make_private_temp_dir(const std::string& prefix) {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/" + prefix + "XXXXXX";
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr) {  // mode 0700, a name nobody can predict
    throw ClusterError("cannot create a directory like " + pattern + ": " + std::strerror(errno));
  }
  return buf.data();
}

}  // namespace concurry::internal
