// `meshsim lint`: the analyzer catalogue. Each rule (model/rules.h, kind
// kLint) looks at a loaded scenario without a solver and reports where the
// configuration will not do what it seems to, at the field or label that
// causes it, with the nearest names for a reference that names nothing and
// a fix (docs/lint.md).
//
//   LintResult r = Lint(scenario);
//   for (const LintFinding& f : r.findings) ... f.rule, f.location ...
#ifndef MESHSIM_LINT_LINT_H_
#define MESHSIM_LINT_LINT_H_

#include <string>
#include <vector>

#include "model/diagnostics.h"
#include "model/scenario.h"

namespace meshsim {

using LintObject = DiagnosticObject;

struct LintFinding {
  std::string rule;  // a kLint id of model/rules.h (a contract)
  Severity severity = Severity::kWarning;
  std::string message;
  SourceLocation location;
  LintObject object;
  std::string fix;
};

struct LintResult {
  std::vector<LintFinding> findings;  // in rule order, then object order
  size_t errors() const;
  size_t warnings() const;
};

// The loader's errors and warnings of a scenario as findings, before the
// rules' own: a diagnostic's rule id when it has one, else load-error or
// scenario-warning. Notes are not findings.
void AddLoadDiagnostics(const std::vector<Diagnostic>& diags, LintResult& r);

// Every lint rule on `sc`. Deterministic: the same scenario gives the same
// findings in the same order.
LintResult Lint(const Scenario& sc);
// Appends the rules' findings on `sc` to `r`.
void LintInto(const Scenario& sc, LintResult& r);

}  // namespace meshsim

#endif  // MESHSIM_LINT_LINT_H_
