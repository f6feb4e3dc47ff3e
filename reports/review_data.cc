#include "reports/review_data.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>
#include <system_error>
#include <tuple>

#include "reports/output_file.h"

namespace meshsim {

bool WriteReviewFiles(ReviewInput in, const std::string& dir,
                      std::string& error) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir)) {
    error = "cannot create output directory '" + dir + "'" +
            (ec ? ": " + ec.message() : "");
    return false;
  }
  const fs::path cwd = fs::current_path(ec);
  fs::path rel = fs::relative(cwd, fs::absolute(dir, ec), ec);
  if (!ec && !rel.empty() && rel != ".")
    in.source_href_prefix = rel.generic_string() + "/";
  const std::pair<const char*, void (*)(const ReviewInput&, std::ostream&)>
      files[] = {{"report.md", WriteReviewMarkdown},
                 {"report.html", WriteReviewHtml},
                 {"results.json", WriteReviewJson}};
  // All three files or none (docs/security.md): each is staged next to its
  // target and renamed into place only when every one is written.
  OutputFiles out;
  for (const auto& [name, write] : files) {
    const fs::path p = fs::path(dir) / name;
    if (!out.Add(
            p.string(), [&, w = write](std::ostream& f) { w(in, f); }, &error))
      return false;
  }
  return out.Commit(&error);
}

namespace review {

std::string Fixed(double v, int digits) {
  if (std::fabs(v) < 0.5 * std::pow(10.0, -digits)) v = 0;  // no "-0.00"
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

double Round(double v, int digits) {
  const double f = std::pow(10.0, digits);
  return std::round(v * f) / f;
}

std::string GroupReach(const FindingGroup& g) {
  std::string s = Thousands(g.count) + " finding" + (g.count == 1 ? "" : "s");
  if (!g.destinations.empty())
    s += " over " + Thousands(g.destinations.size()) + " destination" +
         (g.destinations.size() == 1 ? "" : "s");
  for (size_t i = 0; i < g.clients.size(); ++i)
    s += (i ? ", " : "; clients: ") + g.clients[i];
  return s;
}

std::string Thousands(uint64_t n) {
  std::string s = std::to_string(n);
  // One char, not the string ",": gcc 12's -Wrestrict misreads that insert
  // when inlined (GCC bug 105651).
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3)
    s.insert(static_cast<size_t>(i), 1, ',');
  return s;
}

// The simulator's description of a path (PathText, sim/simulator.cc), which
// is how simulated attempts are matched to predicted paths.
std::string PathSummary(const std::vector<Hop>& hops) { return PathText(hops); }

std::string FileLine(const SourceLocation& loc) {
  if (!loc.Known()) return "";
  return loc.line ? loc.file + ":" + std::to_string(loc.line) : loc.file;
}

std::string VerdictText(const ReviewData& d, const std::string& violated) {
  const int total = d.proved + d.violated + d.unknown;
  std::string s;
  if (d.violated)
    s = std::to_string(d.violated) + " of " + std::to_string(total) +
        " properties violated" +
        (violated.empty() ? "" : " (" + violated + ")");
  else if (d.unknown)
    s = "no property violated";
  else if (d.proved)
    s = "all " + std::to_string(total) + " properties proved";
  else
    s = "no property proved";
  if (d.unknown)
    s += ", " + std::to_string(d.unknown) + " unknown (solver gave up)";
  if (d.not_applicable)
    s += ", " + std::to_string(d.not_applicable) +
         " not applicable (see each property's reason)";
  return s;
}

std::string LoadText(const TrafficEntry& t) {
  if (t.concurrency)
    return "closed loop, " + std::to_string(t.concurrency) + " client" +
           (t.concurrency == 1 ? "" : "s") +
           (t.requests ? ", " + Thousands(t.requests) + " requests" : "");
  std::ostringstream s;
  s << std::fixed << std::setprecision(1) << t.rate << " req/s";
  if (t.requests) s << ", " << Thousands(t.requests) << " requests";
  return s.str();
}

const char* VerdictWord(const ReviewData& d) {
  if (d.unknown) return "unknown";
  if (d.violated) return "violated";
  return d.proved ? "proved" : "not-applicable";
}

std::string NoFindingsText(const VerifyResult& v) {
  int proved = 0, not_applicable = 0;
  for (const PropertyResult& p : v.properties) {
    proved += p.result == ProofResult::kProved;
    not_applicable += p.result == ProofResult::kNotApplicable;
  }
  if (!proved)
    return "None, and nothing proved: no property concerns a request of this "
           "configuration (each is not applicable; its reason is under "
           "Verification).";
  return std::string("None: every property ") +
         (not_applicable ? "that concerns a request " : "") +
         "was proved over every request the configuration admits.";
}

namespace {

LatencySummary Summarize(const SourceStats& s) {
  LatencySummary l;
  l.count = s.latency.count();
  if (!l.count) return l;
  l.mean = s.latency_sum_ns / static_cast<double>(l.count) * 1e-6;
  l.p50 = s.latency.Quantile(0.5) * 1e-6;
  l.p90 = s.latency.Quantile(0.9) * 1e-6;
  l.p99 = s.latency.Quantile(0.99) * 1e-6;
  l.p999 = s.latency.Quantile(0.999) * 1e-6;
  l.max = static_cast<double>(s.latency.max()) * 1e-6;
  return l;
}

// Quantiles 1%..99% by 1%, then 99.5%, 99.9% and the maximum: enough points
// for a smooth CDF, few enough for a small JSON.
template <typename H>
std::vector<std::pair<double, double>> Cdf(const H& h) {
  std::vector<std::pair<double, double>> out;
  if (!h.count()) return out;
  for (int i = 1; i <= 99; ++i)
    out.emplace_back(i / 100.0, h.Quantile(i / 100.0) * 1e-6);
  out.emplace_back(0.995, h.Quantile(0.995) * 1e-6);
  out.emplace_back(0.999, h.Quantile(0.999) * 1e-6);
  out.emplace_back(1.0, static_cast<double>(h.max()) * 1e-6);
  return out;
}

// A path's shape: its waypoints and the clusters it crosses, in order.
std::string ShapeOf(const SimPathInfo& p) {
  std::string label;
  for (const std::string& w : p.waypoints)
    label += (label.empty() ? "" : " → ") + w;
  if (label.empty()) label = "no waypoint";
  std::vector<std::string> clusters;
  for (const Hop& h : p.hops)
    if (!h.cluster.empty() &&
        (clusters.empty() || clusters.back() != h.cluster))
      clusters.push_back(h.cluster);
  if (clusters.size() > 1) {
    label += " ·";
    for (size_t i = 0; i < clusters.size(); ++i)
      label += (i ? " → " : " ") + clusters[i];
  }
  return label;
}

// The entry's delivered requests by path shape, in first-path order; none
// unless at least two shapes delivered.
std::vector<PathGroup> GroupsOf(const SimEntry& e) {
  std::vector<std::string> order;
  std::map<std::string, HopHistogram> by_shape;
  for (const SimPathInfo& p : e.paths) {
    if (!p.latency.count()) continue;
    const std::string shape = ShapeOf(p);
    auto [it, fresh] = by_shape.try_emplace(shape);
    if (fresh) order.push_back(shape);
    it->second.Merge(p.latency);
  }
  std::vector<PathGroup> out;
  if (order.size() < 2) return out;
  uint64_t total = 0;
  for (const auto& [shape, h] : by_shape) total += h.count();
  for (const std::string& shape : order) {
    const HopHistogram& h = by_shape.at(shape);
    PathGroup g;
    g.label = shape;
    g.delivered = h.count();
    g.share = static_cast<double>(h.count()) / static_cast<double>(total);
    g.p50 = h.Quantile(0.5) * 1e-6;
    g.p99 = h.Quantile(0.99) * 1e-6;
    g.max = static_cast<double>(h.max()) * 1e-6;
    g.cdf = Cdf(h);
    out.push_back(std::move(g));
  }
  return out;
}

}  // namespace

ReviewData BuildReviewData(const ReviewInput& in) {
  ReviewData d;
  const SimResult& sim = in.sim;
  d.simulated_seconds = sim.simulated_seconds;
  const double T = d.simulated_seconds > 0 ? d.simulated_seconds : 1e-9;
  d.events = sim.events;
  std::map<uint32_t, uint64_t> global_hits;
  for (size_t ti = 0; ti < in.scenario.traffic.size(); ++ti) {
    EntryView e;
    e.entry = &in.scenario.traffic[ti];
    const SimEntry* se = ti < sim.entries.size() ? &sim.entries[ti] : nullptr;
    const SourceStats* s = se ? &se->stats : nullptr;
    if (s) {
      e.requests = s->requests;
      e.delivered = s->delivered;
      e.denied = s->denied;
      e.failed = s->failed;
      e.retries = s->retries;
      for (const auto& [r, n] : s->failed_by_reason)
        e.failed_by_reason[sim.reasons[r]] += n;
      if (s->timeouts) e.failed_by_reason["timeout"] += s->timeouts;
      e.latency = Summarize(*s);
      e.cdf = Cdf(s->latency);
      e.path_groups = GroupsOf(*se);
    }
    uint64_t attempts = 0;
    if (s)
      for (uint64_t c : s->per_path) attempts += c;
    // Predicted paths first, in the path function's order.
    std::map<std::string, size_t> by_key;
    if (ti < in.paths.traffic.size()) {
      for (const Path& p : in.paths.traffic[ti].paths) {
        PathView v;
        v.path = &p;
        v.summary = PathSummary(p.hops);
        v.outcome = p.outcome;
        v.waypoints = p.waypoints;
        v.predicted_share = p.weight;
        by_key.emplace(v.summary + "|" + OutcomeName(p.outcome),
                       e.paths.size());
        e.paths.push_back(std::move(v));
      }
    }
    if (se) {
      for (size_t pi = 0; pi < se->paths.size(); ++pi) {
        const SimPathInfo& sp = se->paths[pi];
        const uint64_t n = pi < s->per_path.size() ? s->per_path[pi] : 0;
        auto it = by_key.find(sp.summary + "|" + OutcomeName(sp.outcome));
        PathView* v;
        if (it != by_key.end()) {
          v = &e.paths[it->second];
        } else {
          if (!n) continue;
          PathView extra;
          extra.summary = sp.summary;
          extra.outcome = sp.outcome;
          extra.waypoints = sp.waypoints;
          e.paths.push_back(std::move(extra));
          v = &e.paths.back();
        }
        v->simulated += n;
        v->simulated_share =
            attempts ? static_cast<double>(v->simulated) / attempts : 0;
        if (v->hop_latency.empty())
          for (const PathHopTiming& h : sp.timing) {
            const HopTiming& t = h.timing;
            if (!t.samples) continue;
            const double k = static_cast<double>(t.samples) * 1e6;
            v->hop_latency.push_back(
                {sim.stations[h.station].name, sim.stations[h.station].kind,
                 t.samples, t.network_ns / k, t.wait_ns / k,
                 t.wait.Quantile(0.5) * 1e-6, t.wait.Quantile(0.99) * 1e-6,
                 t.service_ns / k, t.service.Quantile(0.5) * 1e-6,
                 t.service.Quantile(0.99) * 1e-6});
          }
      }
      // Policy hits of this entry: each attempt counts the policies on its
      // route, exactly as the simulator's global counters do.
      std::map<uint32_t, uint64_t> hits;
      for (size_t pi = 0; pi < se->path_hits.size(); ++pi)
        for (uint32_t h : se->path_hits[pi]) hits[h] += s->per_path[pi];
      std::map<std::tuple<std::string, int, std::string>, PolicyHit> merged;
      for (const auto& [id, n] : hits) {
        const SimPolicyCounter& pc = sim.policy_counters[id];
        PolicyHit& h = merged[{pc.policy, pc.rule.value_or(-1), pc.effect}];
        h.policy = pc.policy;
        h.rule = pc.rule;
        h.effect = pc.effect;
        h.requests += n;
      }
      for (auto& [k, h] : merged) e.policy_hits.push_back(h);
    }
    d.requests += e.requests;
    d.delivered += e.delivered;
    d.denied += e.denied;
    d.failed += e.failed;
    if (e.latency.count &&
        (!d.slowest || e.latency.p99 > d.entries[*d.slowest].latency.p99))
      d.slowest = d.entries.size();
    d.entries.push_back(std::move(e));
  }
  {
    std::map<std::tuple<std::string, int, std::string>, PolicyHit> merged;
    for (const SimPolicyCounter& pc : sim.policy_counters) {
      PolicyHit& h = merged[{pc.policy, pc.rule.value_or(-1), pc.effect}];
      h.policy = pc.policy;
      h.rule = pc.rule;
      h.effect = pc.effect;
      h.requests += pc.hits;
    }
    for (auto& [k, h] : merged) d.policy_hits.push_back(h);
  }
  for (const SimStation& spec : sim.stations) {
    if (spec.kind == "workload") continue;
    const StationStats& st = spec.stats;
    ProxyView p;
    p.kind = spec.kind;
    p.name = spec.name.substr(spec.name.find(' ') + 1);
    p.cluster = spec.cluster;
    p.label = p.name.rfind(spec.cluster + "/", 0) == 0
                  ? p.name.substr(spec.cluster.size() + 1)
                  : p.name;
    p.workers = spec.workers;
    p.requests = st.served;
    p.utilization = Utilization(spec, sim);
    p.cores = CoresBusy(spec, sim);
    p.mean_queue = st.queue_area * 1e-9 / T;
    p.max_queue = st.max_queue;
    d.proxies.push_back(std::move(p));
  }
  for (const PropertyResult& p : in.verify.properties) {
    if (p.result == ProofResult::kProved) ++d.proved;
    if (p.result == ProofResult::kViolated) ++d.violated;
    if (p.result == ProofResult::kUnknown) ++d.unknown;
    if (p.result == ProofResult::kNotApplicable) ++d.not_applicable;
  }
  for (const Finding& f : in.verify.findings)
    (f.severity == Severity::kError ? d.errors : d.warnings) += 1;
  // The scenario's own warnings (loader and lint: a kind not modelled, a
  // reference to nothing) count too: the summary must not say "0 warnings"
  // above a Warnings section.
  d.warnings += static_cast<int>(in.warnings.size());
  return d;
}

}  // namespace review
}  // namespace meshsim
