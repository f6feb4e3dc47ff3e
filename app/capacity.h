// Capacity planning over replicated simulations (docs/capacity.md): a sweep
// over a scenario's `sweep:` grid, and the smallest gateway replica counts
// that meet a latency objective, bracketed by the analytic model.
//
//   Diagnostics d;
//   auto r = Plan("s.yaml", {"p99", 10.0}, {.rate_multiplier = 2}, d);
#ifndef MESHSIM_APP_CAPACITY_H_
#define MESHSIM_APP_CAPACITY_H_

#include <optional>
#include <string>

#include "app/shard.h"
#include "model/diagnostics.h"
#include "model/scenario.h"
#include "sim/result.h"

namespace meshsim {

// A latency objective: `metric` (mean | p50 | p90 | p99 | p999) below
// `bound_ms` for every traffic entry.
struct Objective {
  std::string metric;
  double bound_ms = 0;
  std::string text;  // as the user wrote it
};
// Parses "p99<10ms", "mean < 2.5ms", "p999<1s", "p90<500us"; nullopt with
// `error` set otherwise.
std::optional<Objective> ParseObjective(const std::string& s,
                                        std::string* error);

struct CapacityOptions {
  double rate_multiplier = 1;
  int replications = 5;
  int jobs = 1;
  int max_replicas = 64;
  // `sweep`: only the grid points this shard owns (docs/scale-out.md).
  ShardSpec shard;
};

// Runs every point of the scenario's `sweep:` (rate x replicas x version),
// each with `replications` replications (the sweep's own count unless
// `options.replications` > 0). nullopt when the scenario does not load or
// has no `sweep:` (with a diagnostic).
std::optional<SweepResult> RunSweep(const std::string& path,
                                    const CapacityOptions& options,
                                    Diagnostics& diags);

// The smallest replica counts of every waypoint, ingress and east-west
// gateway that meet `objective` at `options.rate_multiplier`: first the
// analytic lower bound (every gateway stable, M/M/c with Erlang C, and the
// analytic mean within the bound), then replicated simulation, adding a
// replica to the busiest gateway until the objective's 95% upper bound is
// met. The scenario's faults are simulated, so it sizes for them.
std::optional<PlanResult> Plan(const std::string& path,
                               const Objective& objective,
                               const CapacityOptions& options,
                               Diagnostics& diags);

}  // namespace meshsim

#endif  // MESHSIM_APP_CAPACITY_H_
