// Options: aliases, errors with suggestions, from_map coercion, precedence, global config.
#include "concurry/core/options.h"

#include <gtest/gtest.h>

#include "concurry/core/errors.h"
#include "concurry/core/global_config.h"

namespace concurry {
namespace {

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const InvalidOptionError& e) {
    return e.what();
  }
  return "";
}

TEST(OptionValuesTest, AliasesCaseInsensitive) {
  EXPECT_EQ(parse_option<Mode>("mode", "THREAD"), Mode::kThread);
  EXPECT_EQ(parse_option<Mode>("mode", "procs"), Mode::kProcess);
  EXPECT_EQ(parse_option<Mode>("mode", "async"), Mode::kAsyncio);
  EXPECT_EQ(parse_option<Mode>("mode", "Ray"), Mode::kCluster);
  EXPECT_EQ(parse_option<Mode>("mode", "synchronous"), Mode::kSync);
  EXPECT_EQ(parse_option<LoadBalancing>("load_balancing", "RR"), LoadBalancing::kRoundRobin);
  EXPECT_EQ(parse_option<LoadBalancing>("load_balancing", "active"), LoadBalancing::kLeastActive);
  EXPECT_EQ(parse_option<LoadBalancing>("load_balancing", "total"), LoadBalancing::kLeastTotal);
  EXPECT_EQ(parse_option<LoadBalancing>("load_balancing", "rand"), LoadBalancing::kRandom);
  EXPECT_EQ(parse_option<RateLimitAlgorithm>("algorithm", "token"),
            RateLimitAlgorithm::kTokenBucket);
  EXPECT_EQ(parse_option<ReturnWhen>("return_when", "first"), ReturnWhen::kFirstCompleted);
  EXPECT_EQ(stats_name(LoadBalancing::kLeastActive), "LeastActiveLoad");
}

TEST(OptionValuesTest, TypoNamesAllowedValuesAndNearest) {
  std::string msg = error_of([] { parse_option<Mode>("mode", "thred"); });
  EXPECT_NE(msg.find("'thred'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("'sync', 'thread', 'asyncio', 'process', 'cluster'"), std::string::npos)
      << msg;
  EXPECT_NE(msg.find("did you mean 'thread'?"), std::string::npos) << msg;
  msg = error_of([] { parse_option<Mode>("mode", "xyzzy-nothing-like-it"); });
  EXPECT_EQ(msg.find("did you mean"), std::string::npos) << msg;
  msg = error_of([] { parse_option<Mode>("mode", "proces"); });
  EXPECT_NE(msg.find("did you mean 'process'?"), std::string::npos) << msg;
}

TEST(OptionsTest, FromMapCoercesStrings) {
  Options o = Options::from_map({{"mode", "thread"},
                                 {"blocking", "true"},
                                 {"max_workers", "4"},
                                 {"retry_wait", "0.5"},
                                 {"unwrap_futures", "0"}});
  EXPECT_EQ(o.mode->str(), "thread");
  EXPECT_EQ(o.blocking, true);
  EXPECT_EQ(o.max_workers, 4);
  EXPECT_DOUBLE_EQ(o.retry_wait.for_method("any"), 0.5);
  EXPECT_EQ(o.unwrap_futures, false);
}

TEST(OptionsTest, FromMapRefusesBadKeysAndValues) {
  std::string msg = error_of([] { Options::from_map({{"max_worker", "2"}}); });
  EXPECT_NE(msg.find("unknown option 'max_worker'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("did you mean 'max_workers'?"), std::string::npos) << msg;
  msg = error_of([] { Options::from_map({{"blocking", "maybe"}}); });
  EXPECT_NE(msg.find("'blocking' expects a boolean"), std::string::npos) << msg;
  msg = error_of([] { Options::from_map({{"max_workers", "4x"}}); });
  EXPECT_NE(msg.find("expects an integer"), std::string::npos) << msg;
}

TEST(OptionsTest, PrecedenceCallOverClassOverGlobal) {
  global_config().reset();
  Options class_defaults{.mode = "thread", .blocking = true};
  ResolvedOptions r = resolve_options({}, class_defaults, {});
  EXPECT_EQ(r.mode, Mode::kThread);
  EXPECT_TRUE(r.blocking);
  EXPECT_EQ(r.max_queued_tasks, 100);  // the thread mode's global default
  r = resolve_options({.blocking = false}, class_defaults, {});
  EXPECT_FALSE(r.blocking);
  r = resolve_options({}, {}, {});
  EXPECT_EQ(r.mode, Mode::kSync);
  EXPECT_FALSE(r.max_queued_tasks.has_value());  // sync bypasses the submission queue
  EXPECT_EQ(r.load_balancing, LoadBalancing::kRoundRobin);
  EXPECT_DOUBLE_EQ(r.stop_timeout, 30.0);
  EXPECT_TRUE(r.unwrap_futures);
}

TEST(OptionsTest, TempConfigIsScoped) {
  global_config().reset();
  {
    auto scope = temp_config({.mode = "thread", .blocking = true});
    ResolvedOptions r = resolve_options({}, {}, {});
    EXPECT_EQ(r.mode, Mode::kThread);
    EXPECT_TRUE(r.blocking);
    {
      auto inner = temp_config(Mode::kThread, {.max_queued_tasks = 7});
      EXPECT_EQ(resolve_options({}, {}, {}).max_queued_tasks, 7);
    }
    EXPECT_EQ(resolve_options({}, {}, {}).max_queued_tasks, 100);
  }
  ResolvedOptions r = resolve_options({}, {}, {});
  EXPECT_EQ(r.mode, Mode::kSync);
  EXPECT_FALSE(r.blocking);
}

TEST(OptionsTest, SyncRefusesPoolsWithReferenceMessages) {
  std::string msg = error_of([] { resolve_options({.mode = "sync", .max_workers = 2}, {}, {}); });
  EXPECT_NE(msg.find("max_workers must be 1 for sync mode"), std::string::npos) << msg;
  msg = error_of([] { resolve_options({.mode = "asyncio", .max_workers = 3}, {}, {}); });
  EXPECT_NE(msg.find("max_workers must be 1 for asyncio mode"), std::string::npos) << msg;
  msg = error_of([] { resolve_options({.mode = "sync", .on_demand = true}, {}, {}); });
  EXPECT_NE(msg.find("on_demand is not supported for sync mode"), std::string::npos) << msg;
}

TEST(OptionsTest, PerMethodMapsNeedStarAndRealMethods) {
  std::vector<std::string> methods = {"fetch", "store"};
  std::string msg = error_of([&] {
    resolve_options({.num_retries = PerMethod<int>{{"fetch", 3}}}, {}, methods);
  });
  EXPECT_NE(msg.find("must contain a \"*\" entry"), std::string::npos) << msg;
  msg = error_of([&] {
    resolve_options({.num_retries = PerMethod<int>{{"*", 0}, {"fetc", 3}}}, {}, methods);
  });
  EXPECT_NE(msg.find("names method 'fetc'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("did you mean 'fetch'?"), std::string::npos) << msg;
  ResolvedOptions r =
      resolve_options({.num_retries = PerMethod<int>{{"*", 0}, {"fetch", 3}}}, {}, methods);
  EXPECT_EQ(r.merged.num_retries.for_method("fetch"), 3);
  EXPECT_EQ(r.merged.num_retries.for_method("store"), 0);
}

TEST(OptionsTest, RangeChecks) {
  EXPECT_THROW(resolve_options({.max_workers = -1}, {}, {}), InvalidOptionError);
  EXPECT_THROW(resolve_options({.retry_jitter = 1.5}, {}, {}), InvalidOptionError);
  EXPECT_THROW(resolve_options({.retry_wait = -1.0}, {}, {}), InvalidOptionError);
  EXPECT_THROW(resolve_options({.retry_algorithm = "expo"}, {}, {}), InvalidOptionError);
  EXPECT_THROW(resolve_options({.load_balancing = "fastest"}, {}, {}), InvalidOptionError);
  EXPECT_THROW(resolve_options({.mp_context = "clone"}, {}, {}), InvalidOptionError);
}

TEST(OptionsTest, EnumValuesAndStringVariablesConvert) {
  std::string mode = "thread";
  Options a{.mode = mode};
  Options b{.mode = Mode::kThread, .load_balancing = LoadBalancing::kLeastTotal};
  EXPECT_EQ(a.mode->str(), "thread");
  EXPECT_EQ(b.mode->str(), "thread");
  EXPECT_EQ(b.load_balancing->str(), "least_total");
}

}  // namespace
}  // namespace concurry
