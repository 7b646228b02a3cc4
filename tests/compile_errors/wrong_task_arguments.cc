// Must NOT compile: a task function given arguments it cannot take.
// EXPECT-ERROR: the function cannot be called with these arguments
#include <string>

#include "concurry/concurry.h"

int square(int x) { return x * x; }

int main() {
  auto tw = concurry::TaskWorker::options({.mode = "sync"}).init();
  tw.submit(&square, std::string("not an int"));
  return 0;
}
