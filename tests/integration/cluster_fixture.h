// What the cluster integration tests share: the worker library path, the bounded wait, a
// cluster of real daemons (one head; node "cpu" with cpu=2 preloading the worker library, node
// "gpu" with cpu=2,gpu=1 and no library: it gets the one clients ship), and cluster options.
#ifndef CONCURRY_TESTS_INTEGRATION_CLUSTER_FIXTURE_H_
#define CONCURRY_TESTS_INTEGRATION_CLUSTER_FIXTURE_H_

#include <memory>
#include <string>
#include <vector>

#include "concurry/concurry.h"
#include "tests/integration/daemon.h"

namespace concurry_test {

using concurry::Options;

inline const std::string kLib = "tests/integration/libcluster_workers.so";
// Every wait in these tests is bounded: a hang fails the test (TimeoutError) instead.
inline const concurry::Duration kWait(30.0);

struct Cluster {
  // `head_args` go to the head (a --auth-token there reaches the nodes too); `node_args` to
  // both nodes.
  explicit Cluster(std::vector<std::string> head_args = {},
                   std::vector<std::string> node_args = {}) {
    std::vector<std::string> args = {"--port", "0", "--heartbeat-timeout", "1.5"};
    args.insert(args.end(), head_args.begin(), head_args.end());
    head = std::make_unique<Daemon>("concurry-head", args);
    address = address_of(*head);
    std::string token;
    for (size_t i = 0; i + 1 < head_args.size(); ++i) {
      if (head_args[i] == "--auth-token") token = head_args[i + 1];
    }
    std::vector<std::string> common = {"--head", address};
    if (!token.empty()) common.insert(common.end(), {"--auth-token", token});
    common.insert(common.end(), node_args.begin(), node_args.end());
    auto cpu_args = common;
    cpu_args.insert(cpu_args.end(), {"--resources", "cpu=2", "--worker-lib", runfile(kLib)});
    cpu = std::make_unique<Daemon>("concurry-node", cpu_args);
    auto gpu_args = common;
    gpu_args.insert(gpu_args.end(), {"--resources", "cpu=2,gpu=1"});
    gpu = std::make_unique<Daemon>("concurry-node", gpu_args);
    cpu_line = cpu->first_line();
    gpu_line = gpu->first_line();
    EXPECT_NE(cpu_line.find("registered"), std::string::npos) << cpu_line << cpu->error_line(1s);
    EXPECT_NE(gpu_line.find("registered"), std::string::npos) << gpu_line << gpu->error_line(1s);
  }
  std::unique_ptr<Daemon> head, cpu, gpu;
  std::string address, cpu_line, gpu_line;
};

inline Options cluster(concurry::Resources resources = {}, std::string placement = "") {
  Options o{.mode = "cluster", .resources = std::move(resources)};
  if (!placement.empty()) o.placement = placement;
  return o;
}

}  // namespace concurry_test

#endif  // CONCURRY_TESTS_INTEGRATION_CLUSTER_FIXTURE_H_
