// Must NOT compile: a registered worker method takes a type cereal cannot serialize.
// EXPECT-ERROR: cannot cross a process boundary
#include "concurry/concurry.h"

struct Opaque {
  int* raw = nullptr;  // no serialize(): cannot travel between processes
};

class Bad {
 public:
  int use(Opaque o) { return o.raw ? 1 : 0; }
};
CONCURRY_WORKER(Bad, use);

int main() { return 0; }
