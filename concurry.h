// concurry: the worker model of the Python library concurry, for C++20.
// One include gives the whole public API: Options and global_config, Future/Promise, the error
// hierarchy, the registration macros, Handle<T> and options<T>().init(), TaskWorker and task(),
// gather / wait / as_completed, progress bars, and connect/shutdown for cluster mode. See docs/guide/ for each feature.
#ifndef CONCURRY_CONCURRY_H_
#define CONCURRY_CONCURRY_H_

#include "concurry/client/connect.h"
#include "concurry/client/get_actor.h"
#include "concurry/core/duration.h"
#include "concurry/core/error_codec.h"
#include "concurry/core/errors.h"
#include "concurry/core/future.h"
#include "concurry/core/global_config.h"
#include "concurry/core/limit_clock.h"
#include "concurry/core/limit_definitions.h"
#include "concurry/core/limit_set.h"
#include "concurry/core/option_values.h"
#include "concurry/core/options.h"
#include "concurry/core/per_method.h"
#include "concurry/core/result.h"
#include "concurry/core/retry.h"
#include "concurry/core/retry_options.h"
#include "concurry/core/serialization.h"
#include "concurry/core/worker_macros.h"
#include "concurry/core/async.h"
#include "concurry/runtime/async_gather.h"
#include "concurry/runtime/gather.h"
#include "concurry/runtime/handle.h"
#include "concurry/runtime/init.h"
#include "concurry/runtime/pool_stats.h"
#include "concurry/runtime/progress_bar.h"
#include "concurry/runtime/task_worker.h"
#include "concurry/core/worker.h"
#include "concurry/runtime/worker_builder.h"

#endif  // CONCURRY_CONCURRY_H_
