#include "tools/cli/state_dir.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "concurry/cluster/common/default_credentials.h"
#include "concurry/cluster/common/private_dir.h"

namespace concurry::cli {
namespace {

std::optional<std::string> read_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line) || line.empty()) return std::nullopt;
  return line;
}

}  // namespace

StateDir::StateDir() : path_(internal::default_state_dir()) {
  internal::ensure_private_dir(path_, "state directory");
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

void StateDir::write_private(const std::string& name, const std::string& text) const {
  std::string path = file(name);
  std::string temp = path + ".new";
  ::unlink(temp.c_str());
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot write " + temp + ": " + std::strerror(errno));
  std::string line = text + "\n";
  bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  ok = ::close(fd) == 0 && ok;
  if (!ok || ::rename(temp.c_str(), path.c_str()) != 0) {
    ::unlink(temp.c_str());
    throw std::runtime_error("cannot write " + path + ": " + std::strerror(errno));
  }
}

void StateDir::remove_daemon(const std::string& name) const {
  ::unlink(file(name + ".pid").c_str());
  if (name == "head") ::unlink(file("head.address").c_str());
}

}  // namespace concurry::cli
