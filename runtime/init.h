// concurry::init(argc, argv): program set-up. Make it the first line of main():
//
//   int main(int argc, char** argv) {
//     concurry::init(argc, argv);
//     ...
//
// It forks the fork server that process-mode workers with the default "forkserver" context come
// from (while the program is still single-threaded, so workers start from a clean copy), and
// it lets this program serve as a worker host: a worker started with the "spawn" context
// re-executes this same binary, and init() turns that copy into the worker (it never returns
// there). It starts no cluster and no threads. Safe to call more than once.
#ifndef CONCURRY_RUNTIME_INIT_H_
#define CONCURRY_RUNTIME_INIT_H_

namespace concurry {

void init(int argc, char** argv);

namespace internal {
// True once init() ran in this process.
bool init_called();
// The flag a spawned worker host is started with.
inline constexpr const char* kWorkerHostFlag = "--concurry-worker-host=";
}  // namespace internal

}  // namespace concurry

#endif  // CONCURRY_RUNTIME_INIT_H_
