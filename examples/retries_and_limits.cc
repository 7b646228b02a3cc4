// Retries with backoff and output validation, and limits shared by a pool.
// Run: bazel run //examples:retries_and_limits
#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "concurry/concurry.h"

using namespace std::chrono_literals;

// A flaky, metered service: fails twice, then answers; reports the tokens it used.
class Llm : public concurry::Worker {
 public:
  std::string ask(const std::string& prompt) {
    auto acq = limits().acquire({{"tokens", 100}});  // waits if the budget is spent
    if (++calls_ <= 2) throw std::runtime_error("503 from the service");
    acq.update({{"tokens", 42}});  // what was really used; the rest is refunded
    return "{\"answer\": \"" + prompt + "\"}";
  }
  int calls() const { return calls_; }

 private:
  int calls_ = 0;
};
CONCURRY_WORKER(Llm, ask, calls);

int main() {
  concurry::LimitSet budget({concurry::RateLimit{.key = "tokens",
                                                 .window = 60s,
                                                 .capacity = 1000,
                                                 .algorithm = "token_bucket"},
                             concurry::CallLimit{.window = 1s, .capacity = 100}});
  auto llm = concurry::options<Llm>({
                                        .mode = "thread",
                                        .num_retries = concurry::PerMethod<int>{{"*", 0},
                                                                                {"ask", 3}},
                                        .retry_on = {concurry::retry_on<std::runtime_error>()},
                                        .retry_algorithm = "exponential",
                                        .retry_wait = 0.01,
                                        .retry_jitter = 0.3,
                                        .retry_until = {concurry::until<std::string>(
                                            [](const std::string& r, const concurry::RetryContext&) {
                                              return !r.empty() && r.front() == '{';
                                            })},
                                        .limits = budget,
                                    })
                 .init();
  std::string reply = llm.ask("hi").result();
  std::printf("reply after retries: %s (attempts: %d)\n", reply.c_str(), llm.calls().result());

  // The same LimitSet is one budget wherever it is used.
  auto acq = budget.try_acquire({{"tokens", 900}});
  std::printf("900 more tokens available now: %s\n", acq ? "yes" : "no");

  // A resource limit as a semaphore, handed to task functions as their last parameter.
  auto tasks = concurry::TaskWorker::options(
                   {.mode = "thread", .limits = {concurry::ResourceLimit{.key = "gpu", .capacity = 1}}})
                   .init();
  auto f = tasks.submit(
      [](int x, concurry::LimitSet& limits) {
        auto gpu = limits.acquire({{"gpu", 1}});
        return x * x;
      },
      12);
  std::printf("task with the worker's limits: %d\n", f.result());

  // A missing update() is a LimitError for that call, never a crash.
  try {
    concurry::LimitSet strict({concurry::RateLimit{.key = "tokens", .capacity = 10}});
    auto a = strict.acquire({{"tokens", 1}});
    a.release();
  } catch (const concurry::LimitError& e) {
    std::printf("error: %s\n", e.what());
  }
  return 0;
}
