// The credential flags every program of a cluster takes (concurry-head, concurry-node and the
// concurry CLI): --auth-token, --auth-token-file, --tls-cert, --tls-key, --tls-ca. Each falls
// back to its environment variable ($CONCURRY_AUTH_TOKEN, $CONCURRY_AUTH_TOKEN_FILE,
// $CONCURRY_TLS_CERT, $CONCURRY_TLS_KEY, $CONCURRY_TLS_CA), and a client's token to the one
// `concurry start --head` made for that head (default_credentials.h).
#ifndef CONCURRY_TOOLS_SECURITY_FLAGS_H_
#define CONCURRY_TOOLS_SECURITY_FLAGS_H_

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <string>

#include "concurry/cluster/common/auth.h"
#include "concurry/cluster/common/credentials.h"
#include "concurry/cluster/common/default_credentials.h"

namespace concurry::tools {

struct SecurityFlags {
  std::string token;
  std::string token_file;
  internal::TlsFiles tls = internal::tls_files_from_env();

  void add_to(CLI::App* app) {
    app->add_option("--auth-token", token,
                    "the cluster's shared token (prefer --auth-token-file or "
                    "$CONCURRY_AUTH_TOKEN: a command line is visible to every user)");
    app->add_option("--auth-token-file", token_file,
                    "a file (mode 0600) holding the token ($CONCURRY_AUTH_TOKEN_FILE)");
    app->add_option("--tls-cert", tls.cert, "this party's PEM certificate chain "
                                            "($CONCURRY_TLS_CERT)");
    app->add_option("--tls-key", tls.key, "its PEM private key, mode 0600 ($CONCURRY_TLS_KEY)");
    app->add_option("--tls-ca", tls.ca, "the PEM CA that signs the cluster's certificates; given "
                                        "to a server, it requires client certificates (mutual "
                                        "TLS) ($CONCURRY_TLS_CA)");
  }

  // After parsing: the token (flag, file, environment, or the one made for `head_address` —
  // "" looks up none) and the TLS material read. Throws InvalidOptionError naming a bad file.
  internal::Credentials load(const std::string& head_address) const {
    std::string t = token;
    if (t.empty() && !token_file.empty()) t = internal::read_token_file(token_file);
    if (t.empty()) t = internal::default_token(head_address);
    return internal::load_credentials(t, tls);
  }
};

}  // namespace concurry::tools

#endif  // CONCURRY_TOOLS_SECURITY_FLAGS_H_
