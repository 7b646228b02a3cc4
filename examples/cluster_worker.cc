// cluster mode: workers as actors on cluster nodes. With no address (and no CONCURRY_ADDRESS),
// connect() starts the embedded cluster — a head and a node inside this process, on loopback —
// so this runs with no daemons. Against real daemons, pass the head's address:
//   concurry-head --port 7070 &  concurry-node --head 127.0.0.1:7070 &
//   concurry::connect({.address = "127.0.0.1:7070", .worker_libs = {"libmy_workers.so"}});
// Run: bazel run //examples:cluster_worker
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "concurry/concurry.h"

class Inventory : public concurry::Worker {
 public:
  explicit Inventory(std::string name) : name_(std::move(name)) {}
  int put(const std::string& item, int count) { return stock_[item] += count; }
  int take(const std::string& item, int count) {
    if (stock_[item] < count) {
      throw std::out_of_range(name_ + " has only " + std::to_string(stock_[item]) + " " + item);
    }
    return stock_[item] -= count;
  }

 private:
  std::string name_;
  std::map<std::string, int> stock_;
};
CONCURRY_WORKER(Inventory, CONCURRY_INIT(std::string), put, take);

long cube(long x) { return x * x * x; }
CONCURRY_FUNCTION(cube);

int main() {
  // The embedded cluster's node offers 8 cpus here (default: one per core).
  concurry::connect({.resources = {{"cpu", 8}}});

  // An actor: placed on a node that has its resources (default {cpu: 1}), state kept there.
  auto depot = concurry::options<Inventory>({.mode = "cluster"}).init("depot");
  depot.put("apples", 5);
  std::printf("put 3 pears -> %d pears\n", depot.put("pears", 3).result());
  std::printf("take 2 apples -> %d apples left\n", depot.take("apples", 2).result());

  // A method's exception comes back as itself.
  try {
    depot.take("apples", 10).result();
  } catch (const std::out_of_range& e) {
    std::printf("error from the actor: %s\n", e.what());
  }

  // Resources: an actor asks for what it needs; one no node has fails at init().
  try {
    concurry::options<Inventory>({.mode = "cluster", .resources = {{"gpu", 1}}}).init("gpu-depot");
  } catch (const concurry::ClusterError& e) {
    std::printf("init failed: %s\n", e.what());
  }

  // A named actor: any client of the cluster finds it with get_actor.
  auto shop = concurry::options<Inventory>({.mode = "cluster", .name = "shop"}).init("shop");
  shop.put("plums", 7).result();
  auto found = concurry::get_actor<Inventory>("shop");
  std::printf("get_actor(\"shop\").take 2 plums -> %d left\n", found.take("plums", 2).result());

  // A pool: the head places the members and dispatches every call (load balancer and
  // per-member submission queues live there).
  auto depots = concurry::options<Inventory>(
                    {.mode = "cluster", .max_workers = 3, .load_balancing = "round_robin"})
                    .init("depots");
  std::vector<concurry::Future<int>> puts;
  for (int i = 0; i < 6; ++i) puts.push_back(depots.put("boxes", 1));
  std::vector<int> counts = concurry::gather(puts);  // round robin: each member got two
  concurry::PoolStats stats = depots.stats();
  std::printf("pool: boxes per member after each put -> %d %d %d %d %d %d\n", counts[0],
              counts[1], counts[2], counts[3], counts[4], counts[5]);
  std::printf("pool: %zu members, %llu calls dispatched by the head\n", stats.total_workers,
              static_cast<unsigned long long>(stats.total_dispatched));

  // Registered functions run on a TaskWorker actor.
  auto tasks = concurry::TaskWorker::options({.mode = "cluster"}).init();
  std::vector<long> cubes = tasks.map(&cube, std::vector<long>{1, 2, 3}).result();
  std::printf("map(cube, 1..3) -> [%ld, %ld, %ld]\n", cubes[0], cubes[1], cubes[2]);

  depot.stop();
  shop.stop();
  depots.stop();
  tasks.stop();
  concurry::shutdown();
  return 0;
}
