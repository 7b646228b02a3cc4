#include "concurry/runtime/worker_builder.h"
#include <cstdio>
class Counter {
 public:
  explicit Counter(int s) : n_(s) {}
  int add(int k) { return n_ += k; }
  int get() const { return n_; }
 private:
  int n_;
};
CONCURRY_WORKER(Counter, CONCURRY_INIT(int), add, get);
int main() {
  auto c = concurry::options<Counter>({.mode = "thread"}).init(5);
  auto f = c.add(2);
  std::printf("%d %d\n", f.result(), c.blocking().get());
  auto g = c.add(c.add(1));
  std::printf("%d\n", g.result());
}
