// relay_output: a worker process's stdout and stderr copied to ours, line by line, each line
// prefixed (e.g. "[Counter pid=4711] "); a last line without its newline is completed. Blocks
// until both pipes are closed (the child ended), then closes them. Internal.
#ifndef CONCURRY_RUNTIME_INTERNAL_OUTPUT_RELAY_H_
#define CONCURRY_RUNTIME_INTERNAL_OUTPUT_RELAY_H_

#include <string>

namespace concurry::internal {

void relay_output(int out_fd, int err_fd, const std::string& prefix);

}  // namespace concurry::internal

#endif  // CONCURRY_RUNTIME_INTERNAL_OUTPUT_RELAY_H_
