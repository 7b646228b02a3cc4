#include "concurry/cluster/common/default_credentials.h"

#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "concurry/cluster/common/auth.h"
#include "concurry/core/errors.h"

namespace concurry::internal {
namespace {

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

bool private_dir(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == ::geteuid() &&
         (st.st_mode & (S_IWGRP | S_IWOTH)) == 0;
}

}  // namespace

std::string default_state_dir() {
  std::string dir = env("CONCURRY_STATE_DIR");
  return dir.empty() ? "/tmp/concurry-" + std::to_string(::getuid()) : dir;
}

std::string default_token(const std::string& address) {
  if (std::string token = env("CONCURRY_AUTH_TOKEN"); !token.empty()) return token;
  if (std::string file = env("CONCURRY_AUTH_TOKEN_FILE"); !file.empty()) {
    return read_token_file(file);
  }
  std::string dir = default_state_dir();
  if (address.empty() || !private_dir(dir)) return "";
  std::ifstream recorded(dir + "/" + kHeadAddressFileName);
  std::string head;
  if (!std::getline(recorded, head) || head != address) return "";
  struct stat st;
  std::string file = dir + "/" + kTokenFileName;
  if (::stat(file.c_str(), &st) != 0) return "";  // a head started before tokens were made
  return read_token_file(file);
}

std::string random_token() {
  unsigned char bytes[32];
  size_t got = 0;
  while (got < sizeof bytes) {
    ssize_t n = ::getrandom(bytes + got, sizeof bytes - got, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw ClusterError("cannot read random bytes for a token: getrandom failed");
    }
    got += static_cast<size_t>(n);
  }
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out += hex[b >> 4];
    out += hex[b & 15];
  }
  return out;
}

bool is_loopback_host(const std::string& host) {
  std::string h = host;
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  return h == "localhost" || h == "::1" || h.rfind("127.", 0) == 0;
}

void check_exposure(const std::string& who, const std::string& host,
                    const Credentials& credentials, bool insecure) {
  if (is_loopback_host(host) || !credentials.token.empty() || credentials.mutual_tls()) return;
  if (insecure) {
    std::fprintf(stderr,
                 "%s: warning: serving %s with no auth token and no client certificates "
                 "(--insecure): anyone who can reach it can run code as this user\n",
                 who.c_str(), host.c_str());
    return;
  }
  throw InvalidOptionError(
      who + " would serve " + host + " with no auth token and no client certificates: anyone "
      "who can reach it could run code as this user. Give a token (--auth-token-file F or "
      "$CONCURRY_AUTH_TOKEN), or mutual TLS (--tls-cert, --tls-key and --tls-ca), or bind to "
      "127.0.0.1; --insecure serves it open anyway");
}

}  // namespace concurry::internal
