// JSON text for the CLI's --json output: a quoted, escaped string and a number. Internal.
#ifndef CONCURRY_TOOLS_CLI_JSON_TEXT_H_
#define CONCURRY_TOOLS_CLI_JSON_TEXT_H_

#include <cstdio>
#include <string>

namespace concurry::cli {

inline std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

inline std::string json_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

}  // namespace concurry::cli

#endif  // CONCURRY_TOOLS_CLI_JSON_TEXT_H_
