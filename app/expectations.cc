#include "app/expectations.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iomanip>
#include <optional>
#include <set>
#include <sstream>
#include <vector>

#include "app/discovery.h"
#include "app/lint_scenario.h"
#include "app/witness.h"
#include "lint/lint.h"
#include "model/io/loader.h"
#include "model/parallel.h"
#include "model/text.h"
#include "sim/dataplane.h"
#include "sim/simulator.h"
#include "verify/verifier.h"

namespace meshsim {

namespace {

std::string Fmt(double v) {
  std::ostringstream o;
  o << std::fixed << std::setprecision(3) << v;
  std::string s = o.str();
  while (s.size() > 1 && s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

std::string DescribePath(const Path& p, bool with_end = false,
                         bool with_clusters = false) {
  std::string v;
  if (with_clusters) {
    for (const Hop& h : p.hops)
      if (h.kind == HopKind::kWaypoint)
        v += (v.empty() ? "" : ", ") + h.name + "@" + h.cluster;
  } else {
    for (const std::string& w : p.waypoints) v += (v.empty() ? "" : ", ") + w;
  }
  std::string out = "via [" + v + "] " + OutcomeName(p.outcome);
  if (p.denied_by) out += " by " + p.denied_by->policy;
  if (p.outcome == Outcome::kFailed && !p.reason.empty())
    out += " (" + p.reason + ")";
  if (with_end && !p.hops.empty())
    out += " at " + p.hops.back().name + "@" + p.hops.back().cluster;
  return out;
}

// The engines' answers for one scenario, each computed on first use.
class Answers {
 public:
  Answers(const Scenario& sc, const VerifyOptions& verify)
      : sc_(sc), verify_(verify) {}
  const Scenario& scenario() const { return sc_; }

  const PathsResult& paths() {
    if (!paths_) paths_ = ResolvePaths(sc_);
    return *paths_;
  }
  const SimResult& sim() {
    if (!sim_) {
      SimModel model = BuildSimModel(sc_);
      RunOptions ro;
      ro.seed = sc_.seed;
      sim_ = RunSimulation(model, ro);
    }
    return *sim_;
  }
  const VerifyResult& verified() {
    if (!verified_) {
      verified_ = Verify(sc_, verify_);
      AttachWitnessPaths(sc_, *verified_);
    }
    return *verified_;
  }
  // The analyzer catalogue's findings (meshsim lint, lint/lint.h) and the
  // loader's warnings that carry a rule id, as findings: `findings:` and
  // `no_findings:` accept their rule ids too.
  const std::vector<Finding>& linted() {
    if (!linted_) {
      linted_.emplace();
      for (const LintFinding& l : Lint(sc_).findings) {
        Finding f;
        f.rule = l.rule;
        f.severity = l.severity;
        f.message = l.message;
        f.fix = l.fix;
        f.objects.push_back({l.object.kind,
                             l.object.ns.empty()
                                 ? l.object.name
                                 : l.object.ns + "/" + l.object.name,
                             l.location});
        linted_->push_back(std::move(f));
      }
      for (const Diagnostic& d : warnings_) {
        // A warning every command shows (AddLintWarnings, its rule id in
        // brackets) is already among Lint's or the verifier's findings:
        // counted there, once.
        if (d.rule.empty() || d.WithoutRuleTag()) continue;
        Finding f;
        f.rule = d.rule;
        f.severity = d.severity;
        f.message = d.message;
        f.objects.push_back({d.object.kind, d.object.name, d.location});
        linted_->push_back(std::move(f));
      }
    }
    return *linted_;
  }
  void set_warnings(const std::vector<Diagnostic>& w) { warnings_ = w; }

 private:
  const Scenario& sc_;
  const VerifyOptions& verify_;
  std::optional<PathsResult> paths_;
  std::optional<SimResult> sim_;
  std::optional<VerifyResult> verified_;
  std::optional<std::vector<Finding>> linted_;
  std::vector<Diagnostic> warnings_;
};

// Expected and actual texts of the failed parts of one expectation.
struct Failures {
  std::vector<std::string> expected, actual;
  size_t undecided = 0;  // of them, the verifier's unknown answers
  void Add(const std::string& e, const std::string& a) {
    expected.push_back(e);
    actual.push_back(a);
  }
  void Undecided(const std::string& e, const std::string& a) {
    Add(e, a);
    ++undecided;
  }
};

// Whether path `p` ends at a pod of one of `on` (ns/controller or ns/pod).
bool LandsOn(const Scenario& sc, const Path& p,
             const std::vector<std::string>& on) {
  if (p.hops.empty() || p.hops.back().kind != HopKind::kWorkload) return false;
  const Hop& last = p.hops.back();
  const Cluster* c = sc.mesh.FindCluster(last.cluster);
  const Workload* w = c ? c->FindWorkload(last.name) : nullptr;
  for (const std::string& o : on)
    if (o == last.name ||
        (w && !w->owner.empty() && o == w->ns + "/" + w->owner) ||
        (w && !w->service_entry.empty() && o == w->ns + "/" + w->service_entry))
      return true;
  return false;
}

// `via`, `outcome`, `denied_by`, `lands_on`: every path of the entry must
// match (`lands_on`: every delivered path, and there must be one).
void CheckPaths(const Expectation& x, Answers& a, ExpectationResult& r,
                Failures& fail) {
  const TrafficPaths* tp = nullptr;
  for (const TrafficPaths& t : a.paths().traffic)
    if (t.name == x.traffic) tp = &t;
  const std::vector<Path> none;
  const std::vector<Path>& paths = tp ? tp->paths : none;
  std::set<std::string> seen;
  std::string all;
  const bool with_end = x.lands_on.has_value() || x.lands_in.has_value();
  const bool with_clusters = x.waypoints_in.has_value();
  for (const Path& p : paths) {
    const std::string d = DescribePath(p, with_end, with_clusters);
    if (seen.insert(d).second) all += (all.empty() ? "" : "; ") + d;
  }
  if (all.empty()) all = "no paths";
  bool ok = !paths.empty();
  bool delivered = false;
  for (const Path& p : paths) {
    if (x.lands_on && p.outcome == Outcome::kDelivered) {
      delivered = true;
      if (!LandsOn(a.scenario(), p, *x.lands_on)) ok = false;
    }
    if (x.via && p.waypoints != *x.via) ok = false;
    if (x.outcome && p.outcome != *x.outcome) ok = false;
    if (!x.denied_by.empty() &&
        (!p.denied_by || p.denied_by->policy != x.denied_by))
      ok = false;
    if (!ok && r.path.empty()) r.path = p.hops;
  }
  if (x.lands_on && !delivered) ok = false;
  // lands_in: exactly these clusters; waypoints_in: every waypoint hop.
  std::set<std::string> reached;
  for (const Path& p : paths) {
    if (p.outcome == Outcome::kDelivered && !p.hops.empty())
      reached.insert(p.hops.back().cluster);
    if (x.waypoints_in)
      for (const Hop& h : p.hops)
        if (h.kind == HopKind::kWaypoint &&
            std::find(x.waypoints_in->begin(), x.waypoints_in->end(),
                      h.cluster) == x.waypoints_in->end()) {
          ok = false;
          if (r.path.empty()) r.path = p.hops;
        }
  }
  std::string reached_text;
  for (const std::string& c : reached)
    reached_text += (reached_text.empty() ? "" : ", ") + c;
  if (x.lands_in && reached != std::set<std::string>(x.lands_in->begin(),
                                                     x.lands_in->end())) {
    std::string l;
    for (const std::string& c : *x.lands_in) l += (l.empty() ? "" : ", ") + c;
    fail.Add("delivered in exactly clusters [" + l + "]",
             "delivered in [" + reached_text + "]");
  }
  if (ok) return;
  std::string e;
  if (x.via) {
    std::string v;
    for (const std::string& w : *x.via) v += (v.empty() ? "" : ", ") + w;
    e = "via [" + v + "]";
  }
  if (x.outcome)
    e += (e.empty() ? "" : " ") + std::string(OutcomeName(*x.outcome));
  if (!x.denied_by.empty()) e += " by " + x.denied_by;
  if (x.lands_on) {
    std::string l;
    for (const std::string& w : *x.lands_on) l += (l.empty() ? "" : ", ") + w;
    e += (e.empty() ? "" : ", ") + std::string("delivered to [") + l + "]";
  }
  if (x.waypoints_in) {
    std::string l;
    for (const std::string& c : *x.waypoints_in)
      l += (l.empty() ? "" : ", ") + c;
    e += (e.empty() ? "" : ", ") + std::string("waypoints in clusters [") + l +
         "]";
  }
  fail.Add("every path " + e, all);
}

// Where the time goes on the entry's most taken path: per station, the
// mean network, queue and service time (docs/simulation.md#per-hop).
std::string HopBreakdownText(const SimResult& sim, const SimEntry& e) {
  size_t best = e.paths.size();
  for (size_t p = 0; p < e.paths.size() && p < e.stats.per_path.size(); ++p)
    if (!e.paths[p].timing.empty() &&
        (best == e.paths.size() ||
         e.stats.per_path[p] > e.stats.per_path[best]))
      best = p;
  if (best == e.paths.size()) return "";
  std::string out =
      "; ms per hop on path " + std::to_string(best + 1) +
      " (network mean, queue mean/p50/p99, service mean/p50/p99):";
  for (const PathHopTiming& h : e.paths[best].timing) {
    const HopTiming& t = h.timing;
    if (!t.samples) continue;
    const double n = static_cast<double>(t.samples);
    out += " " + sim.stations[h.station].name + " " +
           Fmt(t.network_ns / n * 1e-6) + ", " + Fmt(t.wait_ns / n * 1e-6) +
           "/" + Fmt(t.wait.Quantile(0.5) * 1e-6) + "/" +
           Fmt(t.wait.Quantile(0.99) * 1e-6) + ", " +
           Fmt(t.service_ns / n * 1e-6) + "/" +
           Fmt(t.service.Quantile(0.5) * 1e-6) + "/" +
           Fmt(t.service.Quantile(0.99) * 1e-6) + ";";
  }
  out.pop_back();
  return out;
}

// `latency_ms`: quantile bounds on the simulated latency of the entry.
void CheckLatency(const Expectation& x, const Scenario& sc, Answers& a,
                  Failures& fail) {
  const SimResult& sim = a.sim();
  const SimEntry* entry = nullptr;
  for (const SimEntry& e : sim.entries)
    if (e.name == x.traffic) entry = &e;
  if (!entry) {
    fail.Add("latency of " + x.traffic, "no simulated requests");
    return;
  }
  const SourceStats& st = entry->stats;
  for (const auto& [q, bounds] : x.latency_ms) {
    const double n = static_cast<double>(st.latency.count());
    const double quantile = q == "p50"   ? 0.5
                            : q == "p90" ? 0.9
                            : q == "p99" ? 0.99
                                         : 0.999;
    const double v = q == "mean"  ? (n ? st.latency_sum_ns / n * 1e-6 : 0.0)
                     : q == "max" ? static_cast<double>(st.latency.max()) * 1e-6
                                  : st.latency.Quantile(quantile) * 1e-6;
    const auto& [lo, hi] = bounds;
    const std::string wanted = q + " " +
                               (lo ? ">= " + Fmt(*lo) + " ms" : std::string()) +
                               (lo && hi ? " and " : "") +
                               (hi ? "<= " + Fmt(*hi) + " ms" : std::string());
    if (!st.latency.count()) {
      fail.Add(wanted, "no request was delivered, so there is no " + q +
                           " latency (seed " + std::to_string(sc.seed) + ")");
    } else if ((lo && v < *lo) || (hi && v > *hi)) {
      fail.Add(wanted, q + " " + Fmt(v) + " ms (seed " +
                           std::to_string(sc.seed) + ")" +
                           HopBreakdownText(sim, *entry));
    }
  }
}

// `failed_share`: bounds on the share of the entry's simulated requests
// that failed.
void CheckFailedShare(const Expectation& x, const Scenario& sc, Answers& a,
                      Failures& fail) {
  const SimEntry* entry = nullptr;
  for (const SimEntry& e : a.sim().entries)
    if (e.name == x.traffic) entry = &e;
  const auto& [lo, hi] = *x.failed_share;
  const std::string wanted =
      "failed share " + (lo ? ">= " + Fmt(*lo) : std::string()) +
      (lo && hi ? " and " : "") + (hi ? "<= " + Fmt(*hi) : std::string());
  if (!entry || entry->stats.requests == 0) {
    fail.Add(wanted, "traffic " + x.traffic + " sent no simulated requests");
    return;
  }
  const double share = static_cast<double>(entry->stats.failed) /
                       static_cast<double>(entry->stats.requests);
  if ((lo && share < *lo) || (hi && share > *hi))
    fail.Add(wanted, "failed share " + Fmt(share) + " of " +
                         Counted(entry->stats.requests, "request") + " (seed " +
                         std::to_string(sc.seed) + ")");
}

// `verify`, `no_findings`, `findings`: the verifier's verdicts.
void CheckVerdicts(const Expectation& x, Answers& a, ExpectationResult& r,
                   Failures& fail) {
  const VerifyResult& verified = a.verified();
  for (const std::string& prop : x.verify) {
    for (const PropertyResult& p : verified.properties) {
      if (p.name != prop || p.result == ProofResult::kProved) continue;
      const std::string actual =
          std::string(ProofResultName(p.result)) +
          (p.reason.empty() ? "" : " (" + p.reason + ")");
      if (p.result == ProofResult::kUnknown)
        fail.Undecided(prop + " proved", actual);
      else
        fail.Add(prop + " proved", actual);
      for (const Finding& f : verified.findings)
        if (f.rule == prop) r.findings.push_back(f);
    }
  }
  // A rule id is the verifier's or the analyzer catalogue's: both count.
  const std::vector<Finding>& linted = a.linted();
  auto matching = [&](const std::string& rule) {
    std::vector<const Finding*> out;
    for (const std::vector<Finding>* all : {&verified.findings, &linted})
      for (const Finding& f : *all)
        if (f.rule == rule) out.push_back(&f);
    return out;
  };
  for (const std::string& rule : x.no_findings) {
    const std::vector<const Finding*> found = matching(rule);
    for (const Finding* f : found) r.findings.push_back(*f);
    if (!found.empty())
      fail.Add("no " + rule + " findings",
               std::to_string(found.size()) + " found");
  }
  // No finding of a property the verifier left unknown is undecided, not
  // a clean bill.
  auto unknown = [&](const std::string& rule) {
    for (const PropertyResult& p : verified.properties)
      if (p.name == rule && p.result == ProofResult::kUnknown) return true;
    return false;
  };
  for (const std::string& rule : x.findings) {
    if (!matching(rule).empty()) continue;
    if (unknown(rule))
      fail.Undecided("a " + rule + " finding",
                     "none (the verifier answered unknown)");
    else
      fail.Add("a " + rule + " finding", "none");
  }
  if (!r.findings.empty() && r.path.empty()) r.path = r.findings.front().path;
}

}  // namespace

std::vector<ExpectationResult> EvaluateExpectations(
    const Scenario& sc, const std::vector<Diagnostic>& warnings,
    const VerifyOptions& verify) {
  Answers answers(sc, verify);
  answers.set_warnings(warnings);
  std::vector<ExpectationResult> out;
  for (const Expectation& x : sc.expect) {
    ExpectationResult r;
    r.name = x.name;
    r.location = x.location;
    Failures fail;
    if (!x.traffic.empty() &&
        (x.via || x.outcome || !x.denied_by.empty() || x.lands_on))
      CheckPaths(x, answers, r, fail);
    if (!x.latency_ms.empty()) CheckLatency(x, sc, answers, fail);
    if (x.failed_share) CheckFailedShare(x, sc, answers, fail);
    if (!x.verify.empty() || !x.no_findings.empty() || !x.findings.empty())
      CheckVerdicts(x, answers, r, fail);
    r.passed = fail.expected.empty();
    r.undecided = !r.passed && fail.undecided == fail.expected.size();
    for (size_t i = 0; i < fail.expected.size(); ++i) {
      r.expected += (i ? "; " : "") + fail.expected[i];
      r.actual += (i ? "; " : "") + fail.actual[i];
    }
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<Diagnostic> ScenarioWarnings(const Scenario& sc,
                                         const Diagnostics& diags) {
  std::vector<Diagnostic> warnings;
  for (const Diagnostic& d : sc.mesh.notes)
    if (d.severity == Severity::kWarning) warnings.push_back(d);
  for (const Diagnostic& d : diags.all())
    if (d.severity == Severity::kWarning) warnings.push_back(d);
  return warnings;
}

namespace {

// CheckScenario without its clock.
ScenarioCheck CheckLoaded(const std::string& file, std::ostream& err,
                          const CacheSettings* cache, double timeout_s) {
  ScenarioCheck c;
  c.file = file;
  Diagnostics diags;
  // The files this scenario reads, apart from those of files checked on
  // other threads at the same time: the cache's key.
  InputCapture capture;
  std::optional<Scenario> sc = LoadScenarioFile(file, diags);
  if (!sc || diags.HasErrors()) {
    diags.Print(err);
    for (const Diagnostic& d : diags.all()) {
      if (d.severity == Severity::kWarning) c.warnings.push_back(d);
      if (d.severity == Severity::kError && c.error.empty()) {
        c.error = d.location.ToString() + ": " + d.message;
        c.error_location = d.location;
      }
    }
    if (c.error.empty()) c.error = "cannot read " + file;
    if (!c.error_location.Known()) c.error_location = {file, 1, 1};
    return c;
  }
  c.name = sc->mesh.name;
  AddLintWarnings(*sc, /*verifier_findings=*/true, diags);
  c.warnings = ScenarioWarnings(*sc, diags);
  VerifyOptions verify;
  verify.timeout_s = timeout_s;
  std::unique_ptr<VerifyCache> chunks;
  if (cache) {
    std::string error;
    chunks = VerifyCache::Open(*cache, *sc, capture.inputs(), &error);
    // Not a reason to fail the file: it is verified without the cache.
    if (!chunks) cache->log->Warn(file + ": " + error);
    verify.cache = chunks.get();
  }
  try {
    c.results = EvaluateExpectations(*sc, c.warnings, verify);
  } catch (const LimitExceeded& e) {
    // Past a limit found while working (docs/robustness.md): this file
    // fails with the located error; the other files are still checked.
    e.Print(err);
    c.results.clear();
    c.error =
        e.diagnostic().location.ToString() + ": " + e.diagnostic().message;
    c.error_location = e.diagnostic().location;
  }
  return c;
}

}  // namespace

ScenarioCheck CheckScenario(const std::string& file, std::ostream& err,
                            const CacheSettings* cache, double timeout_s) {
  const auto start = std::chrono::steady_clock::now();
  ScenarioCheck c = CheckLoaded(file, err, cache, timeout_s);
  c.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  return c;
}

std::optional<std::vector<ScenarioCheck>> CheckScenarios(
    const std::vector<std::string>& args, std::ostream& err, int jobs,
    const ShardSpec& shard, std::vector<std::string>* unit_errs,
    const CacheSettings* cache, double timeout_s) {
  // Every file first (and the walk's errors in their place), then the
  // files checked on `jobs` threads, each with its own diagnostics, which
  // are written in file order: the output does not depend on `jobs`.
  std::vector<ScenarioCheck> checks;
  std::vector<size_t> pending;  // indexes into checks of files to check
  for (const std::string& arg : args) {
    std::error_code ec;
    if (!std::filesystem::exists(arg, ec)) {
      err << "meshsim: error: '" << arg << "' does not exist\n";
      return std::nullopt;
    }
    const ScenarioDiscovery found = ScenarioFilesUnder(arg);
    // A folder the walk could not read is a failed result, never a silent
    // gap (docs/security.md).
    for (const std::string& e : found.errors) {
      err << "meshsim: error: " << arg << ": " << e << "\n";
      ScenarioCheck c;
      c.file = arg;
      c.error = arg + ": " + e;
      c.error_location = {arg, 0, 0};
      checks.push_back(std::move(c));
    }
    if (found.files.empty() && found.errors.empty())
      err << "meshsim: warning: no scenario files under '" << arg << "'\n";
    for (const std::string& f : found.files) {
      if (shard.Owns(checks.size())) pending.push_back(checks.size());
      checks.push_back(ScenarioCheck{});
      checks.back().file = f;
    }
  }
  std::vector<std::string> errs(checks.size());
  ParallelFor(pending.size(), jobs, [&](size_t k) {
    std::ostringstream e;
    const size_t i = pending[k];
    checks[i] = CheckScenario(checks[i].file, e, cache, timeout_s);
    errs[i] = e.str();
  });
  if (unit_errs)
    *unit_errs = std::move(errs);
  else
    for (const std::string& e : errs) err << e;
  return checks;
}

}  // namespace meshsim
