// The fork server: a small process forked by concurry::init() while the program is still
// single-threaded. Process-mode workers with the "forkserver" context are forked from it (clean
// copies, whatever threads the program has started since), so they are its children: it reaps
// them and reports every exit status back here. Internal.
#ifndef CONCURRY_RUNTIME_INTERNAL_FORK_SERVER_H_
#define CONCURRY_RUNTIME_INTERNAL_FORK_SERVER_H_

#include <sys/types.h>

namespace concurry::internal {

// Forks the server (from init()). Returns false when it could not be started.
bool start_fork_server();
bool fork_server_running();

// Forks a worker from the server: `socket` becomes the worker's connection (fd 3), `out` and
// `err` its stdout and stderr. Returns its pid. Throws concurry::Error when the server is gone.
pid_t fork_server_spawn(int socket, int out, int err);

// Blocks until the server reports that worker `pid` ended; returns its wait status.
int fork_server_wait(pid_t pid);

}  // namespace concurry::internal

#endif  // CONCURRY_RUNTIME_INTERNAL_FORK_SERVER_H_
