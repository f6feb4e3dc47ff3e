#include "app/lint_scenario.h"

#include <map>
#include <set>
#include <string>
#include <tuple>

#include "model/parallel.h"
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
  AddVerifierFindings(VerifyLint(sc), r);
}

void AddVerifierFindings(const VerifyResult& verifier, LintResult& r) {
  // Where the loader and the catalogue's rules already found the same cause
  // at the same place, one finding says it: the same rule, or a use-waypoint
  // label naming no Gateway (reference-not-found, and not also
  // dangling-use-waypoint). Findings of other rules at one place (an
  // object's first line, often) all stay.
  using Key = std::tuple<std::string, int, int>;
  std::map<Key, std::vector<size_t>> at;
  for (size_t i = 0; i < r.findings.size(); ++i)
    if (r.findings[i].location.Known())
      at[{r.findings[i].location.file, r.findings[i].location.line,
          r.findings[i].location.column}]
          .push_back(i);
  for (const Finding& f : verifier.findings) {
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
    bool said = false;
    if (l.location.Known()) {
      auto it = at.find({l.location.file, l.location.line, l.location.column});
      for (size_t i : it == at.end() ? std::vector<size_t>{} : it->second) {
        const std::string& earlier = r.findings[i].rule;
        said = said || earlier == l.rule ||
               (earlier == "reference-not-found" &&
                l.rule == "dangling-use-waypoint");
      }
    }
    if (!said) r.findings.push_back(std::move(l));
  }
}

void AddLintWarnings(const Scenario& sc, bool verifier_findings,
                     Diagnostics& diags) {
  // The two independent passes at once (each reads the scenario only);
  // merged in one order whatever the timing.
  LintResult r;
  VerifyResult verifier;
  ParallelFor(verifier_findings ? 2 : 1, HardwareJobs(2), [&](size_t i) {
    if (i == 0) LintInto(sc, r);
    if (i == 1) verifier = VerifyLint(sc);
  });
  if (verifier_findings) AddVerifierFindings(verifier, r);
  // One warning per place: where the loader or the mesh already warned (a
  // reference naming nothing, say), the catalogue's finding there is the
  // same cause in other words.
  std::set<std::tuple<std::string, int, int>> said;
  auto key = [](const SourceLocation& l) {
    return std::make_tuple(l.file, l.line, l.column);
  };
  for (const Diagnostic& d : sc.mesh.notes)
    if (d.severity == Severity::kWarning) said.insert(key(d.location));
  for (const Diagnostic& d : diags.all())
    if (d.severity == Severity::kWarning) said.insert(key(d.location));
  std::set<std::tuple<std::string, int, int, std::string>> added;
  for (LintFinding& f : r.findings)
    if (f.severity == Severity::kWarning &&
        (!f.location.Known() || !said.count(key(f.location))) &&
        added
            .insert({f.location.file, f.location.line, f.location.column,
                     f.message})
            .second)
      // With its rule id, as `lint` prints it: a verifier finding's message
      // reads as the detail of its rule's title.
      diags.Warning(f.location, f.message + " [" + f.rule + "]", f.rule,
                    f.object);
}

}  // namespace meshsim
