// Must NOT compile: a worker method named like a Handle member.
// EXPECT-ERROR: has the name of a Handle member
#include "concurry/concurry.h"

class Bad {
 public:
  void stop() {}
};
CONCURRY_LOCAL_WORKER(Bad, stop);

int main() { return 0; }
