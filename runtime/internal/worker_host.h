// The loop a worker process runs: read a call frame, run it through the registry, write the
// reply frame, in order, until the parent closes the connection or asks it to stop. The first
// call constructs the instance ("__init__"); a host without a class runs registered functions.
// Never throws: every failure becomes an error reply. Internal.
#ifndef CONCURRY_RUNTIME_INTERNAL_WORKER_HOST_H_
#define CONCURRY_RUNTIME_INTERNAL_WORKER_HOST_H_

namespace concurry::internal {

inline constexpr const char* kStopMethod = "__stop__";
inline constexpr const char* kFunctionTarget = "__functions__";

// Serves the connection `fd` until it closes or a "__stop__" call arrives; returns the exit
// code the process should end with.
int run_worker_host(int fd);

}  // namespace concurry::internal

#endif  // CONCURRY_RUNTIME_INTERNAL_WORKER_HOST_H_
