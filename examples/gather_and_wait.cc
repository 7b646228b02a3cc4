// Futures from many calls: gather in input order, wait for the first, iterate as completed.
// Run: bazel run //examples:gather_and_wait
#include <chrono>
#include <cstdio>
#include <map>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "concurry/concurry.h"

using namespace std::chrono_literals;

int slow_square(int x) {
  std::this_thread::sleep_for(std::chrono::milliseconds(5 * (5 - x)));  // later inputs finish first
  return x * x;
}

int checked(int x) {
  if (x < 0) throw std::invalid_argument("negative input " + std::to_string(x));
  return x;
}

int main() {
  auto sq = concurry::task(&slow_square, {.mode = "thread"});
  std::vector<concurry::Future<int>> futures;
  for (int i = 1; i <= 4; ++i) futures.push_back(sq(i));

  // gather: values in input order, whatever the completion order.
  std::vector<int> values = concurry::gather(futures, {.timeout = 10s});
  std::printf("gather -> %d %d %d %d\n", values[0], values[1], values[2], values[3]);

  // return_exceptions: errors take the place of values instead of being thrown.
  auto check = concurry::task(&checked, {.mode = "thread"});
  std::vector<concurry::Future<int>> mixed = {check(1), check(-2), check(3)};
  for (const auto& r : concurry::gather(mixed, {.return_exceptions = true})) {
    if (r.ok()) {
      std::printf("ok %d\n", r.value());
    } else {
      try {
        r.value();
      } catch (const std::invalid_argument& e) {
        std::printf("error: %s\n", e.what());
      }
    }
  }

  // A map of futures comes back as a map of values.
  std::map<std::string, concurry::Future<int>> named = {{"two", sq(2)}, {"three", sq(3)}};
  std::map<std::string, int> by_name = concurry::gather(named);
  std::printf("two -> %d, three -> %d\n", by_name["two"], by_name["three"]);

  // wait: returns once the first is done (or the timeout passes).
  std::vector<concurry::Future<int>> race;
  for (int i = 1; i <= 4; ++i) race.push_back(sq(i));
  auto [done, not_done] =
      concurry::wait(race, {.timeout = 10s, .return_when = concurry::ReturnWhen::kFirstCompleted});
  std::printf("wait(first_completed): %zu done or more, %zu total\n", done.size() >= 1 ? 1 : 0,
              done.size() + not_done.size());

  // as_completed: (index, value) in completion order.
  int sum = 0;
  for (auto& [index, value] : concurry::as_completed(race)) sum += value;
  std::printf("as_completed sum -> %d\n", sum);
  return 0;
}
