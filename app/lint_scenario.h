// Everything `meshsim lint` reports on a scenario, gathered in one place: the
// loader's diagnostics, the mesh's notes that carry a rule, the analyzer
// catalogue's rules (lint/lint.h), and the verifier's configuration findings
// (verify/lint.cc: dangling-use-waypoint, waypoint-unavailable, ...), which
// need both libraries and so are joined here, not in lint/.
#ifndef MESHSIM_APP_LINT_SCENARIO_H_
#define MESHSIM_APP_LINT_SCENARIO_H_

#include <optional>
#include <vector>

#include "lint/lint.h"
#include "model/diagnostics.h"
#include "model/scenario.h"
#include "verify/verifier.h"

namespace meshsim {

// `load`: the loader's diagnostics; `sc`: the scenario when it loaded
// without errors (nullopt otherwise: only `load` is reported).
LintResult LintScenario(const std::vector<Diagnostic>& load,
                        const std::optional<Scenario>& sc);

// The verifier's configuration findings (the catalogue's kLint rules that
// verify/lint.cc reports), at the label or field that causes them; none at a
// place where `r` already has a finding (the same cause, reported once).
void AddVerifierFindings(const Scenario& sc, LintResult& r);
// The same with verify/lint.cc's result already at hand.
void AddVerifierFindings(const VerifyResult& verifier, LintResult& r);

// The catalogue's warnings on a loaded scenario, for the commands other than
// `lint`, which show them too (to stderr, in their JSON `warnings`): appended
// to `diags` as warnings, the rule id after the message in brackets as `lint`
// prints it, except one already said at the
// same place (the loader's, the mesh's). `verifier_findings` adds
// verify/lint.cc's; `verify` and `report` leave them out, as they report
// the verifier's findings themselves.
void AddLintWarnings(const Scenario& sc, bool verifier_findings,
                     Diagnostics& diags);

}  // namespace meshsim

#endif  // MESHSIM_APP_LINT_SCENARIO_H_
