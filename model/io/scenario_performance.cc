// `performance:`: the service time of proxies and workloads, and network
// latencies, for the simulator. See scenario_sections.h.
#include <algorithm>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "model/io/scenario_sections.h"

namespace meshsim::io {

namespace {

std::optional<StationPerf> ParseStationPerf(Reader& r, const yaml::Node& n,
                                            const std::string& what) {
  if (!r.IsMap(n, what)) return std::nullopt;
  CheckKeys(r, n, {"workers", "service_time", "queue_limit"}, what);
  StationPerf p;
  p.location = r.Loc(n);
  p.workers = static_cast<int>(
      r.Int(r.Child(n, "workers"), what + ".workers", 1, 100000).value_or(1));
  p.queue_limit = static_cast<uint64_t>(
      r.Int(r.Child(n, "queue_limit"), what + ".queue_limit", 0, 1'000'000)
          .value_or(static_cast<int64_t>(p.queue_limit)));
  yaml::Node st = r.Child(n, "service_time");
  if (!r.IsMap(st, what + ".service_time")) {
    r.Error(n, what + ".service_time is required (distribution and mean_ms)");
    return std::nullopt;
  }
  CheckKeys(r, st, {"distribution", "mean_ms", "p99_ms"},
            what + ".service_time");
  const std::string dist =
      r.String(r.Child(st, "distribution"), what + ".service_time.distribution")
          .value_or("exponential");
  auto num = [&](const char* key) -> std::optional<double> {
    auto v = r.String(r.Child(st, key), what + ".service_time." + key);
    if (!v) return std::nullopt;
    const double d = DecimalNumber(*v).value_or(-1);
    // At least 1 ns: less rounds to 0 on the simulator's clock.
    if (!(d >= 1e-6) || d > 1e7) {
      r.Error(r.Child(st, key),
              what + ".service_time." + key +
                  " must be a number of milliseconds from 0.000001 (1 ns) "
                  "to 10000000, got '" +
                  *v + "'");
      return std::nullopt;
    }
    return d;
  };
  auto mean = num("mean_ms");
  if (!mean) {
    if (!r.Child(st, "mean_ms").IsDefined())
      r.Error(st, what + ".service_time.mean_ms is required");
    return std::nullopt;
  }
  p.service.mean_ms = *mean;
  const std::optional<ServiceTimeDistribution> kind =
      ParseServiceTimeDistribution(dist);
  if (!kind) {
    r.Error(r.Child(st, "distribution"),
            what +
                ".service_time.distribution must be constant, "
                "exponential or lognormal, got '" +
                dist + "'");
    return std::nullopt;
  }
  p.service.distribution = *kind;
  if (*kind == ServiceTimeDistribution::kLognormal) {
    auto p99 = num("p99_ms");
    if (!p99 || *p99 <= *mean) {
      r.Error(st, what +
                      ".service_time.p99_ms is required for lognormal and must "
                      "exceed mean_ms");
      return std::nullopt;
    }
    p.service.p99_ms = *p99;
  }
  return p;
}

// A map of name -> station performance (performance.proxies, .workloads).
// `problem` says what is wrong with a name ("" when nothing); such entries
// are reported and left out.
template <typename Problem>
void ReadStationPerfs(Reader& r, const yaml::Node& m, const std::string& what,
                      Problem problem,
                      std::map<std::string, StationPerf>& out) {
  if (!r.IsMap(m, what)) return;
  for (auto it = m.begin(); it != m.end(); ++it) {
    const std::string key = it->first.Scalar();
    if (const std::string p = problem(key); !p.empty()) {
      r.Error(it->first, what + ": " + p);
      continue;
    }
    if (auto p = ParseStationPerf(r, it->second, what + "." + key))
      out[key] = *p;
  }
}

// A performance.workloads key is a workload's namespace/name (a pod's
// controller, as the simulator looks it up); one naming no workload of any
// cluster is a typo or a stale entry, and its figures would silently not
// apply.
void WarnUnknownWorkloads(Reader& r, const yaml::Node& m, const Scenario& sc) {
  if (!m.IsMap() || m.size() == 0) return;
  std::set<std::string> known;
  for (const Cluster& c : sc.mesh.clusters)
    for (const Workload& w : c.workloads) known.insert(w.ns + "/" + w.owner);
  const std::vector<std::string> names(known.begin(), known.end());
  for (auto it = m.begin(); it != m.end(); ++it) {
    const std::string key = it->first.Scalar();
    if (key.find('/') == std::string::npos || known.count(key)) continue;
    r.Warning(it->first, "performance.workloads: '" + key +
                             "' names no workload with pods in any cluster; "
                             "its figures apply to nothing" +
                             DidYouMean(key, names));
  }
}

}  // namespace

void LoadPerformance(Reader& r, const yaml::Node& n, Scenario& sc) {
  if (!r.IsMap(n, "performance")) return;
  CheckKeys(r, n, {"proxies", "workloads", "default_workload", "network"},
            "performance");
  ReadStationPerfs(
      r, r.Child(n, "proxies"), "performance.proxies",
      [](const std::string& kind) -> std::string {
        static const std::set<std::string> kKinds = {
            "ztunnel", "waypoint", "ingress", "eastwest", "sidecar"};
        if (kKinds.count(kind)) return "";
        return "unknown proxy kind '" + kind +
               "'; expected ztunnel, waypoint, ingress, "
               "eastwest or sidecar";
      },
      sc.performance.proxies);
  ReadStationPerfs(
      r, r.Child(n, "workloads"), "performance.workloads",
      [](const std::string& key) -> std::string {
        if (key.find('/') != std::string::npos) return "";
        return "key '" + key +
               "' must be namespace/workload, e.g. "
               "bookinfo/productpage";
      },
      sc.performance.workloads);
  WarnUnknownWorkloads(r, r.Child(n, "workloads"), sc);
  if (auto p = ParseStationPerf(r, r.Child(n, "default_workload"),
                                "performance.default_workload"))
    sc.performance.default_workload = *p;
  yaml::Node net = r.Child(n, "network");
  if (r.IsMap(net, "performance.network")) {
    CheckKeys(
        r, net,
        {"same_node_ms", "same_zone_ms", "cross_zone_ms", "cross_region_ms",
         "cross_network_ms", "external_ms", "hbone_handshake_ms"},
        "performance.network");
    PerformanceSpec& ps = sc.performance;
    for (auto [key, field] : std::vector<std::pair<const char*, double*>>{
             {"same_node_ms", &ps.same_node_ms},
             {"same_zone_ms", &ps.same_zone_ms},
             {"cross_zone_ms", &ps.cross_zone_ms},
             {"cross_region_ms", &ps.cross_region_ms},
             {"cross_network_ms", &ps.cross_network_ms},
             {"external_ms", &ps.external_ms},
             {"hbone_handshake_ms", &ps.hbone_handshake_ms}}) {
      auto v = r.String(r.Child(net, key),
                        std::string("performance.network.") + key);
      if (!v) continue;
      const double d = DecimalNumber(*v).value_or(-1);
      if (!(d >= 0 && d <= 1e6)) {
        r.Error(r.Child(net, key),
                std::string("performance.network.") + key +
                    " must be a number of milliseconds >= 0, got '" + *v + "'");
        continue;
      }
      *field = d;
    }
  }
}

namespace {

std::string FormatNumber(double d) {
  std::ostringstream o;
  o << d;
  return o.str();
}

// A list of numbers, or a range {from, to, step} (step default 1).
std::optional<std::vector<double>> NumberList(Reader& r, const yaml::Node& n,
                                              const std::string& what,
                                              double min, double max) {
  auto number = [&](const yaml::Node& v,
                    const std::string& w) -> std::optional<double> {
    auto text = r.String(v, w);
    if (!text) return std::nullopt;
    const std::optional<double> parsed = DecimalNumber(*text);
    const double d = parsed.value_or(0);
    if (!parsed || !(d >= min) || d > max) {
      r.Error(v, w + " must be a number from " + FormatNumber(min) + " to " +
                     FormatNumber(max) + ", got '" + *text + "'");
      return std::nullopt;
    }
    return d;
  };
  std::vector<double> out;
  if (n.IsSequence()) {
    for (size_t i = 0; i < n.size(); ++i)
      if (auto d = number(n[i], what + "[" + std::to_string(i) + "]"))
        out.push_back(*d);
  } else if (r.IsMap(n, what)) {
    CheckKeys(r, n, {"from", "to", "step"}, what);
    auto from = number(r.Child(n, "from"), what + ".from");
    auto to = number(r.Child(n, "to"), what + ".to");
    std::optional<double> step = 1.0;
    if (r.Child(n, "step").IsDefined())
      step = number(r.Child(n, "step"), what + ".step");
    if (!from || !to || !step) return std::nullopt;
    if (*step <= 0 || *to < *from || (*to - *from) / *step > 1000) {
      r.Error(n, what + ": expected from <= to and at most 1000 steps");
      return std::nullopt;
    }
    for (int i = 0; *from + i * *step <= *to + 1e-9; ++i)
      out.push_back(*from + i * *step);
  } else {
    return std::nullopt;
  }
  if (out.empty()) {
    r.Error(n, what + " is empty");
    return std::nullopt;
  }
  return out;
}

}  // namespace

void LoadSweep(Reader& r, const yaml::Node& n, Scenario& sc) {
  if (!n.IsDefined() || !r.IsMap(n, "sweep")) return;
  CheckKeys(r, n, {"rate", "replicas", "version", "faults", "replications"},
            "sweep");
  SweepSpec sw;
  sw.location = r.Loc(n);
  if (yaml::Node rate = r.Child(n, "rate"); rate.IsDefined())
    if (auto v = NumberList(r, rate, "sweep.rate", 1e-6, 1e6)) sw.rate = *v;
  if (yaml::Node reps = r.Child(n, "replicas");
      reps.IsDefined() && r.IsMap(reps, "sweep.replicas")) {
    std::vector<std::string> gateways;
    for (const Cluster& c : sc.mesh.clusters)
      for (const auto& [key, gw] : c.gateways)
        if (gw.role != GatewayRole::kRemote)
          gateways.push_back(c.name + "/" + key);
    for (const auto& kv : reps) {
      const std::string key = kv.first.Scalar();
      const std::string what = "sweep.replicas." + key;
      if (std::find(gateways.begin(), gateways.end(), key) == gateways.end()) {
        r.Error(kv.first, what +
                              ": expected cluster/namespace/name of a "
                              "Gateway of the scenario" +
                              DidYouMean(key, gateways));
        continue;
      }
      if (auto v = NumberList(r, kv.second, what, 1, 1000)) {
        std::vector<int> counts;
        for (double d : *v) counts.push_back(static_cast<int>(d));
        sw.replicas.push_back({key, counts});
      }
    }
  }
  if (yaml::Node ver = r.Child(n, "version"); ver.IsDefined()) {
    if (r.IsList(ver, "sweep.version"))
      for (size_t i = 0; i < ver.size(); ++i)
        if (auto v = ParseVersion(r, ver[i],
                                  "sweep.version[" + std::to_string(i) + "]"))
          sw.versions.push_back(v->ToString());
  }
  // faults: `none`, `all` or the names of the scenario's fault entries.
  if (yaml::Node fl = r.Child(n, "faults"); fl.IsDefined()) {
    std::vector<std::string> names = {"none", "all"};
    for (const FaultSpec& f : sc.faults)
      if (!f.name.empty() &&
          std::find(names.begin(), names.end(), f.name) == names.end())
        names.push_back(f.name);
    if (auto list = r.StringList(fl, "sweep.faults"))
      for (size_t i = 0; i < list->size(); ++i) {
        const std::string& f = (*list)[i];
        if (std::find(names.begin(), names.end(), f) == names.end()) {
          r.Error(fl.IsSequence() ? fl[i] : fl,
                  "sweep.faults[" + std::to_string(i) +
                      "]: expected none, all or the name of entries of "
                      "`faults:`, got '" +
                      f + "'" + DidYouMean(f, names));
          continue;
        }
        sw.faults.push_back(f);
      }
  }
  sw.replications = static_cast<int>(
      r.Int(r.Child(n, "replications"), "sweep.replications", 1, 1000)
          .value_or(5));
  sc.sweep = std::move(sw);
}

}  // namespace meshsim::io
