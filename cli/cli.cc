#include "cli/cli.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "model/io/loader.h"
#include "reports/check_report.h"
#include "reports/diff_report.h"
#include "reports/paths_report.h"
#include "reports/review_report.h"
#include "reports/run_report.h"
#include "reports/verify_report.h"
#include "sim/analytic.h"
#include "sim/dataplane.h"
#include "sim/simulator.h"
#include "verify/diff.h"
#include "verify/verifier.h"

namespace meshsim {

namespace {

struct PathsOptions {
  std::string scenario;
  std::string format = "text";
  std::string http;                  // "METHOD /path?query"
  std::vector<std::string> headers;  // "name=value"
  std::vector<std::string> traffic;  // entries to show (default: all)
};

// Keeps the entries named by --traffic and applies --http/--header to them;
// false (with a message) on a malformed value or an unknown entry.
bool OverrideRequests(const PathsOptions& o, Scenario& sc, std::ostream& err) {
  if (!o.traffic.empty()) {
    std::vector<TrafficEntry> kept;
    for (const std::string& name : o.traffic) {
      auto it =
          std::find_if(sc.traffic.begin(), sc.traffic.end(),
                       [&](const TrafficEntry& t) { return t.name == name; });
      if (it == sc.traffic.end()) {
        std::vector<std::string> names;
        for (const TrafficEntry& t : sc.traffic) names.push_back(t.name);
        std::string hint = ClosestMatch(name, names);
        err << "meshsim: error: --traffic '" << name
            << "' is not a traffic entry of " << sc.file
            << (hint.empty() ? "" : " (did you mean '" + hint + "'?)") << "\n";
        return false;
      }
      kept.push_back(*it);
    }
    sc.traffic = kept;
  }
  if (o.http.empty() && o.headers.empty()) return true;
  HttpRequest req;
  if (!o.http.empty()) {
    size_t space = o.http.find(' ');
    if (space == std::string::npos || space == 0 || o.http.size() < space + 2 ||
        o.http[space + 1] != '/') {
      err << "meshsim: error: --http must be \"METHOD /path\", for example "
             "\"GET /api/v1?x=1\", "
             "got '"
          << o.http << "'\n";
      return false;
    }
    req.method = o.http.substr(0, space);
    req.path = o.http.substr(space + 1);
  }
  for (const std::string& h : o.headers) {
    size_t eq = h.find('=');
    if (eq == std::string::npos || eq == 0) {
      err << "meshsim: error: --header must be name=value, got '" << h << "'\n";
      return false;
    }
    std::string name = h.substr(0, eq);
    std::transform(name.begin(), name.end(), name.begin(), ::tolower);
    req.headers[name] = h.substr(eq + 1);
  }
  for (TrafficEntry& t : sc.traffic) {
    HttpRequest merged = t.http.value_or(HttpRequest{});
    if (!o.http.empty()) {
      merged.method = req.method;
      merged.path = req.path;
    }
    for (const auto& [k, v] : req.headers) merged.headers[k] = v;
    t.http = merged;
  }
  return true;
}

// Loads a scenario, printing diagnostics; nullopt (exit 2) on errors.
std::optional<Scenario> Load(const std::string& path, const char* what,
                             std::ostream& err, Diagnostics& diags) {
  std::optional<Scenario> sc = LoadScenarioFile(path, diags);
  diags.Print(err);
  if (!sc || diags.HasErrors()) {
    err << diags.error_count() << " error"
        << (diags.error_count() == 1 ? "" : "s") << "; " << what << "\n";
    return std::nullopt;
  }
  return sc;
}

struct RunCmdOptions {
  std::string scenario;
  std::string format = "text";
  std::optional<uint64_t> seed;
  std::string trace;
  uint64_t trace_every = 1;
  bool quiet = false;
};

int RunRun(const RunCmdOptions& o, std::ostream& out, std::ostream& err) {
  Diagnostics diags;
  std::optional<Scenario> sc =
      Load(o.scenario, "nothing simulated", err, diags);
  if (!sc) return 2;
  SimModel model = BuildSimModel(*sc);
  RunOptions ro;
  ro.seed = o.seed.value_or(sc->seed);
  const bool tty = !o.quiet && isatty(STDERR_FILENO);
  const auto wall0 = std::chrono::steady_clock::now();
  if (tty) {
    ro.progress = [&err, wall0](SimTime t, uint64_t events) {
      const double wall = std::chrono::duration<double>(
                              std::chrono::steady_clock::now() - wall0)
                              .count();
      if (wall < 1.0) return;
      err << "\r  simulated " << t.seconds() << " s, " << events << " events, "
          << wall << " s wall" << std::flush;
    };
  }
  std::ofstream trace;
  if (!o.trace.empty()) {
    trace.open(o.trace);
    if (!trace) {
      err << "meshsim: error: cannot write trace file '" << o.trace << "'\n";
      return 2;
    }
    ro.trace_every = o.trace_every;
    ro.trace = [&trace, &model](uint32_t source, uint32_t route, int attempt,
                                int64_t start, int64_t end,
                                const std::vector<TraceHop>& hops) {
      nlohmann::ordered_json j;
      j["traffic"] = model.entry_names[source];
      j["path"] = model.net.routes()[route].path_index;
      j["attempt"] = attempt;
      j["start_ms"] = static_cast<double>(start) * 1e-6;
      j["end_ms"] = static_cast<double>(end) * 1e-6;
      j["hops"] = nlohmann::ordered_json::array();
      for (const TraceHop& h : hops) {
        nlohmann::ordered_json jh;
        jh["station"] = model.net.stations()[h.station].name;
        jh["arrive_ms"] = static_cast<double>(h.arrive) * 1e-6;
        jh["start_ms"] = static_cast<double>(h.start) * 1e-6;
        jh["depart_ms"] = static_cast<double>(h.depart) * 1e-6;
        j["hops"].push_back(jh);
      }
      trace << j.dump() << "\n";
    };
  }
  RunSimulation(model, ro);
  if (tty) err << "\n";
  if (o.format == "json") {
    WriteRunJson(sc->mesh.name, ro.seed, model, out);
  } else {
    WriteRunText(sc->mesh.name, ro.seed, model, out);
  }
  return 0;
}

int RunAnalyze(const std::string& path, const std::string& format,
               std::ostream& out, std::ostream& err) {
  Diagnostics diags;
  std::optional<Scenario> sc = Load(path, "nothing analysed", err, diags);
  if (!sc) return 2;
  SimModel model = BuildSimModel(*sc);
  AnalyticResult a = Analyze(model);
  if (format == "json") {
    WriteAnalyzeJson(sc->mesh.name, model, a, out);
  } else {
    WriteAnalyzeText(sc->mesh.name, model, a, out);
  }
  return 0;
}

// The concrete request of a finding as a one-off traffic entry, for the path
// function. `ingress_host` is the :authority an ingress witness uses.
TrafficEntry RequestOf(const Finding& f, const std::string& ingress_host,
                       const std::map<std::string, std::string>& headers) {
  TrafficEntry t;
  t.name = "witness";
  t.from.cluster = f.from_cluster;
  if (!f.req_from_ingress.empty()) {
    t.from.ingress = f.req_from_ingress;
    t.to.host = ingress_host;
  } else {
    t.from.ns = f.req_from_workload.substr(0, f.req_from_workload.find('/'));
    t.from.workload =
        f.req_from_workload.substr(f.req_from_workload.find('/') + 1);
    t.to.host = f.req_to_host;
    t.to.pod = f.req_to_pod;
  }
  t.to.port = f.req_port;
  if (!f.req_method.empty())
    t.http = HttpRequest{f.req_method, f.req_path, headers};
  return t;
}

// Attaches to each counterexample the path the simulator's path function
// computes for that concrete request (for display; the verdict is Z3's).
void AttachPaths(const Scenario& sc, VerifyResult& r) {
  for (Finding& f : r.findings) {
    if (f.req_from_workload.empty() && f.req_from_ingress.empty()) continue;
    const TrafficEntry t = RequestOf(f, "counterexample.example.com", {});
    for (const Path& p : EnumeratePaths(BuildForwardingGraph(sc.mesh, t))) {
      const bool bypass =
          p.waypoints.empty() && p.outcome == Outcome::kDelivered;
      const bool twice = p.waypoints.size() >= 2;
      if ((f.rule == "waypoint-bypass" && bypass) ||
          (f.rule == "fail-open-exposure" && bypass) ||
          (f.rule == "waypoint-double-pass" && twice)) {
        f.path = p.hops;
        break;
      }
    }
  }
}

int RunVerify(const std::string& path, const std::string& format,
              const std::vector<std::string>& properties, unsigned rlimit,
              size_t max_findings, const std::string& sarif, std::ostream& out,
              std::ostream& err) {
  static const std::set<std::string> kProperties = {
      "waypoint-bypass", "waypoint-double-pass", "fail-open-exposure",
      "double-l7"};
  for (const std::string& p : properties) {
    if (!kProperties.count(p)) {
      err << "meshsim: error: --property must be one of waypoint-bypass, "
             "waypoint-double-pass, "
             "fail-open-exposure, double-l7, got '"
          << p << "'\n";
      return 2;
    }
  }
  Diagnostics diags;
  std::optional<Scenario> sc = Load(path, "nothing verified", err, diags);
  if (!sc) return 2;
  VerifyOptions vo;
  vo.properties = properties;
  if (rlimit) vo.rlimit = rlimit;
  vo.max_findings = max_findings;
  VerifyResult r = Verify(*sc, vo);
  AttachPaths(*sc, r);
  if (!sarif.empty()) {
    std::ofstream f(sarif);
    if (!f) {
      err << "meshsim: error: cannot write '" << sarif << "'\n";
      return 2;
    }
    SarifInput in;
    in.verify.push_back({path, r});
    WriteSarif(in, f);
  }
  if (format == "json") {
    WriteVerifyJson(sc->mesh.name, r, out);
  } else {
    WriteVerifyText(sc->mesh.name, r, out);
  }
  for (const PropertyResult& p : r.properties)
    if (p.result == ProofResult::kUnknown) return 3;
  for (const Finding& f : r.findings)
    if (f.severity == "error") return 1;
  return 0;
}

// The path function's answer for a diff witness in one version: the path to
// the witness's endpoint pod with the outcome Z3 found, else the first path
// with that outcome.
void FillSide(const Scenario& sc, const DiffFinding& df, DiffSide& side) {
  const Finding& f = df.finding;
  const TrafficEntry t = RequestOf(f, f.req_to_host, df.headers);
  std::string pod;
  for (const FindingObject& o : f.objects)
    if (o.kind == "Pod") pod = o.name;
  const Path* best = nullptr;
  int best_score = -1;
  std::vector<Path> paths;
  try {
    paths = EnumeratePaths(BuildForwardingGraph(sc.mesh, t));
  } catch (const std::exception&) {
    return;  // the witness is not expressible as a traffic entry
  }
  for (const Path& p : paths) {
    int score = 0;
    if (OutcomeName(p.outcome) == side.outcome) score += 2;
    if (!p.hops.empty() && p.hops.back().name == pod) score += 1;
    if (score > best_score) {
      best = &p;
      best_score = score;
    }
  }
  if (!best) return;
  side.path = best->hops;
  side.why = best->why;
  if (best->denied_by) {
    side.decision = "denied by " + best->denied_by->policy +
                    (best->denied_by->rule
                         ? " rule " + std::to_string(*best->denied_by->rule)
                         : "") +
                    " (" + best->denied_by->action + ")";
  } else if (best->outcome == Outcome::kFailed) {
    side.decision = best->reason;
  } else if (best->route) {
    side.decision = "route " + best->route->name + " rule " +
                    std::to_string(best->route->rule);
  }
}

struct DiffCmdOptions {
  std::string old_scenario, new_scenario, new_manifests;
  std::string format = "text";
  std::vector<std::string> fail_on;
  size_t max_findings = 50;
  unsigned rlimit = 0;
  std::string sarif;
  bool process_exits_after = false;
};

int RunDiff(const DiffCmdOptions& o, std::ostream& out, std::ostream& err) {
  std::set<std::string> fail_on;
  for (const std::string& r : DiffRules()) fail_on.insert(r);
  if (!o.fail_on.empty()) {
    fail_on.clear();
    for (const std::string& name : o.fail_on) {
      // `path-changed` (the issue's own example) groups every change of
      // path: a new bypass, another waypoint, a double pass, another route.
      if (name == "path-changed") {
        for (const char* r : {"diff-new-bypass", "diff-waypoint-changed",
                              "diff-double-pass", "diff-route-changed"})
          fail_on.insert(r);
        continue;
      }
      const std::string rule = "diff-" + name;
      if (std::find(DiffRules().begin(), DiffRules().end(), rule) ==
          DiffRules().end()) {
        err << "meshsim: error: --fail-on takes newly-allowed, newly-denied, "
               "new-bypass, waypoint-changed, double-pass, route-changed, "
               "newly-failed, or path-changed (the four path rules); got '"
            << name << "'\n";
        return 2;
      }
      fail_on.insert(rule);
    }
  }
  if (o.new_scenario.empty() == o.new_manifests.empty()) {
    err << "meshsim: error: diff needs the new version: a second scenario "
           "file, or --new-manifests DIR (but not both)\n";
    return 2;
  }
  Diagnostics old_diags, new_diags;
  std::optional<Scenario> a =
      Load(o.old_scenario, "nothing compared", err, old_diags);
  if (!a) return 2;
  std::optional<Scenario> b;
  if (!o.new_manifests.empty()) {
    std::error_code ec;
    if (!std::filesystem::is_directory(o.new_manifests, ec)) {
      err << "meshsim: error: --new-manifests '" << o.new_manifests
          << "' is not a directory\n";
      return 2;
    }
    b = LoadScenarioFile(o.old_scenario, new_diags, o.new_manifests);
    new_diags.Print(err);
    if (!b || new_diags.HasErrors()) {
      err << new_diags.error_count() << " error"
          << (new_diags.error_count() == 1 ? "" : "s")
          << " in the new version; nothing compared\n";
      return 2;
    }
  } else {
    b = Load(o.new_scenario, "nothing compared", err, new_diags);
    if (!b) return 2;
  }
  DiffOptions dopt;
  dopt.process_exits_after = o.process_exits_after;
  dopt.max_findings = o.max_findings;
  if (o.rlimit) dopt.rlimit = o.rlimit;
  DiffResult r = Diff(*a, *b, dopt);
  bool failed = false;
  for (DiffFinding& df : r.findings) {
    df.finding.severity = fail_on.count(df.finding.rule) ? "error" : "note";
    failed |= fail_on.count(df.finding.rule) > 0;
    FillSide(*a, df, df.old_side);
    FillSide(*b, df, df.new_side);
  }
  for (const auto& [rule, n] : r.more) failed |= fail_on.count(rule) > 0;
  if (!o.sarif.empty()) {
    std::ofstream f(o.sarif);
    if (!f) {
      err << "meshsim: error: cannot write '" << o.sarif << "'\n";
      return 2;
    }
    SarifInput in;
    in.diff = r.findings;
    WriteSarif(in, f);
  }
  const std::string new_label =
      o.new_manifests.empty()
          ? o.new_scenario
          : o.old_scenario + " with manifests from " + o.new_manifests;
  if (o.format == "json") {
    WriteDiffJson(o.old_scenario, new_label, r, out);
  } else {
    WriteDiffText(o.old_scenario, new_label, r, out);
  }
  if (r.result == ProofResult::kUnknown) return 3;
  return failed ? 1 : 0;
}

// ---- meshsim check ----------------------------------------------------------

// Scenario files under `arg`: the file itself, or every YAML/JSON file below
// a folder whose top level has `clusters:` (manifest folders are skipped).
std::vector<std::string> ScenarioFilesUnder(const std::string& arg) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(arg, ec)) return {arg};
  std::vector<std::string> out;
  for (auto it = fs::recursive_directory_iterator(arg, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    const fs::path& p = it->path();
    if (it->is_directory() && p.filename() == "manifests") {
      it.disable_recursion_pending();
      continue;
    }
    const std::string ext = p.extension().string();
    if (!it->is_regular_file() ||
        (ext != ".yaml" && ext != ".yml" && ext != ".json"))
      continue;
    std::ifstream in(p);
    std::string line;
    bool scenario = false;
    while (std::getline(in, line))
      if (line.rfind("clusters:", 0) == 0 || line.rfind("\"clusters\"", 0) == 0)
        scenario = true;
    if (scenario) out.push_back(p.generic_string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string Fmt(double v) {
  std::ostringstream o;
  o << std::fixed << std::setprecision(3) << v;
  std::string s = o.str();
  while (s.size() > 1 && s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

std::string DescribePath(const Path& p) {
  std::string v;
  for (const std::string& w : p.waypoints) v += (v.empty() ? "" : ", ") + w;
  std::string out = "via [" + v + "] " + OutcomeName(p.outcome);
  if (p.denied_by) out += " by " + p.denied_by->policy;
  if (p.outcome == Outcome::kFailed && !p.reason.empty())
    out += " (" + p.reason + ")";
  return out;
}

ScenarioCheck CheckScenario(const std::string& file, std::ostream& err) {
  ScenarioCheck c;
  c.file = file;
  Diagnostics diags;
  std::optional<Scenario> sc = LoadScenarioFile(file, diags);
  if (!sc || diags.HasErrors()) {
    diags.Print(err);
    for (const Diagnostic& d : diags.all())
      if (d.severity == Severity::kError) {
        std::ostringstream o;
        o << d.location.ToString() << ": " << d.message;
        c.error = o.str();
        break;
      }
    if (c.error.empty()) c.error = "cannot read " + file;
    return c;
  }
  c.name = sc->mesh.name;
  std::optional<PathsResult> paths;
  std::optional<SimModel> sim;
  std::optional<VerifyResult> verified;
  for (const Expectation& x : sc->expect) {
    ExpectationResult r;
    r.name = x.name;
    r.location = x.location;
    r.passed = true;
    std::vector<std::string> expected, actual;
    auto fail = [&](const std::string& e, const std::string& a) {
      r.passed = false;
      expected.push_back(e);
      actual.push_back(a);
    };
    if (!x.traffic.empty() &&
        (x.via || !x.outcome.empty() || !x.denied_by.empty())) {
      if (!paths) paths = ResolvePaths(*sc);
      const TrafficPaths* tp = nullptr;
      for (const TrafficPaths& t : paths->traffic)
        if (t.name == x.traffic) tp = &t;
      std::set<std::string> seen;
      std::string all;
      for (const Path& p : tp ? tp->paths : std::vector<Path>{})
        if (seen.insert(DescribePath(p)).second)
          all += (all.empty() ? "" : "; ") + DescribePath(p);
      if (all.empty()) all = "no paths";
      bool ok = tp && !tp->paths.empty();
      for (const Path& p : tp ? tp->paths : std::vector<Path>{}) {
        if (x.via && p.waypoints != *x.via) ok = false;
        if (!x.outcome.empty() && OutcomeName(p.outcome) != x.outcome)
          ok = false;
        if (!x.denied_by.empty() &&
            (!p.denied_by || p.denied_by->policy != x.denied_by))
          ok = false;
        if (!ok && r.path.empty()) r.path = p.hops;
      }
      if (!ok) {
        std::string e;
        if (x.via) {
          std::string v;
          for (const std::string& w : *x.via) v += (v.empty() ? "" : ", ") + w;
          e = "via [" + v + "]";
        }
        if (!x.outcome.empty()) e += (e.empty() ? "" : " ") + x.outcome;
        if (!x.denied_by.empty()) e += " by " + x.denied_by;
        fail("every path " + e, all);
      }
    }
    if (!x.latency_ms.empty()) {
      if (!sim) {
        sim = BuildSimModel(*sc);
        RunOptions ro;
        ro.seed = sc->seed;
        RunSimulation(*sim, ro);
      }
      size_t idx = sim->entry_names.size();
      for (size_t i = 0; i < sim->entry_names.size(); ++i)
        if (sim->entry_names[i] == x.traffic) idx = i;
      if (idx == sim->entry_names.size()) {
        fail("latency of " + x.traffic, "no simulated requests");
      } else {
        const SourceStats& st = sim->net.source_stats()[idx];
        for (const auto& [q, bounds] : x.latency_ms) {
          const double n = static_cast<double>(st.latency.count());
          double v = q == "mean"  ? (n ? st.latency_sum_ns / n * 1e-6 : 0.0)
                     : q == "max" ? static_cast<double>(st.latency.max()) * 1e-6
                                  : st.latency.Quantile(q == "p50"   ? 0.5
                                                        : q == "p90" ? 0.9
                                                        : q == "p99" ? 0.99
                                                                     : 0.999) *
                                        1e-6;
          const auto& [lo, hi] = bounds;
          if (!st.latency.count()) {
            fail(q + " latency", "no request was delivered");
          } else if ((lo && v < *lo) || (hi && v > *hi)) {
            fail(q + " " + (lo ? ">= " + Fmt(*lo) + " ms" : std::string()) +
                     (lo && hi ? " and " : "") +
                     (hi ? "<= " + Fmt(*hi) + " ms" : std::string()),
                 q + " " + Fmt(v) + " ms (seed " + std::to_string(sc->seed) +
                     ")");
          }
        }
      }
    }
    if (!x.verify.empty() || !x.no_findings.empty() || !x.findings.empty()) {
      if (!verified) {
        verified = Verify(*sc, VerifyOptions{});
        AttachPaths(*sc, *verified);
      }
      for (const std::string& prop : x.verify) {
        for (const PropertyResult& p : verified->properties) {
          if (p.name != prop || p.result == ProofResult::kProved) continue;
          fail(prop + " proved",
               std::string(ProofResultName(p.result)) +
                   (p.reason.empty() ? "" : " (" + p.reason + ")"));
          for (const Finding& f : verified->findings)
            if (f.rule == prop) r.findings.push_back(f);
        }
      }
      for (const std::string& rule : x.no_findings) {
        size_t n = 0;
        for (const Finding& f : verified->findings)
          if (f.rule == rule) {
            ++n;
            r.findings.push_back(f);
          }
        if (n) fail("no " + rule + " findings", std::to_string(n) + " found");
      }
      for (const std::string& rule : x.findings) {
        size_t n = 0;
        for (const Finding& f : verified->findings) n += f.rule == rule;
        if (!n) fail("a " + rule + " finding", "none");
      }
      if (!r.findings.empty() && r.path.empty())
        r.path = r.findings.front().path;
    }
    for (size_t i = 0; i < expected.size(); ++i) {
      r.expected += (i ? "; " : "") + expected[i];
      r.actual += (i ? "; " : "") + actual[i];
    }
    c.results.push_back(std::move(r));
  }
  return c;
}

struct CheckCmdOptions {
  std::vector<std::string> scenarios;
  std::string junit, sarif;
  bool github = false;
};

int RunCheck(const CheckCmdOptions& o, std::ostream& out, std::ostream& err) {
  std::vector<ScenarioCheck> checks;
  bool bad_input = false;
  for (const std::string& arg : o.scenarios) {
    std::error_code ec;
    if (!std::filesystem::exists(arg, ec)) {
      err << "meshsim: error: '" << arg << "' does not exist\n";
      return 2;
    }
    std::vector<std::string> files = ScenarioFilesUnder(arg);
    if (files.empty())
      err << "meshsim: warning: no scenario files under '" << arg << "'\n";
    for (const std::string& f : files) {
      checks.push_back(CheckScenario(f, err));
      bad_input |= !checks.back().error.empty();
    }
  }
  WriteCheckText(checks, out);
  auto write = [&](const std::string& path, auto&& fn) {
    std::ofstream f(path);
    if (!f) {
      err << "meshsim: error: cannot write '" << path << "'\n";
      return false;
    }
    fn(f);
    return true;
  };
  if (!o.junit.empty() &&
      !write(o.junit, [&](std::ostream& f) { WriteJUnit(checks, f); }))
    return 2;
  if (!o.sarif.empty() && !write(o.sarif, [&](std::ostream& f) {
        SarifInput in;
        in.check = checks;
        for (const ScenarioCheck& c : checks)
          for (const ExpectationResult& r : c.results)
            if (!r.findings.empty()) {
              VerifyResult vr;
              vr.findings = r.findings;
              in.verify.push_back({c.file, vr});
            }
        WriteSarif(in, f);
      }))
    return 2;
  if (o.github) {
    WriteGitHubAnnotations(checks, 10, out);
    if (const char* summary = std::getenv("GITHUB_STEP_SUMMARY")) {
      std::ofstream f(summary, std::ios::app);
      if (f) WriteGitHubSummary(checks, f);
    }
  }
  if (bad_input) return 2;
  return FailureCount(checks) ? 1 : 0;
}

int RunPaths(const PathsOptions& o, std::ostream& out, std::ostream& err) {
  Diagnostics diags;
  std::optional<Scenario> sc =
      Load(o.scenario, "no paths computed", err, diags);
  if (!sc) return 2;
  if (!OverrideRequests(o, *sc, err)) return 2;
  PathsResult result = ResolvePaths(*sc);
  std::vector<Diagnostic> warnings;
  for (const Diagnostic& d : sc->mesh.notes)
    if (d.severity == Severity::kWarning) warnings.push_back(d);
  for (const Diagnostic& d : diags.all())
    if (d.severity == Severity::kWarning) warnings.push_back(d);
  if (o.format == "json") {
    WritePathsJson(result, warnings, out);
  } else {
    WritePathsText(result, warnings, out);
  }
  return 0;
}

// `meshsim report`: paths, a simulation run and verification of one
// scenario, written as report.md, report.html and results.json into `dir`.
// Exit codes as `verify`; 2 also when `dir` cannot be written.
int RunReport(const std::string& path, const std::string& dir,
              std::optional<uint64_t> seed, std::ostream& out,
              std::ostream& err) {
  Diagnostics diags;
  std::optional<Scenario> sc = Load(path, "no report written", err, diags);
  if (!sc) return 2;
  PathsResult paths = ResolvePaths(*sc);
  SimModel model = BuildSimModel(*sc);
  RunOptions ro;
  ro.seed = seed.value_or(sc->seed);
  RunSimulation(model, ro);
  VerifyResult vr = Verify(*sc, VerifyOptions{});
  AttachPaths(*sc, vr);
  ReviewInput in{*sc, paths, model, ro.seed, vr, {}, ""};
  for (const Diagnostic& d : sc->mesh.notes)
    if (d.severity == Severity::kWarning) in.warnings.push_back(d);
  for (const Diagnostic& d : diags.all())
    if (d.severity == Severity::kWarning) in.warnings.push_back(d);
  std::string error;
  if (!WriteReviewFiles(in, dir, error)) {
    err << "meshsim: error: " << error << "\n";
    return 2;
  }
  out << "wrote " << dir << "/report.md, " << dir << "/report.html, " << dir
      << "/results.json\n";
  return ReviewExitCode(vr);
}

}  // namespace

int RunCli(const std::vector<std::string>& args, std::ostream& out,
           std::ostream& err, bool process_exits_after) {
  CLI::App app{
      "meshsim: simulate and verify Istio ambient meshes from their manifests"};
  app.require_subcommand(1);
  PathsOptions po;
  CLI::App* paths = app.add_subcommand(
      "paths",
      "print every path each traffic entry's requests can take, hop by hop");
  paths->add_option("scenario", po.scenario, "scenario file (YAML or JSON)")
      ->required();
  paths->add_option("--format", po.format, "text or json")
      ->check(CLI::IsMember({"text", "json"}));
  paths->add_option(
      "--http", po.http,
      "override the traffic entries' request, e.g. \"GET /api/v1?x=1\"");
  paths->add_option("--header", po.headers,
                    "add a request header name=value (repeatable)");
  paths->add_option("--traffic", po.traffic,
                    "only these traffic entries (repeatable)");
  RunCmdOptions ro;
  CLI::App* run =
      app.add_subcommand("run",
                         "replay the scenario's traffic as discrete events: "
                         "latency, load, policy hits");
  run->add_option("scenario", ro.scenario, "scenario file (YAML or JSON)")
      ->required();
  run->add_option("--format", ro.format, "text or json")
      ->check(CLI::IsMember({"text", "json"}));
  run->add_option("--seed", ro.seed,
                  "random seed (default: the scenario's `seed`, else 1)");
  run->add_option("--trace", ro.trace,
                  "write each request's hop timeline as JSON lines");
  run->add_option("--trace-every", ro.trace_every,
                  "trace every Nth request of each entry")
      ->check(CLI::PositiveNumber);
  run->add_flag("--quiet", ro.quiet, "no progress on stderr");
  std::string analyze_scenario, analyze_format = "text";
  CLI::App* analyze = app.add_subcommand(
      "analyze", "the analytic answer: traffic equations and M/M/c stations");
  analyze
      ->add_option("scenario", analyze_scenario, "scenario file (YAML or JSON)")
      ->required();
  analyze->add_option("--format", analyze_format, "text or json")
      ->check(CLI::IsMember({"text", "json"}));
  std::string verify_scenario, verify_format = "text";
  std::vector<std::string> verify_properties;
  CLI::App* verify = app.add_subcommand(
      "verify",
      "prove with Z3 that no request bypasses or double-passes a waypoint");
  verify
      ->add_option("scenario", verify_scenario, "scenario file (YAML or JSON)")
      ->required();
  verify->add_option("--format", verify_format, "text or json")
      ->check(CLI::IsMember({"text", "json"}));
  unsigned verify_rlimit = 0;
  size_t verify_max_findings = 100;
  verify->add_option("--max-findings", verify_max_findings,
                     "counterexamples reported per property (default 100)");
  verify->add_option(
      "--rlimit", verify_rlimit,
      "Z3 resource limit per query (deterministic; default 50000000)");
  std::string verify_sarif;
  verify->add_option("--sarif", verify_sarif, "also write SARIF 2.1.0 to FILE");
  verify->add_option("--property", verify_properties,
                     "check only these: waypoint-bypass, waypoint-double-pass, "
                     "fail-open-exposure, double-l7 (repeatable)");
  std::string report_scenario, report_dir;
  std::optional<uint64_t> report_seed;
  CLI::App* report = app.add_subcommand(
      "report",
      "write a design-review report (report.md, report.html, results.json)");
  report
      ->add_option("scenario", report_scenario, "scenario file (YAML or JSON)")
      ->required();
  report->add_option("-o,--output", report_dir, "output directory")->required();
  report->add_option("--seed", report_seed,
                     "random seed (default: the scenario's `seed`, else 1)");
  DiffCmdOptions dopt;
  CLI::App* diff = app.add_subcommand(
      "diff",
      "every class of requests whose fate differs between two versions");
  diff->add_option("old", dopt.old_scenario, "the old scenario file")
      ->required();
  diff->add_option("new", dopt.new_scenario, "the new scenario file");
  diff->add_option("--new-manifests", dopt.new_manifests,
                   "the new version: OLD's scenario with its manifest paths "
                   "resolved against DIR");
  diff->add_option("--format", dopt.format, "text or json")
      ->check(CLI::IsMember({"text", "json"}));
  diff->add_option("--fail-on", dopt.fail_on,
                   "exit 1 only for these changes (comma-separated; default "
                   "all): newly-allowed, newly-denied, new-bypass, "
                   "waypoint-changed, double-pass, route-changed, "
                   "newly-failed")
      ->delimiter(',');
  diff->add_option("--sarif", dopt.sarif, "also write SARIF 2.1.0 to FILE");
  diff->add_option("--max-findings", dopt.max_findings,
                   "classes reported per kind of change (default 50)");
  diff->add_option(
      "--rlimit", dopt.rlimit,
      "Z3 resource limit per query (deterministic; default 50000000)");
  CheckCmdOptions copt;
  CLI::App* check = app.add_subcommand(
      "check", "evaluate the scenario files' `expect:` lists (a CI gate)");
  check
      ->add_option("scenarios", copt.scenarios,
                   "scenario files, or folders to search for them")
      ->required();
  check->add_option("--junit", copt.junit, "write JUnit XML to FILE");
  check->add_option("--sarif", copt.sarif, "write SARIF 2.1.0 to FILE");
  check->add_flag("--github", copt.github,
                  "print GitHub annotations and append a summary to "
                  "$GITHUB_STEP_SUMMARY");
  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) {
      out << app.help();
      return 0;
    }
    err << "meshsim: error: " << e.what() << "\n"
        << "run 'meshsim --help' for usage\n";
    return 2;
  }
  if (paths->parsed()) return RunPaths(po, out, err);
  if (run->parsed()) return RunRun(ro, out, err);
  if (report->parsed())
    return RunReport(report_scenario, report_dir, report_seed, out, err);
  if (verify->parsed())
    return RunVerify(verify_scenario, verify_format, verify_properties,
                     verify_rlimit, verify_max_findings, verify_sarif, out,
                     err);
  dopt.process_exits_after = process_exits_after;
  if (diff->parsed()) return RunDiff(dopt, out, err);
  if (check->parsed()) return RunCheck(copt, out, err);
  if (analyze->parsed())
    return RunAnalyze(analyze_scenario, analyze_format, out, err);
  err << app.help();
  return 2;
}

}  // namespace meshsim
