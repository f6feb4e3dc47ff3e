#include "app/lint_scenario.h"

#include <set>
#include <string>
#include <tuple>

#include "model/rules.h"
#include "verify/verifier.h"

namespace meshsim {

LintResult LintScenario(const std::vector<Diagnostic>& load,
                        const std::optional<Scenario>& sc) {
  LintResult r;
  AddLoadDiagnostics(load, r);
  bool errors = false;
  for (const Diagnostic& d : load)
    errors = errors || d.severity == Severity::kError;
  if (!sc || errors) return r;
  AddLoadDiagnostics(sc->mesh.notes, r);
  LintInto(*sc, r);
  AddVerifierFindings(*sc, r);
  return r;
}

void AddVerifierFindings(const Scenario& sc, LintResult& r) {
  // Where the loader and the catalogue's rules already found something: the
  // field or label there is the one cause (a use-waypoint label naming no
  // Gateway is reference-not-found, and not also dangling-use-waypoint).
  using Key = std::tuple<std::string, int, int>;
  std::set<Key> seen;
  for (const LintFinding& f : r.findings)
    if (f.location.Known())
      seen.insert({f.location.file, f.location.line, f.location.column});
  for (const Finding& f : VerifyLint(sc).findings) {
    const Rule* rule = FindRule(f.rule);
    if (!rule || rule->kind != RuleKind::kLint) continue;
    LintFinding l;
    l.rule = f.rule;
    l.severity = f.severity;
    l.message = f.message;
    l.fix = f.fix;
    l.object.cluster = f.cluster;
    if (!f.objects.empty()) {
      const FindingObject& o = f.objects.front();
      l.location = o.location;
      l.object.kind = o.kind;
      const size_t slash = o.name.find('/');
      l.object.ns = slash == std::string::npos ? "" : o.name.substr(0, slash);
      l.object.name = o.name.substr(slash == std::string::npos ? 0 : slash + 1);
    }
    const Key key{l.location.file, l.location.line, l.location.column};
    if (l.location.Known() && seen.count(key)) continue;
    r.findings.push_back(std::move(l));
  }
}

}  // namespace meshsim
