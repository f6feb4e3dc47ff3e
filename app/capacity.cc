#include "app/capacity.h"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>
#include <set>

#include "model/io/loader.h"
#include "sim/analytic.h"
#include "sim/estimate.h"
#include "sim/simulator.h"

namespace meshsim {

namespace {

bool IsGatewayKind(const std::string& kind) {
  return kind == "waypoint" || kind == "ingress" || kind == "eastwest";
}

// The gateway ("cluster/ns/name") of a proxy station named
// "<kind> <cluster>/<ns>/<name>@<node>".
std::string GatewayOf(const std::string& station) {
  const size_t sp = station.find(' ');
  const size_t at = station.find('@');
  if (sp == std::string::npos) return "";
  return station.substr(
      sp + 1, at == std::string::npos ? std::string::npos : at - sp - 1);
}

Interval ToInterval(const std::vector<double>& values) {
  const Estimate e = Estimate95(values);
  return {e.mean, e.half_width};
}

std::vector<EntryIntervals> Summarize(const std::vector<SimResult>& runs) {
  std::vector<EntryIntervals> out;
  for (size_t ei = 0; ei < runs.front().entries.size(); ++ei) {
    std::vector<double> mean, p50, p90, p99, p999, failed;
    for (const SimResult& r : runs) {
      const SourceStats& s = r.entries[ei].stats;
      const double n = static_cast<double>(s.latency.count());
      mean.push_back(n ? s.latency_sum_ns / n * 1e-6 : 0.0);
      p50.push_back(s.latency.Quantile(0.5) * 1e-6);
      p90.push_back(s.latency.Quantile(0.9) * 1e-6);
      p99.push_back(s.latency.Quantile(0.99) * 1e-6);
      p999.push_back(s.latency.Quantile(0.999) * 1e-6);
      failed.push_back(s.requests ? 100.0 * static_cast<double>(s.failed) /
                                        static_cast<double>(s.requests)
                                  : 0.0);
    }
    out.push_back({runs.front().entries[ei].name, ToInterval(mean),
                   ToInterval(p50), ToInterval(p90), ToInterval(p99),
                   ToInterval(p999), ToInterval(failed)});
  }
  return out;
}

// Utilisation of every proxy station over the replications.
std::map<std::string, Interval> Utilizations(
    const std::vector<SimResult>& runs) {
  std::map<std::string, Interval> out;
  for (size_t si = 0; si < runs.front().stations.size(); ++si) {
    const SimStation& st = runs.front().stations[si];
    if (st.kind == "workload") continue;
    std::vector<double> u;
    for (const SimResult& r : runs) u.push_back(Utilization(r.stations[si], r));
    out[st.name] = ToInterval(u);
  }
  return out;
}

const Interval& Metric(const EntryIntervals& e, const std::string& metric) {
  if (metric == "mean") return e.mean_ms;
  if (metric == "p50") return e.p50_ms;
  if (metric == "p90") return e.p90_ms;
  if (metric == "p999") return e.p999_ms;
  return e.p99_ms;
}

std::optional<Scenario> LoadWith(const std::string& path,
                                 const ScenarioOverrides& ov,
                                 Diagnostics& diags) {
  Diagnostics d;
  std::optional<Scenario> sc = LoadScenarioFile(path, d, "", &ov);
  if (!sc || d.HasErrors()) {
    for (const Diagnostic& x : d.all())
      if (x.severity == Severity::kError)
        diags.Error(x.location, x.message, x.rule);
    return std::nullopt;
  }
  return sc;
}

std::optional<IstioVersion> VersionOf(const std::string& s) {
  IstioVersion v;
  if (s.empty() || std::sscanf(s.c_str(), "%d.%d", &v.major, &v.minor) != 2)
    return std::nullopt;
  return v;
}

// Step 1 of Plan: raises `counts` to the analytic lower bound. Returns
// false when a load fails (nullopt plan) and sets `why` when a non-gateway
// station is overloaded.
bool AnalyticBound(const Objective& objective, const CapacityOptions& options,
                   std::map<std::string, int>& counts,
                   const std::function<std::optional<Scenario>()>& load,
                   const std::function<std::pair<std::string, double>(
                       const std::map<std::string, double>&)>& busiest,
                   std::string* why) {
  // 1. The analytic lower bound: every station stable and, for a mean or
  // upper-quantile objective, every entry's analytic mean within the bound
  // (or no longer falling by 1% per replica, twice running).
  double last_mean = -1;
  int flat = 0;
  for (int iter = 0; iter < 10000; ++iter) {
    std::optional<Scenario> sc = load();
    if (!sc) return false;
    const AnalyticResult a = Analyze(BuildSimModel(*sc));
    std::map<std::string, double> rho;
    std::string stuck;
    for (const StationAnalysis& st : a.stations) {
      if (IsGatewayKind(st.kind))
        rho[st.name] = st.utilization;
      else if (st.utilization >= 1 && stuck.empty())
        stuck = st.name;
    }
    if (!stuck.empty()) {
      *why = stuck +
             " is overloaded (utilisation at least 1 in the analytic model) "
             "and is not a gateway: no replica count helps";
      return true;
    }
    bool unstable = false;
    for (const auto& [name, r] : rho) unstable |= r >= 1;
    bool slow = false;
    double worst_mean = 0;
    if (objective.metric != "p50")
      for (const EntryAnalysis& e : a.entries)
        if (!e.closed_loop && e.mean_latency_s) {
          slow |= *e.mean_latency_s * 1e3 > objective.bound_ms;
          worst_mean = std::max(worst_mean, *e.mean_latency_s * 1e3);
        }
    if (!unstable) {
      flat = last_mean >= 0 && worst_mean > 0.99 * last_mean ? flat + 1 : 0;
      last_mean = worst_mean;
    }
    if (!unstable && (!slow || flat >= 2)) break;
    auto [gw, top] = busiest(rho);
    if (gw.empty() || (!unstable && top < 0.05)) break;
    ++counts[gw];
  }
  return true;
}

}  // namespace

std::optional<Objective> ParseObjective(const std::string& s,
                                        std::string* error) {
  std::string t;
  for (char c : s)
    if (c != ' ') t += c;
  const size_t lt = t.find('<');
  Objective o;
  o.text = s;
  o.metric = lt == std::string::npos ? "" : t.substr(0, lt);
  static const std::set<std::string> kMetrics = {"mean", "p50", "p90", "p99",
                                                 "p999"};
  if (lt == std::string::npos || !kMetrics.count(o.metric)) {
    *error = "--slo '" + s +
             "': expected METRIC<BOUND with METRIC mean, p50, p90, p99 or "
             "p999, e.g. 'p99<10ms'";
    return std::nullopt;
  }
  const std::string bound = t.substr(lt + 1);
  char* end = nullptr;
  const double v = std::strtod(bound.c_str(), &end);
  const std::string unit = end ? std::string(end) : "";
  const double scale = unit == "ms"   ? 1
                       : unit == "s"  ? 1e3
                       : unit == "us" ? 1e-3
                                      : -1;
  if (bound.empty() || end == bound.c_str() || scale < 0 || !(v > 0)) {
    *error = "--slo '" + s +
             "': the bound must be a positive duration in us, ms or s, e.g. "
             "10ms";
    return std::nullopt;
  }
  o.bound_ms = v * scale;
  return o;
}

std::optional<SweepResult> RunSweep(const std::string& path,
                                    const CapacityOptions& options,
                                    Diagnostics& diags) {
  std::optional<Scenario> base = LoadWith(path, {}, diags);
  if (!base) return std::nullopt;
  if (!base->sweep) {
    diags.Error(SourceLocation{path, 1, 1},
                "scenario has no `sweep:` block; add one with rate, replicas "
                "or version lists (docs/capacity.md)");
    return std::nullopt;
  }
  const SweepSpec& sw = *base->sweep;
  SweepResult out;
  out.scenario = base->mesh.name;
  out.replications =
      options.replications > 0 ? options.replications : sw.replications;
  std::vector<std::string> versions = sw.versions;
  if (versions.empty()) versions.push_back("");
  // Every combination of the replica lists, in file order.
  std::vector<std::map<std::string, int>> combos = {{}};
  for (const auto& [gw, counts] : sw.replicas) {
    std::vector<std::map<std::string, int>> next;
    for (const auto& c : combos)
      for (int n : counts) {
        auto m = c;
        m[gw] = n;
        next.push_back(m);
      }
    combos = next;
  }
  std::vector<std::string> faults = sw.faults;
  if (faults.empty()) faults.push_back("");  // as written
  for (const std::string& fault : faults)
    for (const std::string& version : versions)
      for (const auto& combo : combos)
        for (double rate : sw.rate) {
          const size_t index = out.grid_points++;
          if (!options.shard.Owns(index)) continue;
          ScenarioOverrides ov;
          ov.replicas = combo;
          ov.version = VersionOf(version);
          ov.rate_multiplier = rate * options.rate_multiplier;
          if (!fault.empty()) ov.faults = fault;
          std::optional<Scenario> sc = LoadWith(path, ov, diags);
          if (!sc) return std::nullopt;
          const std::vector<SimResult> runs = RunReplications(
              BuildSimModel(*sc), sc->seed, out.replications, options.jobs);
          SweepPoint p;
          p.rate = rate;
          p.replicas = combo;
          p.version = version;
          p.faults = fault;
          p.entries = Summarize(runs);
          p.utilization = Utilizations(runs);
          double best = -1;
          for (const auto& [name, u] : p.utilization)
            if (u.mean > best) {
              best = u.mean;
              p.busiest = name;
            }
          out.points.push_back(std::move(p));
          out.point_index.push_back(index);
        }
  return out;
}

std::optional<PlanResult> Plan(const std::string& path,
                               const Objective& objective,
                               const CapacityOptions& options,
                               Diagnostics& diags) {
  std::optional<Scenario> base = LoadWith(path, {}, diags);
  if (!base) return std::nullopt;
  PlanResult out;
  out.scenario = base->mesh.name;
  out.objective = objective.metric + " < " + std::to_string(objective.bound_ms);
  out.objective = objective.text;
  out.rate_multiplier = options.rate_multiplier;
  out.replications = options.replications;
  // The gateways whose replica count can change, in cluster, key order.
  std::map<std::string, int> counts;
  std::map<std::string, std::string> kinds;
  for (const Cluster& c : base->mesh.clusters)
    for (const auto& [key, gw] : c.gateways) {
      auto pods = c.gateway_pods.find(key);
      if (gw.role == GatewayRole::kRemote || pods == c.gateway_pods.end() ||
          pods->second.empty())
        continue;
      counts[c.name + "/" + key] = 1;
      kinds[c.name + "/" + key] = gw.role == GatewayRole::kWaypoint ? "waypoint"
                                  : gw.role == GatewayRole::kEastWest
                                      ? "eastwest"
                                      : "ingress";
    }
  if (counts.empty()) {
    out.why = "the scenario has no waypoint or gateway to size";
    return out;
  }
  auto load = [&]() {
    ScenarioOverrides ov;
    ov.replicas = counts;
    ov.rate_multiplier = options.rate_multiplier;
    return LoadWith(path, ov, diags);
  };
  // The gateway of `counts` whose busiest replica has the highest load in
  // `per_station` (name -> value); "" when none.
  auto busiest = [&](const std::map<std::string, double>& per_station) {
    std::string best;
    double top = -1;
    for (const auto& [name, v] : per_station) {
      const std::string gw = GatewayOf(name);
      if (counts.count(gw) && counts[gw] < options.max_replicas && v > top) {
        top = v;
        best = gw;
      }
    }
    return std::make_pair(best, top);
  };
  // 1. The analytic lower bound.
  if (!AnalyticBound(objective, options, counts, load, busiest, &out.why))
    return std::nullopt;
  if (!out.why.empty()) return out;
  std::map<std::string, int> analytic = counts;
  // 2. Replicated simulation from there. A replica that does not lower the
  // worst entry's objective bound by 1%, twice running, means what remains
  // is outside the gateways.
  double last_worst = -1;
  int no_gain = 0;
  for (int iter = 0; iter < 1000; ++iter) {
    std::optional<Scenario> sc = load();
    if (!sc) return std::nullopt;
    const std::vector<SimResult> runs = RunReplications(
        BuildSimModel(*sc), sc->seed, options.replications, options.jobs);
    ++out.simulations;
    out.entries = Summarize(runs);
    const std::map<std::string, Interval> util = Utilizations(runs);
    out.targets.clear();
    for (const auto& [gw, n] : counts) {
      PlanTarget t;
      t.gateway = gw;
      t.kind = kinds[gw];
      t.analytic = analytic[gw];
      t.planned = n;
      for (const auto& [name, u] : util)
        if (GatewayOf(name) == gw && u.mean > t.utilization.mean)
          t.utilization = u;
      out.targets.push_back(t);
    }
    out.met = true;
    double worst = 0;
    for (const EntryIntervals& e : out.entries) {
      out.met &= Metric(e, objective.metric).upper() <= objective.bound_ms;
      worst = std::max(worst, Metric(e, objective.metric).upper());
    }
    if (out.met) return out;
    no_gain = last_worst >= 0 && worst > 0.99 * last_worst ? no_gain + 1 : 0;
    last_worst = worst;
    if (no_gain >= 2) {
      out.why = "two more replicas did not lower the worst " +
                objective.metric + " (" + std::to_string(worst) +
                " ms): what remains is outside the gateways (network, "
                "workloads, ztunnels)";
      return out;
    }
    std::map<std::string, double> load_by_station;
    for (const auto& [name, u] : util) load_by_station[name] = u.mean;
    auto [gw, top] = busiest(load_by_station);
    if (gw.empty()) {
      out.why = "every gateway is at --max-replicas (" +
                std::to_string(options.max_replicas) + ")";
      return out;
    }
    if (top < 0.05) {
      out.why =
          "the objective is missed with every gateway under 5% busy: the "
          "latency outside the gateways (network, workloads) exceeds it";
      return out;
    }
    ++counts[gw];
  }
  out.why = "no answer within 1000 simulated grid points";
  return out;
}

}  // namespace meshsim
