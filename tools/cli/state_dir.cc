#include "tools/cli/state_dir.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

namespace concurry::cli {
namespace {

std::optional<std::string> read_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line) || line.empty()) return std::nullopt;
  return line;
}

}  // namespace

StateDir::StateDir() {
  const char* env = std::getenv("CONCURRY_STATE_DIR");
  path_ = env && *env ? env : "/tmp/concurry-" + std::to_string(::getuid());
  ::mkdir(path_.c_str(), 0700);
}

std::optional<std::string> StateDir::head_address() const {
  return read_line(file("head.address"));
}

std::vector<std::pair<std::string, pid_t>> StateDir::daemons() const {
  std::vector<std::pair<std::string, pid_t>> out;
  DIR* dir = ::opendir(path_.c_str());
  if (!dir) return out;
  while (dirent* entry = ::readdir(dir)) {
    std::string name = entry->d_name;
    if (name.size() <= 4 || name.substr(name.size() - 4) != ".pid") continue;
    auto pid = read_line(file(name));
    if (!pid) continue;
    out.emplace_back(name.substr(0, name.size() - 4), static_cast<pid_t>(std::atol(pid->c_str())));
  }
  ::closedir(dir);
  // Nodes before the head: stopping in this order never leaves a node without its head.
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    bool a_head = a.first == "head", b_head = b.first == "head";
    return a_head != b_head ? b_head : a.first < b.first;
  });
  return out;
}

std::string StateDir::next_node_name() const {
  std::set<std::string> taken;
  for (const auto& [name, pid] : daemons()) taken.insert(name);
  for (int i = 1;; ++i) {
    std::string name = "node-" + std::to_string(i);
    if (!taken.count(name)) return name;
  }
}

void StateDir::write(const std::string& name, const std::string& text) const {
  std::ofstream(file(name), std::ios::trunc) << text << "\n";
}

void StateDir::remove_daemon(const std::string& name) const {
  ::unlink(file(name + ".pid").c_str());
  if (name == "head") ::unlink(file("head.address").c_str());
}

}  // namespace concurry::cli
