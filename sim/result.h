// What the simulator and the analytic model hand on: value types only, with
// no reference to the queueing network that produced them. reports/ renders
// these and links no simulator code (docs/architecture.md).
//
//   SimModel model = BuildSimModel(scenario);
//   SimResult r = RunSimulation(model, {.seed = 1});
//   for (const SimEntry& e : r.entries) e.stats.latency.Quantile(0.99);
#ifndef MESHSIM_SIM_RESULT_H_
#define MESHSIM_SIM_RESULT_H_

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "model/path.h"
#include "sim/histogram.h"

namespace meshsim {

// One path of a traffic entry as the simulator replays it.
// One station of a path with where requests' time went there (network to
// reach it, queueing, service), for the per-hop latency breakdown.
struct PathHopTiming {
  uint32_t station = 0;  // index into SimResult::stations
  HopTiming timing;
};

struct SimPathInfo {
  std::vector<std::string> waypoints;
  Outcome outcome = Outcome::kDelivered;
  std::string summary;    // hop kinds and names, for text reports
  std::vector<Hop> hops;  // the path's hops, policies left out
  // The stations the path's requests cross, in order, with their timing
  // (filled by the run; empty for a path no request took).
  std::vector<PathHopTiming> timing;
  // End-to-end latency of the delivered requests whose last attempt took
  // this path, ns: the entry's latency split by path.
  HopHistogram latency;
};

struct StationStats {
  uint64_t served = 0;
  double busy_ns = 0;         // total service time given
  double busy_window_ns = 0;  // the part inside the offered window
  double queue_area = 0;      // integral of queue length over time (ns)
  uint64_t max_queue = 0;
  uint64_t queue_full = 0;  // requests failed because the queue was full
};

struct SourceStats {
  uint64_t requests = 0, delivered = 0, denied = 0, failed = 0, retries = 0,
           timeouts = 0;
  std::map<int, uint64_t> failed_by_reason;  // index into SimResult::reasons
  std::vector<uint64_t> per_path;            // by path index
  LatencyHistogram latency;                  // delivered requests, ns
  double latency_sum_ns = 0;
};

// One hop of a traced request: station id, arrival, start of service,
// departure (ns).
struct TraceHop {
  uint32_t station;
  int64_t arrive, start, depart;
};

// A station (proxy or application pod) after the run.
struct SimStation {
  std::string name;  // "<kind> <cluster>/<name>[@node]"
  std::string
      kind;  // ztunnel | waypoint | ingress | eastwest | sidecar | workload
  std::string cluster;
  int workers = 1;
  StationStats stats;
};

// A traffic entry after the run.
struct SimEntry {
  std::string name;
  SourceStats stats;
  std::vector<SimPathInfo> paths;  // by path index
  // Policy-hit counters (indexes into SimResult::policy_counters) that one
  // attempt on each path increments, by path index.
  std::vector<std::vector<uint32_t>> path_hits;
};

struct SimPolicyCounter {
  std::string policy;
  std::optional<int> rule;
  std::string effect;  // allow | deny | no-op
  uint64_t hits = 0;
};

// One proxy replica's outlier detection for one service (§16.1): the hosts
// in its pool, the ejections it made, and the outliers it kept because
// maxEjectionPercent allowed no more.
struct SimOutlierDetector {
  std::string
      detector;  // "<proxy station> -> ns/service (DestinationRule ns/name)"
  uint64_t hosts = 0;
  uint64_t ejections = 0;
  uint64_t not_ejected = 0;
};

struct SimResult {
  std::vector<SimEntry> entries;     // scenario order
  std::vector<SimStation> stations;  // station order
  std::vector<SimPolicyCounter> policy_counters;
  std::vector<SimOutlierDetector> outlier_detectors;
  std::vector<std::string> reasons;  // failure reasons
  double simulated_seconds = 0;      // simulated time at the end
  // The offered window (0 to the last open-loop entry's end), seconds; 0
  // when an entry is bounded by a request count.
  double offered_seconds = 0;
  uint64_t events = 0;
  uint64_t connections_opened = 0;
  uint64_t retries_refused = 0;  // past the run's retry budget (RunLimits)
};

// Cores a station kept busy on average over the offered window (the time
// traffic is offered, the drain after it left out: a saturated station is
// not averaged away), or over the whole run when an entry is bounded by a
// request count instead of a duration (docs/simulation.md).
inline double CoresBusy(const SimStation& s, const SimResult& r) {
  if (r.offered_seconds > 0)
    return s.stats.busy_window_ns * 1e-9 / r.offered_seconds;
  return s.stats.busy_ns * 1e-9 /
         (r.simulated_seconds > 0 ? r.simulated_seconds : 1e-9);
}
// The share of its workers' time a station was busy (CoresBusy per worker).
inline double Utilization(const SimStation& s, const SimResult& r) {
  return CoresBusy(s, r) / s.workers;
}

// One result of several runs: counters, busy time, queue areas, simulated
// time and histograms summed (histograms exactly), maximum queues maxed.
// Merging in any grouping gives the same result when merged in run order.
inline SimResult MergeResults(const std::vector<SimResult>& runs) {
  if (runs.empty()) return {};
  SimResult m = runs.front();
  for (size_t r = 1; r < runs.size(); ++r) {
    const SimResult& o = runs[r];
    m.simulated_seconds += o.simulated_seconds;
    m.offered_seconds += o.offered_seconds;
    m.events += o.events;
    m.connections_opened += o.connections_opened;
    m.retries_refused += o.retries_refused;
    for (size_t i = 0; i < m.stations.size() && i < o.stations.size(); ++i) {
      StationStats& a = m.stations[i].stats;
      const StationStats& b = o.stations[i].stats;
      a.served += b.served;
      a.busy_ns += b.busy_ns;
      a.busy_window_ns += b.busy_window_ns;
      a.queue_area += b.queue_area;
      a.max_queue = std::max(a.max_queue, b.max_queue);
      a.queue_full += b.queue_full;
    }
    for (size_t i = 0;
         i < m.policy_counters.size() && i < o.policy_counters.size(); ++i)
      m.policy_counters[i].hits += o.policy_counters[i].hits;
    for (size_t i = 0;
         i < m.outlier_detectors.size() && i < o.outlier_detectors.size();
         ++i) {
      m.outlier_detectors[i].ejections += o.outlier_detectors[i].ejections;
      m.outlier_detectors[i].not_ejected += o.outlier_detectors[i].not_ejected;
    }
    for (size_t i = 0; i < m.entries.size() && i < o.entries.size(); ++i) {
      SourceStats& a = m.entries[i].stats;
      const SourceStats& b = o.entries[i].stats;
      a.requests += b.requests;
      a.delivered += b.delivered;
      a.denied += b.denied;
      a.failed += b.failed;
      a.retries += b.retries;
      a.timeouts += b.timeouts;
      // Failure reasons are indexes into each run's own list: by text.
      for (const auto& [reason, count] : b.failed_by_reason) {
        const std::string& text = o.reasons[static_cast<size_t>(reason)];
        auto it = std::find(m.reasons.begin(), m.reasons.end(), text);
        if (it == m.reasons.end()) {
          m.reasons.push_back(text);
          it = m.reasons.end() - 1;
        }
        a.failed_by_reason[static_cast<int>(it - m.reasons.begin())] += count;
      }
      if (a.per_path.size() < b.per_path.size())
        a.per_path.resize(b.per_path.size(), 0);
      for (size_t p = 0; p < b.per_path.size(); ++p)
        a.per_path[p] += b.per_path[p];
      a.latency.Merge(b.latency);
      a.latency_sum_ns += b.latency_sum_ns;
      std::vector<SimPathInfo>& ap = m.entries[i].paths;
      const std::vector<SimPathInfo>& bp = o.entries[i].paths;
      for (size_t p = 0; p < ap.size() && p < bp.size(); ++p) {
        ap[p].latency.Merge(bp[p].latency);
        if (ap[p].timing.empty()) ap[p].timing = bp[p].timing;
        if (ap[p].timing.size() != bp[p].timing.size() ||
            &ap[p].timing == &bp[p].timing)
          continue;
        for (size_t h = 0; h < ap[p].timing.size(); ++h)
          ap[p].timing[h].timing.Merge(bp[p].timing[h].timing);
      }
    }
  }
  return m;
}

// ---- capacity planning (app/capacity.h; docs/capacity.md) -------------------

// A statistic over replications: mean and 95% half-width (sim/estimate.h).
struct Interval {
  double mean = 0;
  double half_width = 0;
  double upper() const { return mean + half_width; }
};

struct EntryIntervals {
  std::string name;
  Interval mean_ms, p50_ms, p90_ms, p99_ms, p999_ms, failed_percent;
};

// One point of a sweep grid and what its replications gave.
struct SweepPoint {
  double rate = 1;                      // multiplier of every entry's rate
  std::map<std::string, int> replicas;  // "cluster/ns/name" (swept ones)
  std::string version;                  // "" = the scenario's
  std::string faults;  // sweep.faults: none | all | a name; "" = as written
  std::vector<EntryIntervals> entries;
  // Utilisation of every non-workload station, by name, and the busiest.
  std::map<std::string, Interval> utilization;
  std::string busiest;
};

struct SweepResult {
  std::string scenario;
  int replications = 0;
  std::vector<SweepPoint> points;
  // The grid's size and each point's index in it: a shard (app/shard.h)
  // runs some of the points.
  size_t grid_points = 0;
  std::vector<size_t> point_index;
};

// `meshsim plan`: the smallest replica counts meeting a latency objective.
struct PlanTarget {
  std::string gateway;  // cluster/ns/name
  std::string kind;     // waypoint | ingress | eastwest
  int analytic = 1;     // the smallest count the analytic model allows
  int planned = 1;      // confirmed by replicated simulation
  Interval utilization;
};

struct PlanResult {
  std::string scenario;
  std::string objective;  // e.g. "p99 < 10 ms"
  double rate_multiplier = 1;
  int replications = 0;
  bool met = false;
  std::string why;  // when not met: what stands in the way
  std::vector<PlanTarget> targets;
  std::vector<EntryIntervals> entries;  // at the planned counts
  int simulations = 0;                  // grid points simulated
};

// ---- the analytic model (sim/analytic.h) -----------------------------------

struct StationAnalysis {
  std::string name;  // as SimStation::name
  std::string kind;
  double arrival_rate = 0;               // requests per second
  double utilization = 0;                // rho = lambda s / c
  std::optional<double> mean_sojourn_s;  // none when rho >= 1 (unstable)
};

struct EntryAnalysis {
  std::string name;
  std::optional<double> mean_latency_s;  // delivered requests; none if unstable
  double delivered_share = 0;
  // A closed loop (`concurrency:`) is outside the open network's model: it
  // adds no flow and has no analytic latency.
  bool closed_loop = false;
};

struct AnalyticResult {
  std::vector<StationAnalysis> stations;  // by station id
  std::vector<EntryAnalysis> entries;     // by source
  std::vector<std::string> warnings;      // unstable stations
};

}  // namespace meshsim

#endif  // MESHSIM_SIM_RESULT_H_
