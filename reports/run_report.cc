#include "reports/run_report.h"

#include <cmath>
#include <iomanip>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "reports/finding_json.h"
#include "reports/markup.h"
#include "reports/review_data.h"
#include "sim/estimate.h"

namespace meshsim {

namespace {

using Json = nlohmann::ordered_json;

// Fixed decimals keep the output byte-stable and readable.
using review::Fixed;
using review::Round;

double SimSeconds(const SimResult& r) {
  return r.simulated_seconds > 0 ? r.simulated_seconds : 1e-9;
}

// Display width of terminal text: its code points.
size_t Width(const std::string& s) {
  size_t n = 0;
  for (unsigned char ch : s) n += (ch & 0xC0) != 0x80;
  return n;
}

// `s` padded with spaces to `w` columns (left-aligned).
std::string Padded(const std::string& s, size_t w) {
  const size_t n = Width(s);
  return s + std::string(n < w ? w - n : 0, ' ');
}

}  // namespace

std::vector<std::string> LoadWarnings(const SimResult& m) {
  std::vector<std::string> out;
  std::ostringstream o;
  o << std::fixed << std::setprecision(2);
  bool saturated = false;
  for (const SimStation& s : m.stations)
    saturated = saturated || Utilization(s, m) >= 0.95 || s.stats.queue_full;
  // A long tail after the window is the drain of queues when a station is
  // saturated (or when the run took twice the window); slow responses and
  // timeouts alone give a short one.
  if (m.offered_seconds > 0 && m.simulated_seconds > 1.2 * m.offered_seconds &&
      (saturated || m.simulated_seconds > 2 * m.offered_seconds)) {
    o << "overloaded: traffic is offered for " << m.offered_seconds
      << " s, but the run needed " << m.simulated_seconds
      << " s to drain its queues; latencies grow with the run's length "
         "(see the saturated stations below and `meshsim analyze`)";
    out.push_back(o.str());
  }
  for (const SimStation& s : m.stations) {
    const double u = Utilization(s, m);
    if (u < 0.95 && !s.stats.queue_full) continue;
    o.str("");
    o << "station " << s.name << " is saturated: utilisation "
      << std::setprecision(3) << u << " over the offered window";
    if (s.stats.queue_full)
      o << ", " << s.stats.queue_full << " requests refused by a full queue";
    out.push_back(o.str());
  }
  return out;
}

namespace {

Json Latency(const SourceStats& s) {
  Json j;
  const double n = static_cast<double>(s.latency.count());
  if (!n) {
    // No delivered request, no latency: null, never a made-up 0.
    for (const char* k : {"mean", "p50", "p90", "p99", "p999", "max"})
      j[k] = nullptr;
    return j;
  }
  j["mean"] = Round(s.latency_sum_ns / n * 1e-6, 4);
  j["p50"] = Round(s.latency.Quantile(0.5) * 1e-6, 4);
  j["p90"] = Round(s.latency.Quantile(0.9) * 1e-6, 4);
  j["p99"] = Round(s.latency.Quantile(0.99) * 1e-6, 4);
  j["p999"] = Round(s.latency.Quantile(0.999) * 1e-6, 4);
  j["max"] = Round(static_cast<double>(s.latency.max()) * 1e-6, 4);
  return j;
}

struct Hits {
  uint64_t allow = 0, deny = 0, noop = 0;
};

std::map<std::pair<std::string, std::string>, Hits> PolicyHits(
    const SimResult& r) {
  std::map<std::pair<std::string, std::string>, Hits> out;
  for (const SimPolicyCounter& pc : r.policy_counters) {
    Hits& h = out[{pc.policy, pc.rule ? std::to_string(*pc.rule) : ""}];
    const uint64_t n = pc.hits;
    if (pc.effect == "allow")
      h.allow += n;
    else if (pc.effect == "deny")
      h.deny += n;
    else
      h.noop += n;
  }
  return out;
}

}  // namespace

// The per-hop latency breakdown of a path (docs/simulation.md#per-hop):
// per station, the network delay to reach it, the wait in its queue and
// its service, in ms.
Json HopLatencyJson(const SimResult& m, const SimPathInfo& p) {
  Json hops = Json::array();
  for (const PathHopTiming& h : p.timing) {
    const HopTiming& t = h.timing;
    const SimStation& st = m.stations[h.station];
    Json j;
    j["kind"] = st.kind;
    j["name"] = st.name.substr(st.name.find(' ') + 1);
    j["samples"] = t.samples;
    const double n = static_cast<double>(t.samples);
    auto part = [&](double sum, const HopHistogram& hist) {
      if (!t.samples) return Json(nullptr);
      return Json{{"mean", Round(sum / n * 1e-6, 4)},
                  {"p50", Round(hist.Quantile(0.5) * 1e-6, 4)},
                  {"p99", Round(hist.Quantile(0.99) * 1e-6, 4)}};
    };
    j["network_ms"] =
        t.samples ? Json(Round(t.network_ns / n * 1e-6, 4)) : Json(nullptr);
    j["queue_ms"] = part(t.wait_ns, t.wait);
    j["service_ms"] = part(t.service_ns, t.service);
    hops.push_back(j);
  }
  return hops;
}

// The same as text lines under a path, one per station that saw requests.
void WriteHopBreakdown(const SimResult& m, const SimPathInfo& p,
                       std::ostream& out) {
  for (const PathHopTiming& h : p.timing) {
    const HopTiming& t = h.timing;
    if (!t.samples) continue;
    const double n = static_cast<double>(t.samples);
    out << "           " << std::setprecision(3)
        << TerminalText(m.stations[h.station].name) << ": network "
        << t.network_ns / n * 1e-6 << ", queue " << t.wait_ns / n * 1e-6
        << " (p50 " << t.wait.Quantile(0.5) * 1e-6 << ", p99 "
        << t.wait.Quantile(0.99) * 1e-6 << "), service "
        << t.service_ns / n * 1e-6 << " (p50 " << t.service.Quantile(0.5) * 1e-6
        << ", p99 " << t.service.Quantile(0.99) * 1e-6 << ") ms\n";
  }
}

void WriteRunJson(const std::string& scenario, uint64_t seed,
                  const SimResult& m, std::ostream& out,
                  const std::vector<Diagnostic>& warnings) {
  const double T = SimSeconds(m);
  Json root;
  root["meshsim"] = MeshsimJson();
  root["scenario"] = scenario;
  root["seed"] = seed;
  root["simulated_seconds"] = Round(T, 6);
  root["events"] = m.events;
  root["traffic"] = Json::array();
  for (const SimEntry& e : m.entries) {
    const SourceStats& s = e.stats;
    Json t;
    t["name"] = e.name;
    t["requests"] = s.requests;
    t["delivered"] = s.delivered;
    t["denied"] = s.denied;
    t["failed"] = s.failed;
    Json reasons = Json::object();
    for (const auto& [r, n] : s.failed_by_reason) reasons[m.reasons[r]] = n;
    if (s.timeouts) reasons["timeout"] = s.timeouts;
    t["failed_by_reason"] = reasons;
    t["retries"] = s.retries;
    t["latency_ms"] = Latency(s);
    t["paths"] = Json::array();
    uint64_t attempts = 0;
    for (uint64_t c : s.per_path) attempts += c;
    for (size_t pi = 0; pi < e.paths.size(); ++pi) {
      const SimPathInfo& p = e.paths[pi];
      Json jp;
      jp["share"] =
          attempts ? Round(static_cast<double>(s.per_path[pi]) / attempts, 4)
                   : 0.0;
      jp["waypoints"] = p.waypoints;
      jp["outcome"] = OutcomeName(p.outcome);
      // One hop schema in every JSON output: as `paths` writes them.
      jp["hops"] = PathHopsJson(p.hops)["hops"];
      jp["summary"] = p.summary;
      // The delivered requests whose last attempt took this path.
      jp["delivered"] = p.latency.count();
      if (p.latency.count())
        jp["latency_ms"] = {{"p50", Round(p.latency.Quantile(0.5) * 1e-6, 4)},
                            {"p99", Round(p.latency.Quantile(0.99) * 1e-6, 4)},
                            {"max", Round(p.latency.max() * 1e-6, 4)}};
      else
        jp["latency_ms"] = nullptr;
      jp["hop_latency"] = HopLatencyJson(m, p);
      t["paths"].push_back(jp);
    }
    root["traffic"].push_back(t);
  }
  root["proxies"] = Json::array();
  root["workloads"] = Json::array();
  for (const SimStation& spec : m.stations) {
    const StationStats& st = spec.stats;
    Json j;
    j["kind"] = spec.kind;
    j["name"] = spec.name.substr(spec.name.find(' ') + 1);
    j["cluster"] = spec.cluster;
    j["requests"] = st.served;
    j["utilization"] = Round(Utilization(spec, m), 4);
    j["cores"] = Round(CoresBusy(spec, m), 4);
    j["mean_queue"] = Round(st.queue_area * 1e-9 / T, 4);
    j["max_queue"] = st.max_queue;
    j["queue_full"] = st.queue_full;
    (spec.kind == "workload" ? root["workloads"] : root["proxies"])
        .push_back(j);
  }
  root["policy_hits"] = Json::array();
  for (const auto& [key, h] : PolicyHits(m)) {
    Json j;
    j["policy"] = key.first;
    j["rule"] =
        key.second.empty() ? Json(nullptr) : Json(std::stoi(key.second));
    j["allow"] = h.allow;
    j["deny"] = h.deny;
    j["noop"] = h.noop;
    root["policy_hits"].push_back(j);
  }
  // §16.1: only detectors that had outliers (ejected, or kept by
  // maxEjectionPercent): the others are idle configuration.
  Json outliers = Json::array();
  for (const SimOutlierDetector& d : m.outlier_detectors) {
    if (!d.ejections && !d.not_ejected) continue;
    Json j;
    j["detector"] = d.detector;
    j["hosts"] = d.hosts;
    j["ejections"] = d.ejections;
    j["not_ejected"] = d.not_ejected;
    outliers.push_back(j);
  }
  if (!outliers.empty()) root["outlier_detection"] = outliers;
  root["connections_opened"] = m.connections_opened;
  if (!warnings.empty()) root["warnings"] = WarningsJson(warnings);
  if (const std::vector<std::string> load = LoadWarnings(m); !load.empty())
    root["overload"] = load;
  WriteJson(root, out);
}

void WriteRunText(const std::string& scenario, uint64_t seed,
                  const SimResult& m, std::ostream& out) {
  const double T = SimSeconds(m);
  out << "scenario: " << scenario << "  (seed " << seed << ", " << std::fixed
      << std::setprecision(3) << T << " s simulated, " << m.events
      << " events)\n\n";
  // Columns as wide as their longest name: nothing is cut.
  size_t name_w = Width("traffic");
  for (const SimEntry& e : m.entries)
    name_w = std::max(name_w, Width(TerminalText(e.name)));
  out << Padded("traffic", name_w + 1) << std::right << std::setw(9)
      << "requests" << std::setw(10) << "delivered" << std::setw(8) << "denied"
      << std::setw(8) << "failed" << std::setw(10) << "mean ms" << std::setw(9)
      << "p50" << std::setw(9) << "p99" << std::setw(9) << "p99.9"
      << "\n";
  for (const SimEntry& e : m.entries) {
    const SourceStats& s = e.stats;
    const double n = static_cast<double>(s.latency.count());
    out << Padded(TerminalText(e.name), name_w + 1) << std::right
        << std::setw(9) << s.requests << std::setw(10) << s.delivered
        << std::setw(8) << s.denied << std::setw(8) << s.failed
        << std::setprecision(3);
    if (n) {
      out << std::setw(10) << s.latency_sum_ns / n * 1e-6 << std::setw(9)
          << s.latency.Quantile(0.5) * 1e-6 << std::setw(9)
          << s.latency.Quantile(0.99) * 1e-6 << std::setw(9)
          << s.latency.Quantile(0.999) * 1e-6 << "\n";
    } else {  // nothing delivered: no latency
      out << std::setw(10) << "-" << std::setw(9) << "-" << std::setw(9) << "-"
          << std::setw(9) << "-"
          << "\n";
    }
    uint64_t attempts = 0;
    for (uint64_t c : s.per_path) attempts += c;
    for (size_t pi = 0; pi < e.paths.size(); ++pi) {
      const SimPathInfo& p = e.paths[pi];
      if (!attempts || !s.per_path[pi]) continue;
      out << "    " << std::setprecision(1) << std::setw(5)
          << 100.0 * static_cast<double>(s.per_path[pi]) / attempts << "%  "
          << OutcomeName(p.outcome) << "  " << p.summary << "\n";
      WriteHopBreakdown(m, p, out);
    }
    for (const auto& [r, c] : s.failed_by_reason)
      out << "    failed x" << c << ": " << m.reasons[r] << "\n";
    // As in the JSON's failed_by_reason: the requests a route's timeout
    // ended.
    if (s.timeouts) out << "    failed x" << s.timeouts << ": timeout\n";
  }
  // Every station, application pods included: a saturated application is
  // as much a bottleneck as a proxy.
  size_t station_w = Width("station");
  for (const SimStation& spec : m.stations)
    station_w = std::max(station_w, Width(TerminalText(spec.name)));
  out << "\n"
      << Padded("station", station_w + 1) << std::right << std::setw(10)
      << "requests" << std::setw(8) << "util" << std::setw(8) << "cores"
      << std::setw(10) << "maxqueue" << std::setw(10) << "full"
      << "\n";
  for (const SimStation& spec : m.stations) {
    const StationStats& st = spec.stats;
    out << Padded(TerminalText(spec.name), station_w + 1) << std::right
        << std::setw(10) << st.served << std::setprecision(3) << std::setw(8)
        << Utilization(spec, m) << std::setw(8) << CoresBusy(spec, m)
        << std::setw(10) << st.max_queue << std::setw(10) << st.queue_full
        << "\n";
  }
  out << "(util and cores over the offered window"
      << (m.offered_seconds > 0
              ? ", " + Fixed(m.offered_seconds, 3) + " s"
              : std::string(": none, an entry is bounded by requests; over "
                            "the run"))
      << ")\n";
  bool outlier_header = false;
  for (const SimOutlierDetector& d : m.outlier_detectors) {
    if (!d.ejections && !d.not_ejected) continue;
    if (!outlier_header) out << "\noutlier detection (§16.1):\n";
    outlier_header = true;
    out << "  " << TerminalText(d.detector) << ": " << d.hosts << " host"
        << (d.hosts == 1 ? "" : "s") << ", " << d.ejections << " ejection"
        << (d.ejections == 1 ? "" : "s");
    if (d.not_ejected)
      out << ", " << d.not_ejected
          << " outlier(s) kept in by maxEjectionPercent";
    out << "\n";
  }
  auto hits = PolicyHits(m);
  if (!hits.empty()) {
    out << "\npolicy hits (allow / deny / no-op):\n";
    for (const auto& [key, h] : hits)
      out << "  " << key.first
          << (key.second.empty() ? "" : " rule " + key.second) << ": "
          << h.allow << " / " << h.deny << " / " << h.noop << "\n";
  }
  const std::vector<std::string> load = LoadWarnings(m);
  if (!load.empty()) out << "\n";
  for (const std::string& w : load)
    out << "warning: " << TerminalText(w) << "\n";
}

void WriteAnalyzeJson(const std::string& scenario, const AnalyticResult& a,
                      std::ostream& out) {
  Json root;
  root["meshsim"] = MeshsimJson();
  root["scenario"] = scenario;
  root["traffic"] = Json::array();
  for (size_t si = 0; si < a.entries.size(); ++si) {
    Json t;
    t["name"] = a.entries[si].name;
    const auto& l = a.entries[si].mean_latency_s;
    t["mean_latency_ms"] = l ? Json(Round(*l * 1e3, 6)) : Json(nullptr);
    t["delivered_share"] = Round(a.entries[si].delivered_share, 6);
    root["traffic"].push_back(t);
  }
  root["stations"] = Json::array();
  for (size_t i = 0; i < a.stations.size(); ++i) {
    const StationAnalysis& spec = a.stations[i];
    Json j;
    j["kind"] = spec.kind;
    j["name"] = spec.name.substr(spec.name.find(' ') + 1);
    j["arrival_rate"] = Round(a.stations[i].arrival_rate, 6);
    j["utilization"] = Round(a.stations[i].utilization, 6);
    const auto& w = a.stations[i].mean_sojourn_s;
    j["mean_sojourn_ms"] = w ? Json(Round(*w * 1e3, 6)) : Json(nullptr);
    root["stations"].push_back(j);
  }
  root["warnings"] = a.warnings;
  WriteJson(root, out);
}

void WriteAnalyzeText(const std::string& scenario, const AnalyticResult& a,
                      std::ostream& out) {
  out << "scenario: " << scenario
      << " (analytic: open Jackson network, M/M/c stations)\n\n";
  size_t entry_w = 0;
  for (const auto& e : a.entries)
    entry_w = std::max(entry_w, Width(TerminalText(e.name)));
  for (size_t si = 0; si < a.entries.size(); ++si) {
    const auto& l = a.entries[si].mean_latency_s;
    out << "  " << Padded(TerminalText(a.entries[si].name), entry_w)
        << " mean latency "
        << (l ? std::to_string(*l * 1e3) + " ms"
            : a.entries[si].closed_loop
                ? std::string("not modelled (closed loop; see meshsim run)")
            : a.entries[si].delivered_share <= 0
                ? std::string("none: no request is delivered (every path is "
                              "denied or fails; see meshsim paths)")
                : std::string("unbounded (overloaded station)"))
        << "\n";
  }
  out << "\n";
  size_t station_w = 0;
  for (const StationAnalysis& s : a.stations)
    station_w = std::max(station_w, Width(TerminalText(s.name)));
  for (size_t i = 0; i < a.stations.size(); ++i) {
    const StationAnalysis& spec = a.stations[i];
    out << "  " << Padded(TerminalText(spec.name), station_w) << " lambda "
        << std::fixed << std::setprecision(2) << a.stations[i].arrival_rate
        << "/s  rho " << std::setprecision(4) << a.stations[i].utilization
        << "\n";
  }
  for (const std::string& w : a.warnings) out << "warning: " << w << "\n";
}

void WriteTraceLine(const std::string& entry, int path, int attempt,
                    int64_t start, int64_t end,
                    const std::vector<TraceHop>& hops,
                    const std::vector<std::string>& station_names,
                    std::ostream& out) {
  Json j;
  j["traffic"] = entry;
  j["path"] = path;
  j["attempt"] = attempt;
  // Whole nanoseconds divided (not multiplied by 1e-6, which is inexact):
  // the shortest decimal of the result is the time itself.
  j["start_ms"] = static_cast<double>(start) / 1e6;
  j["end_ms"] = static_cast<double>(end) / 1e6;
  j["hops"] = Json::array();
  for (const TraceHop& h : hops) {
    Json jh;
    jh["station"] = station_names[h.station];
    jh["arrive_ms"] = static_cast<double>(h.arrive) / 1e6;
    jh["start_ms"] = static_cast<double>(h.start) / 1e6;
    jh["depart_ms"] = static_cast<double>(h.depart) / 1e6;
    j["hops"].push_back(jh);
  }
  WriteJson(j, out, -1);
}

namespace {

// Per-replication values of one traffic entry's statistics.
struct EntrySeries {
  std::vector<double> mean_ms, p99_ms, failed_pct, rps;
};

EntrySeries SeriesOf(const std::vector<SimResult>& runs, size_t ei) {
  EntrySeries out;
  for (const SimResult& r : runs) {
    const SourceStats& s = r.entries[ei].stats;
    const double n = static_cast<double>(s.latency.count());
    out.mean_ms.push_back(n ? s.latency_sum_ns / n * 1e-6 : 0.0);
    out.p99_ms.push_back(s.latency.Quantile(0.99) * 1e-6);
    out.failed_pct.push_back(s.requests
                                 ? 100.0 * static_cast<double>(s.failed) /
                                       static_cast<double>(s.requests)
                                 : 0.0);
    out.rps.push_back(static_cast<double>(s.delivered) / SimSeconds(r));
  }
  return out;
}

std::vector<double> Utilizations(const std::vector<SimResult>& runs,
                                 size_t si) {
  std::vector<double> out;
  for (const SimResult& r : runs) {
    const SimStation& st = r.stations[si];
    out.push_back(Utilization(st, r));
  }
  return out;
}

// "x ± h", and a warning when h exceeds `share` of a positive mean.
std::string Pm(const Estimate& e, int digits) {
  std::ostringstream o;
  o << std::fixed << std::setprecision(digits) << e.mean << " ± "
    << e.half_width;
  return o.str();
}

void Wide(const std::string& what, const Estimate& e, double share, int n,
          std::vector<std::string>& warnings) {
  if (n < 2 || e.mean <= 0 || e.half_width <= share * e.mean) return;
  std::ostringstream o;
  o << std::fixed << std::setprecision(1) << what << ": the 95% interval (±"
    << std::setprecision(3) << e.half_width << ") is " << std::setprecision(1)
    << 100 * e.half_width / e.mean << "% of the mean, more than " << 100 * share
    << "%; run more replications or longer";
  warnings.push_back(o.str());
}

Json EstimateJson(const Estimate& e) {
  Json j;
  j["mean"] = Round(e.mean, 6);
  j["ci95"] = Round(e.half_width, 6);
  return j;
}

}  // namespace

void WriteReplicationsText(const std::string& scenario,
                           const std::vector<uint64_t>& seeds,
                           const std::vector<SimResult>& runs,
                           double warn_share, std::ostream& out) {
  const int n = static_cast<int>(runs.size());
  // Histograms and counters over all replications, in run order.
  const SimResult merged_total = MergeResults(runs);
  out << "scenario: " << scenario << "  (seed " << seeds.front() << ", " << n
      << " replications; mean ± 95% interval, Student t with " << n - 1
      << " degrees of freedom; quantiles of the merged histogram)\n\n";
  out << std::left << std::setw(30) << "traffic" << std::right << std::setw(22)
      << "mean ms" << std::setw(22) << "p99 ms" << std::setw(20) << "failed %"
      << std::setw(10) << "p50" << std::setw(10) << "p99" << std::setw(10)
      << "p99.9"
      << "\n";
  std::vector<std::string> warnings;
  for (size_t ei = 0; ei < runs.front().entries.size(); ++ei) {
    const std::string& name = runs.front().entries[ei].name;
    const EntrySeries s = SeriesOf(runs, ei);
    const Estimate mean = Estimate95(s.mean_ms), p99 = Estimate95(s.p99_ms),
                   failed = Estimate95(s.failed_pct);
    const LatencyHistogram& h = merged_total.entries[ei].stats.latency;
    out << std::left << std::setw(30) << Utf8Prefix(TerminalText(name), 29)
        << std::right << std::setw(22) << Pm(mean, 3) << std::setw(22)
        << Pm(p99, 3) << std::setw(20) << Pm(failed, 2) << std::fixed
        << std::setprecision(3) << std::setw(10) << h.Quantile(0.5) * 1e-6
        << std::setw(10) << h.Quantile(0.99) * 1e-6 << std::setw(10)
        << h.Quantile(0.999) * 1e-6 << "\n";
    Wide(name + " mean latency", mean, warn_share, n, warnings);
    Wide(name + " p99 latency", p99, warn_share, n, warnings);
  }
  out << "\n"
      << std::left << std::setw(58) << "proxy" << std::right << std::setw(20)
      << "util"
      << "\n";
  for (size_t si = 0; si < runs.front().stations.size(); ++si) {
    const SimStation& st = runs.front().stations[si];
    if (st.kind == "workload") continue;
    const Estimate u = Estimate95(Utilizations(runs, si));
    out << std::left << std::setw(58) << Utf8Prefix(TerminalText(st.name), 57)
        << std::right << std::setw(20) << Pm(u, 4) << "\n";
  }
  if (!warnings.empty()) {
    out << "\nwarnings:\n";
    for (const std::string& w : warnings) out << "  " << w << "\n";
  }
}

void WriteReplicationsJson(const std::string& scenario,
                           const std::vector<uint64_t>& seeds,
                           const std::vector<SimResult>& runs,
                           double warn_share, std::ostream& out,
                           const std::vector<Diagnostic>& diagnostics) {
  const int n = static_cast<int>(runs.size());
  Json root;
  root["meshsim"] = MeshsimJson();
  root["scenario"] = scenario;
  root["replications"] = n;
  root["seeds"] = seeds;
  root["interval"] = {
      {"level", 0.95}, {"method", "student-t"}, {"degrees_of_freedom", n - 1}};
  root["traffic"] = Json::array();
  std::vector<std::string> warnings;
  const SimResult merged_all = MergeResults(runs);
  for (size_t ei = 0; ei < runs.front().entries.size(); ++ei) {
    const std::string& name = runs.front().entries[ei].name;
    const EntrySeries s = SeriesOf(runs, ei);
    const SourceStats& merged = merged_all.entries[ei].stats;
    Json t;
    t["name"] = name;
    t["requests"] = merged.requests;
    t["delivered"] = merged.delivered;
    t["denied"] = merged.denied;
    t["failed"] = merged.failed;
    const Estimate mean = Estimate95(s.mean_ms), p99 = Estimate95(s.p99_ms);
    t["mean_ms"] = EstimateJson(mean);
    t["p99_ms"] = EstimateJson(p99);
    t["failed_percent"] = EstimateJson(Estimate95(s.failed_pct));
    t["throughput_rps"] = EstimateJson(Estimate95(s.rps));
    t["merged_latency_ms"] = Latency(merged);
    root["traffic"].push_back(t);
    Wide(name + " mean latency", mean, warn_share, n, warnings);
    Wide(name + " p99 latency", p99, warn_share, n, warnings);
  }
  root["proxies"] = Json::array();
  for (size_t si = 0; si < runs.front().stations.size(); ++si) {
    const SimStation& st = runs.front().stations[si];
    if (st.kind == "workload") continue;
    Json j;
    j["name"] = st.name;
    j["kind"] = st.kind;
    j["utilization"] = EstimateJson(Estimate95(Utilizations(runs, si)));
    root["proxies"].push_back(j);
  }
  if (!warnings.empty()) root["interval_warnings"] = warnings;
  if (!diagnostics.empty()) {
    root["warnings"] = Json::array();
    for (const Diagnostic& d : diagnostics)
      root["warnings"].push_back(d.ToString());
  }
  WriteJson(root, out);
}

namespace {

std::string PmI(const Interval& i, int digits) {
  return Fixed(i.mean, digits) + " ± " + Fixed(i.half_width, digits);
}

std::string ReplicasText(const std::map<std::string, int>& m) {
  std::string s;
  for (const auto& [gw, n] : m)
    s += (s.empty() ? "" : " ") + gw + "=" + std::to_string(n);
  return s.empty() ? "-" : s;
}

Json IntervalJson(const Interval& i) {
  Json j;
  j["mean"] = Round(i.mean, 6);
  j["ci95"] = Round(i.half_width, 6);
  return j;
}

Json EntryJson(const EntryIntervals& e) {
  Json j;
  j["name"] = e.name;
  j["mean_ms"] = IntervalJson(e.mean_ms);
  j["p50_ms"] = IntervalJson(e.p50_ms);
  j["p90_ms"] = IntervalJson(e.p90_ms);
  j["p99_ms"] = IntervalJson(e.p99_ms);
  j["p999_ms"] = IntervalJson(e.p999_ms);
  j["failed_percent"] = IntervalJson(e.failed_percent);
  return j;
}

}  // namespace

// Whether the sweep has a `faults:` axis (its column is shown only then).
bool HasFaultAxis(const SweepResult& r) {
  for (const SweepPoint& p : r.points)
    if (!p.faults.empty()) return true;
  return false;
}

void WriteSweepText(const SweepResult& r, std::ostream& out) {
  out << "scenario: " << r.scenario << "  (" << r.points.size()
      << " grid points, " << r.replications
      << " replications each; mean ± 95% interval, Student t)\n\n";
  const bool faults = HasFaultAxis(r);
  out << std::left << std::setw(7) << "rate" << std::setw(8) << "istio";
  if (faults) out << std::setw(16) << "faults";
  out << std::setw(34) << "replicas" << std::setw(24) << "traffic" << std::right
      << std::setw(20) << "mean ms" << std::setw(20) << "p99 ms"
      << std::setw(16) << "failed %"
      << "  busiest (util)\n";
  for (const SweepPoint& p : r.points) {
    const Interval busiest = p.utilization.count(p.busiest)
                                 ? p.utilization.at(p.busiest)
                                 : Interval{};
    for (const EntryIntervals& e : p.entries) {
      out << std::left << std::setw(7) << Fixed(p.rate, 2) << std::setw(8)
          << (p.version.empty() ? "-" : p.version);
      if (faults)
        out << std::setw(16) << Utf8Prefix(TerminalText(p.faults), 15);
      out << std::left << std::setw(34) << ReplicasText(p.replicas)
          << std::setw(24) << Utf8Prefix(TerminalText(e.name), 23) << std::right
          << std::setw(20) << PmI(e.mean_ms, 3) << std::setw(20)
          << PmI(e.p99_ms, 3) << std::setw(16) << PmI(e.failed_percent, 2)
          << "  " << p.busiest << " (" << Fixed(busiest.mean, 3) << ")\n";
    }
  }
}

void WriteSweepJson(const SweepResult& r, std::ostream& out) {
  Json root;
  root["meshsim"] = MeshsimJson();
  root["scenario"] = r.scenario;
  root["replications"] = r.replications;
  root["interval"] = {{"level", 0.95}, {"method", "student-t"}};
  root["points"] = Json::array();
  for (const SweepPoint& p : r.points) {
    Json j;
    j["rate"] = Round(p.rate, 6);
    j["replicas"] = p.replicas;
    j["version"] = p.version;
    if (!p.faults.empty()) j["faults"] = p.faults;
    j["traffic"] = Json::array();
    for (const EntryIntervals& e : p.entries)
      j["traffic"].push_back(EntryJson(e));
    j["utilization"] = Json::object();
    for (const auto& [name, u] : p.utilization)
      j["utilization"][name] = IntervalJson(u);
    j["busiest"] = p.busiest;
    root["points"].push_back(j);
  }
  WriteJson(root, out);
}

void WriteSweepCsv(const SweepResult& r, std::ostream& out) {
  const bool faults = HasFaultAxis(r);
  out << "rate,version," << (faults ? "faults," : "")
      << "replicas,traffic,mean_ms,mean_ms_ci95,p99_ms,"
         "p99_ms_ci95,failed_percent,failed_percent_ci95,busiest,"
         "busiest_utilization\n";
  auto quote = [](const std::string& s) {
    std::string q = "\"";
    for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
  };
  for (const SweepPoint& p : r.points) {
    const Interval busiest = p.utilization.count(p.busiest)
                                 ? p.utilization.at(p.busiest)
                                 : Interval{};
    for (const EntryIntervals& e : p.entries)
      out << Fixed(p.rate, 6) << "," << quote(p.version) << ","
          << (faults ? quote(p.faults) + "," : std::string())
          << quote(ReplicasText(p.replicas)) << "," << quote(e.name) << ","
          << Fixed(e.mean_ms.mean, 6) << "," << Fixed(e.mean_ms.half_width, 6)
          << "," << Fixed(e.p99_ms.mean, 6) << ","
          << Fixed(e.p99_ms.half_width, 6) << ","
          << Fixed(e.failed_percent.mean, 6) << ","
          << Fixed(e.failed_percent.half_width, 6) << "," << quote(p.busiest)
          << "," << Fixed(busiest.mean, 6) << "\n";
  }
}

void WritePlanText(const PlanResult& r, std::ostream& out) {
  out << "scenario: " << r.scenario << "  (objective " << r.objective
      << " for every traffic entry, rate x" << Fixed(r.rate_multiplier, 2)
      << ", " << r.replications << " replications per point, " << r.simulations
      << " points simulated)\n\n";
  out << (r.met ? "objective met" : "objective NOT met")
      << (r.why.empty() ? "" : ": " + r.why) << "\n\n";
  out << std::left << std::setw(44) << "gateway" << std::setw(10) << "kind"
      << std::right << std::setw(10) << "analytic" << std::setw(10) << "planned"
      << std::setw(22) << "busiest replica util"
      << "\n";
  for (const PlanTarget& t : r.targets)
    out << std::left << std::setw(44) << Utf8Prefix(TerminalText(t.gateway), 43)
        << std::setw(10) << t.kind << std::right << std::setw(10) << t.analytic
        << std::setw(10) << t.planned << std::setw(22) << PmI(t.utilization, 3)
        << "\n";
  out << "\n"
      << std::left << std::setw(30) << "traffic" << std::right << std::setw(20)
      << "mean ms" << std::setw(20) << "p99 ms" << std::setw(20) << "p99.9 ms"
      << "\n";
  for (const EntryIntervals& e : r.entries)
    out << std::left << std::setw(30) << Utf8Prefix(TerminalText(e.name), 29)
        << std::right << std::setw(20) << PmI(e.mean_ms, 3) << std::setw(20)
        << PmI(e.p99_ms, 3) << std::setw(20) << PmI(e.p999_ms, 3) << "\n";
}

void WritePlanJson(const PlanResult& r, std::ostream& out) {
  Json root;
  root["meshsim"] = MeshsimJson();
  root["scenario"] = r.scenario;
  root["objective"] = r.objective;
  root["rate_multiplier"] = Round(r.rate_multiplier, 6);
  root["replications"] = r.replications;
  root["met"] = r.met;
  if (!r.why.empty()) root["why"] = r.why;
  root["simulations"] = r.simulations;
  root["gateways"] = Json::array();
  for (const PlanTarget& t : r.targets) {
    Json j;
    j["gateway"] = t.gateway;
    j["kind"] = t.kind;
    j["analytic_replicas"] = t.analytic;
    j["replicas"] = t.planned;
    j["utilization"] = IntervalJson(t.utilization);
    root["gateways"].push_back(j);
  }
  root["traffic"] = Json::array();
  for (const EntryIntervals& e : r.entries)
    root["traffic"].push_back(EntryJson(e));
  WriteJson(root, out);
}

}  // namespace meshsim
