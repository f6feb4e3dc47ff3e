// `expect:` (docs/scenario-format.md): named checks for `meshsim check`. See
// scenario_sections.h.
#include <algorithm>

#include "model/io/scenario_sections.h"
#include "model/rules.h"

namespace meshsim::io {

namespace {

// traffic: the name of a traffic entry.
// An entry that failed to resolve was reported there: no second error.
bool KnownTraffic(Reader& r, const yaml::Node& e, const std::string& what,
                  const Expectation& x, const Scenario& sc,
                  const std::set<std::string>& unresolved) {
  if (unresolved.count(x.traffic)) return false;
  std::vector<std::string> names;
  for (const TrafficEntry& t : sc.traffic) {
    if (t.name == x.traffic) return true;
    names.push_back(t.name);
  }
  r.Error(r.Child(e, "traffic"),
          what + ".traffic: no traffic entry is named '" + x.traffic + "'" +
              DidYouMean(x.traffic, names));
  return false;
}

// latency_ms: {p50|p90|p99|p999|mean|max: {min: x, max: y}}; false when it
// is not a map.
bool ReadLatency(Reader& r, const yaml::Node& l, const std::string& what,
                 Expectation& x) {
  static const std::set<std::string> kQuantiles = {"p50",  "p90",  "p99",
                                                   "p999", "mean", "max"};
  if (!r.IsMap(l, what + ".latency_ms")) return false;
  for (const auto& kv : l) {
    const std::string q = kv.first.Scalar();
    if (!kQuantiles.count(q)) {
      r.Error(kv.first, what +
                            ".latency_ms: expected one of p50, p90, "
                            "p99, p999, mean, max; got '" +
                            q + "'");
      continue;
    }
    if (!r.IsMap(kv.second, what + ".latency_ms." + q)) continue;
    CheckKeys(r, kv.second, {"min", "max"}, what + ".latency_ms." + q);
    auto bound = [&](const char* k) -> std::optional<double> {
      yaml::Node b = r.Child(kv.second, k);
      if (!b.IsDefined()) return std::nullopt;
      const std::string s = b.IsScalar() ? b.Scalar() : "";
      const std::optional<double> parsed = io::DecimalNumber(s);
      const double d = parsed.value_or(-1);
      if (!parsed || !(d >= 0)) {
        r.Error(b, what + ".latency_ms." + q + "." + k +
                       ": expected a number of milliseconds >= 0, got " +
                       Reader::Describe(b));
        return std::nullopt;
      }
      return d;
    };
    x.latency_ms[q] = {bound("min"), bound("max")};
    if (const auto& [lo, hi] = x.latency_ms[q]; lo && hi && *lo > *hi)
      r.Error(kv.second,
              what + ".latency_ms." + q + ": expected min <= max, found min " +
                  r.Child(kv.second, "min").Scalar() + " > max " +
                  r.Child(kv.second, "max").Scalar() + " (no run could pass)");
    // A bound-less quantile would pass whatever the run does.
    if (!x.latency_ms[q].first && !x.latency_ms[q].second &&
        !r.Child(kv.second, "min").IsDefined() &&
        !r.Child(kv.second, "max").IsDefined())
      r.Error(kv.second, what + ".latency_ms." + q +
                             ": expected min or max (a bound that checks "
                             "nothing would always pass)");
  }
  if (l.size() == 0)
    r.Error(l, what +
                   ".latency_ms: expected a quantile with min or max, "
                   "such as {p99: {max: 50}}");
  return true;
}

// failed_share: {min: x, max: y}, shares from 0 to 1.
bool ReadFailedShare(Reader& r, const yaml::Node& f, const std::string& what,
                     Expectation& x) {
  if (!r.IsMap(f, what + ".failed_share")) return false;
  CheckKeys(r, f, {"min", "max"}, what + ".failed_share");
  auto bound = [&](const char* k) -> std::optional<double> {
    yaml::Node b = r.Child(f, k);
    if (!b.IsDefined()) return std::nullopt;
    const std::string s = b.IsScalar() ? b.Scalar() : "";
    const std::optional<double> parsed = io::DecimalNumber(s);
    const double d = parsed.value_or(-1);
    if (!parsed || !(d >= 0 && d <= 1)) {
      r.Error(b, what + ".failed_share." + k +
                     ": expected a share from 0 to 1, got " +
                     Reader::Describe(b));
      return std::nullopt;
    }
    return d;
  };
  x.failed_share = std::make_pair(bound("min"), bound("max"));
  if (const auto& [lo, hi] = *x.failed_share; lo && hi && *lo > *hi)
    r.Error(f, what + ".failed_share: expected min <= max, found min " +
                   r.Child(f, "min").Scalar() + " > max " +
                   r.Child(f, "max").Scalar() + " (no run could pass)");
  if (!r.Child(f, "min").IsDefined() && !r.Child(f, "max").IsDefined())
    r.Error(f, what +
                   ".failed_share: expected min or max (a bound that "
                   "checks nothing would always pass)");
  return true;
}

// verify, no_findings, findings: one id or a list of them. Property and rule
// ids come from the catalogue (model/rules.h); an unknown id would otherwise
// make a `no_findings` check vacuous.
void ReadRuleIds(Reader& r, const yaml::Node& e, const std::string& what,
                 Expectation& x) {
  for (const char* key : {"verify", "no_findings", "findings"}) {
    yaml::Node v = r.Child(e, key);
    if (!v.IsDefined()) continue;
    auto& out = std::string(key) == "verify"        ? x.verify
                : std::string(key) == "no_findings" ? x.no_findings
                                                    : x.findings;
    const std::string w = what + "." + key;
    if (v.IsScalar()) {
      out.push_back(v.Scalar());
    } else if (auto list = r.StringList(v, w)) {
      out = *list;
    }
    const bool property = std::string(key) == "verify";
    std::vector<std::string> ids;
    for (const Rule& rule : RuleCatalogue())
      if (rule.kind == RuleKind::kProperty ||
          (!property && rule.kind == RuleKind::kLint))
        ids.emplace_back(rule.id);
    for (const std::string& p : out) {
      if (std::find(ids.begin(), ids.end(), p) != ids.end()) continue;
      r.Error(v, w + ": expected " +
                     (property ? RuleIdList(RuleKind::kProperty)
                               : "a property or lint rule id") +
                     ", got '" + p + "'" + DidYouMean(p, ids));
    }
  }
}

// The name of an expectation without one: what it checks.
std::string DefaultName(const Expectation& x) {
  std::string name;
  if (!x.traffic.empty()) {
    name = x.traffic;
    if (x.via) {
      std::string v;
      for (const std::string& w : *x.via) v += (v.empty() ? "" : ", ") + w;
      name += " via [" + v + "]";
    }
    if (x.outcome) name += std::string(" ") + OutcomeName(*x.outcome);
    if (!x.denied_by.empty()) name += " by " + x.denied_by;
    if (x.lands_on) {
      std::string l;
      for (const std::string& w : *x.lands_on) l += (l.empty() ? "" : ", ") + w;
      name += " lands on [" + l + "]";
    }
    for (const auto* list : {&x.lands_in, &x.waypoints_in}) {
      if (!*list) continue;
      std::string l;
      for (const std::string& c : **list) l += (l.empty() ? "" : ", ") + c;
      name +=
          (list == &x.lands_in ? " lands in [" : " waypoints in [") + l + "]";
    }
    for (const auto& [q, b] : x.latency_ms) name += " " + q;
    if (x.failed_share) name += " failed share";
  } else if (!x.verify.empty()) {
    name = "proves";
    for (const std::string& p : x.verify) name += " " + p;
  } else if (!x.findings.empty()) {
    name = "finds";
    for (const std::string& p : x.findings) name += " " + p;
  } else {
    name = "no findings of";
    for (const std::string& p : x.no_findings) name += " " + p;
  }
  return name;
}

// One entry of `expect:`; nullopt (with an error) when it is malformed or
// names no traffic entry.
std::optional<Expectation> ReadExpectation(
    Reader& r, const yaml::Node& e, const std::string& what, const Scenario& sc,
    const std::set<std::string>& unresolved) {
  static const std::set<std::string> kKeys = {
      "name",     "traffic",    "via",          "outcome", "denied_by",
      "lands_on", "latency_ms", "failed_share", "verify",  "no_findings",
      "findings", "lands_in",   "waypoints_in"};
  CheckKeys(r, e, kKeys, what);
  Expectation x;
  x.location = r.Loc(e);
  x.name = r.String(r.Child(e, "name"), what + ".name").value_or("");
  x.traffic = r.String(r.Child(e, "traffic"), what + ".traffic").value_or("");
  const bool has_path_check = r.Child(e, "via").IsDefined() ||
                              r.Child(e, "outcome").IsDefined() ||
                              r.Child(e, "denied_by").IsDefined() ||
                              r.Child(e, "lands_on").IsDefined() ||
                              r.Child(e, "lands_in").IsDefined() ||
                              r.Child(e, "waypoints_in").IsDefined() ||
                              r.Child(e, "latency_ms").IsDefined() ||
                              r.Child(e, "failed_share").IsDefined();
  if (has_path_check && x.traffic.empty()) {
    r.Error(e, what +
                   ": via, outcome, denied_by, lands_on, lands_in, "
                   "waypoints_in, latency_ms and failed_share need "
                   "'traffic: <entry name>'");
    return std::nullopt;
  }
  if (!x.traffic.empty() && !KnownTraffic(r, e, what, x, sc, unresolved))
    return std::nullopt;
  x.via = r.StringList(r.Child(e, "via"), what + ".via");
  if (auto o = r.String(r.Child(e, "outcome"), what + ".outcome")) {
    x.outcome = ParseOutcome(*o);
    if (!x.outcome) {
      r.Error(r.Child(e, "outcome"), what +
                                         ".outcome: expected delivered, "
                                         "denied or failed, got '" +
                                         *o + "'");
      return std::nullopt;
    }
  }
  x.denied_by =
      r.String(r.Child(e, "denied_by"), what + ".denied_by").value_or("");
  if (!x.denied_by.empty() && !x.outcome) x.outcome = Outcome::kDenied;
  x.lands_on = r.StringList(r.Child(e, "lands_on"), what + ".lands_on");
  if (x.lands_on) {
    for (const std::string& w : *x.lands_on)
      if (w.find('/') == std::string::npos)
        r.Error(
            r.Child(e, "lands_on"),
            what + ".lands_on: expected namespace/workload, got '" + w + "'");
  }
  std::vector<std::string> clusters;
  for (const Cluster& c : sc.mesh.clusters) clusters.push_back(c.name);
  for (const char* key : {"lands_in", "waypoints_in"}) {
    auto list = r.StringList(r.Child(e, key), what + "." + key);
    if (list)
      for (const std::string& c : *list)
        if (!sc.mesh.FindCluster(c))
          r.Error(r.Child(e, key), what + "." + key + ": '" + c +
                                       "' is not a cluster of the scenario" +
                                       DidYouMean(c, clusters));
    (std::string(key) == "lands_in" ? x.lands_in : x.waypoints_in) = list;
  }
  if (yaml::Node l = r.Child(e, "latency_ms"); l.IsDefined()) {
    if (!ReadLatency(r, l, what, x)) return std::nullopt;
  }
  if (yaml::Node f = r.Child(e, "failed_share"); f.IsDefined()) {
    if (!ReadFailedShare(r, f, what, x)) return std::nullopt;
  }
  ReadRuleIds(r, e, what, x);
  // `traffic:` alone names an entry and checks nothing of it (a misspelt
  // key, warned about above, leaves just that): a gate must not pass on it.
  if ((x.traffic.empty() || !has_path_check) && x.verify.empty() &&
      x.no_findings.empty() && x.findings.empty()) {
    r.Error(e, what +
                   ": expected something to check: traffic with via, "
                   "outcome, denied_by, lands_on, lands_in, waypoints_in, "
                   "latency_ms or failed_share; verify; no_findings; or "
                   "findings");
    return std::nullopt;
  }
  if (x.name.empty()) x.name = DefaultName(x);
  return x;
}

}  // namespace

void LoadExpectations(Reader& r, const yaml::Node& n, Scenario& sc,
                      const std::set<std::string>& unresolved) {
  if (!n.IsDefined() || !r.IsList(n, "expect")) return;
  for (size_t i = 0; i < n.size(); ++i) {
    const yaml::Node e = n[i];
    const std::string what = "expect[" + std::to_string(i) + "]";
    if (!r.IsMap(e, what)) continue;
    if (auto x = ReadExpectation(r, e, what, sc, unresolved))
      sc.expect.push_back(std::move(*x));
  }
}

}  // namespace meshsim::io
