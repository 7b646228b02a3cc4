#include "concurry/cluster/common/credentials.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "concurry/core/errors.h"

namespace concurry::internal {
namespace {

std::string read_pem(const std::string& path, const char* what, const char* marker) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw InvalidOptionError(std::string("cannot read the TLS ") + what + " file " + path + ": " +
                             std::strerror(errno));
  }
  std::ostringstream text;
  text << in.rdbuf();
  std::string pem = text.str();
  if (pem.find("-----BEGIN ") == std::string::npos || pem.find(marker) == std::string::npos) {
    throw InvalidOptionError(std::string("the TLS ") + what + " file " + path +
                             " holds no PEM " + marker + " block (expected -----BEGIN " + marker +
                             "-----)");
  }
  return pem;
}

std::string absolute(const std::string& path) {
  if (path.empty() || path[0] == '/') return path;
  char* real = ::realpath(path.c_str(), nullptr);
  if (!real) return path;  // read_pem names it when it cannot be read
  std::string out = real;
  std::free(real);
  return out;
}

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

}  // namespace

Credentials load_credentials(std::string token, const TlsFiles& files) {
  Credentials c;
  c.token = std::move(token);
  // Absolute: the jobs a head starts get these paths, and run in a directory of their own.
  c.files = TlsFiles{absolute(files.ca), absolute(files.cert), absolute(files.key)};
  if (files.cert.empty() != files.key.empty()) {
    throw InvalidOptionError(files.cert.empty()
                                 ? "--tls-key " + files.key + " was given without --tls-cert"
                                 : "--tls-cert " + files.cert + " was given without --tls-key");
  }
  if (!files.ca.empty()) c.ca_pem = read_pem(files.ca, "CA", "CERTIFICATE");
  if (!files.cert.empty()) {
    c.cert_pem = read_pem(files.cert, "certificate", "CERTIFICATE");
    struct stat st;
    if (::stat(files.key.c_str(), &st) == 0 && (st.st_mode & (S_IRWXG | S_IRWXO))) {
      char mode[8];
      std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
      throw InvalidOptionError("the TLS key file " + files.key + " is open to its group or "
                               "others (mode " + mode + "); make it private with: chmod 600 " +
                               files.key);
    }
    c.key_pem = read_pem(files.key, "key", "PRIVATE KEY");
  }
  return c;
}

TlsFiles tls_files_from_env() {
  return TlsFiles{env("CONCURRY_TLS_CA"), env("CONCURRY_TLS_CERT"), env("CONCURRY_TLS_KEY")};
}

void append_tls_env(const TlsFiles& files, std::vector<std::string>* out) {
  if (!files.ca.empty()) out->push_back("CONCURRY_TLS_CA=" + files.ca);
  if (!files.cert.empty()) out->push_back("CONCURRY_TLS_CERT=" + files.cert);
  if (!files.key.empty()) out->push_back("CONCURRY_TLS_KEY=" + files.key);
}

}  // namespace concurry::internal
