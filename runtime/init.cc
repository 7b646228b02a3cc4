#include "concurry/runtime/init.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "concurry/runtime/internal/fork_server.h"
#include "concurry/runtime/internal/worker_host.h"

namespace concurry {
namespace {
std::atomic<bool> called{false};
}  // namespace

void init(int argc, char** argv) {
  called.store(true);
  const size_t flag_size = std::strlen(internal::kWorkerHostFlag);
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], internal::kWorkerHostFlag, flag_size) == 0) {
      int fd = std::atoi(argv[i] + flag_size);
      std::setvbuf(stdout, nullptr, _IOLBF, 0);
      int code = internal::run_worker_host(fd);
      std::fflush(nullptr);
      ::_exit(code);  // a worker host never runs the program's own main()
    }
  }
  // Still single-threaded: the moment to fork the fork server that forkserver workers come from.
  internal::start_fork_server();
}

namespace internal {
bool init_called() { return called.load(); }
}  // namespace internal

}  // namespace concurry
