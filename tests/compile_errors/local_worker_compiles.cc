// MUST compile: the same unserializable type is fine for a local-only worker (control case, so
// that the negative cases fail for their stated reason and not for a broken setup).
#include "concurry/concurry.h"

struct Opaque {
  int* raw = nullptr;
};

class Fine {
 public:
  int use(Opaque o) { return o.raw ? 1 : 0; }
};
CONCURRY_LOCAL_WORKER(Fine, use);

int main() { return 0; }
