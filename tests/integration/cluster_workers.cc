#include "tests/integration/cluster_workers.h"

int cluster_square(int x) { return x * x; }
CONCURRY_FUNCTION(cluster_square);
