#include "concurry/runtime/internal/output_relay.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>

namespace concurry::internal {
namespace {

void emit(int fd, const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

}  // namespace

void relay_output(int out_fd, int err_fd, const std::string& prefix) {
  std::string pending[2];
  int fds[2] = {out_fd, err_fd};
  int targets[2] = {STDOUT_FILENO, STDERR_FILENO};
  int open_count = 2;
  while (open_count > 0) {
    pollfd polls[2];
    for (int i = 0; i < 2; ++i) polls[i] = pollfd{fds[i], POLLIN, 0};
    if (::poll(polls, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i] < 0 || !(polls[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char chunk[4096];
      ssize_t n = ::read(fds[i], chunk, sizeof chunk);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        if (!pending[i].empty()) emit(targets[i], prefix + pending[i] + "\n");
        pending[i].clear();
        ::close(fds[i]);
        fds[i] = -1;
        --open_count;
        continue;
      }
      pending[i].append(chunk, static_cast<size_t>(n));
      size_t end;
      std::string lines;
      while ((end = pending[i].find('\n')) != std::string::npos) {
        lines += prefix + pending[i].substr(0, end + 1);
        pending[i].erase(0, end + 1);
      }
      if (!lines.empty()) emit(targets[i], lines);
    }
  }
}

}  // namespace concurry::internal
