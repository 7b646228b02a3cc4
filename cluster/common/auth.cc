#include "concurry/cluster/common/auth.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "concurry/core/errors.h"

namespace concurry::internal {

std::string read_token_file(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    throw InvalidOptionError("cannot read the auth token file " + path + ": " +
                             std::strerror(errno));
  }
  if (st.st_mode & (S_IRWXG | S_IRWXO)) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    throw InvalidOptionError("the auth token file " + path + " is open to its group or others "
                             "(mode " + mode + "); make it private with: chmod 600 " + path);
  }
  std::ifstream in(path);
  std::string token;
  std::getline(in, token);
  while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back()))) token.pop_back();
  if (!in && !in.eof()) throw InvalidOptionError("cannot read the auth token file " + path);
  if (token.empty()) throw InvalidOptionError("the auth token file " + path + " is empty");
  return token;
}

}  // namespace concurry::internal
