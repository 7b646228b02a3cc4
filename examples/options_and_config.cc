// Options: aliases, precedence, class defaults, global config, and the errors bad values get.
// Run: bazel run //examples:options_and_config
#include <cstdio>

#include "concurry/concurry.h"

class Greeter {
 public:
  // The class's own defaults: below the call's options, above global_config().
  static concurry::Options default_options() { return {.mode = "thread"}; }
  std::string greet(const std::string& name) { return "hello " + name; }
};
CONCURRY_WORKER(Greeter, greet);

int main() {
  auto a = concurry::options<Greeter>().init();
  std::printf("class default mode: %s\n",
              std::string(concurry::to_string(a.resolved_options().mode)).c_str());

  auto b = concurry::options<Greeter>({.mode = "SYNCHRONOUS", .blocking = true}).init();
  std::printf("alias 'SYNCHRONOUS' -> %s, %s\n",
              std::string(concurry::to_string(b.resolved_options().mode)).c_str(),
              b.greet("ann").result().c_str());

  // Options from strings, e.g. from a config file or command line.
  auto c = concurry::options<Greeter>(concurry::Options::from_map({{"mode", "threads"}})).init();
  std::printf("from_map: %s\n", c.blocking().greet("bob").c_str());

  // A scoped change of the global defaults.
  {
    auto scope = concurry::temp_config(concurry::Mode::kThread, {.max_queued_tasks = 10});
    auto d = concurry::options<Greeter>().init();
    std::printf("temp_config max_queued_tasks: %d\n", *d.resolved_options().max_queued_tasks);
  }

  // Bad values name what was wrong and what is allowed.
  try {
    concurry::options<Greeter>({.mode = "thred"}).init();
  } catch (const concurry::InvalidOptionError& e) {
    std::printf("error: %s\n", e.what());
  }
  try {
    concurry::options<Greeter>({.mode = "sync", .max_workers = 2}).init();
  } catch (const concurry::InvalidOptionError& e) {
    std::printf("error: %s\n", e.what());
  }
  return 0;
}
