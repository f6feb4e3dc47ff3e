// `meshsim run`: replays a scenario's traffic through the mesh as discrete
// events. Each traffic entry's requests follow the paths of `meshsim paths`
// (re-resolved for every fault window), each hop is a station, and network
// delay between hops follows locality (docs/latency-model.md).
//
//   SimModel model = BuildSimModel(scenario);
//   SimResult result = RunSimulation(model, {.seed = 1});
#ifndef MESHSIM_SIM_SIMULATOR_H_
#define MESHSIM_SIM_SIMULATOR_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "model/scenario.h"
#include "sim/queueing.h"
#include "sim/result.h"

namespace meshsim {

// The queueing network a scenario maps to, with names for reporting.
// BuildSimModel throws LimitExceeded (exit 2, docs/robustness.md#limits)
// when the scenario's paths would need more latency histograms (one per hop
// and one per route, about 5 KB each) than this, about 0.5 GB.
inline constexpr size_t kMaxRouteHistograms = 100'000;

struct SimModel {
  QueueingNetwork net;
  std::vector<std::string> entry_names;  // by source
  std::vector<std::vector<SimPathInfo>>
      entry_paths;  // by source, by path index
  struct PolicyCounter {
    std::string policy;
    std::optional<int> rule;
    std::string effect;
  };
  std::vector<PolicyCounter> policy_counters;  // by counter index
  std::vector<int64_t> epoch_starts;           // fault windows
};

// Builds the network for `scenario`. Never fails on a loaded scenario.
SimModel BuildSimModel(const Scenario& scenario);

struct RunOptions {
  uint64_t seed = 1;
  // Called about once per 2^20 events with (simulated time, events so far).
  std::function<void(SimTime, uint64_t)> progress;
  TraceSink trace;
  uint64_t trace_every = 1;
  std::optional<uint64_t> max_retries;  // default: RunLimits::max_retries
};

// Runs the model and returns its statistics as a value (the model keeps its
// own live network too).
SimResult RunSimulation(SimModel& model, const RunOptions& options);

// Replications (docs/simulation.md): the seed of replication i; the first
// is `seed` itself (one replication is the plain run), the others
// SplitMix64 of (seed, i), so they never depend on how many run at once.
uint64_t ReplicationSeed(uint64_t seed, int i);

// Runs `n` independent replications of `model` (each on its own copy), at
// most `jobs` at once; results in replication order, the same for any
// `jobs`. With `wanted`, only the replications it accepts run (a shard's,
// app/shard.h); the others are left empty.
std::vector<SimResult> RunReplications(
    const SimModel& model, uint64_t seed, int n, int jobs,
    const std::function<bool(int)>& wanted = nullptr);

// MergeResults (several runs as one) is in sim/result.h.

}  // namespace meshsim

#endif  // MESHSIM_SIM_SIMULATOR_H_
