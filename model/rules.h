// The rule catalogue: every rule id meshsim reports, in one table.
//
// The verifier and diff name their findings by these ids, the scenario
// loader validates `expect:` lists against them, the CLI lists them in its
// help, and SARIF writes its `rules` section from them. The ids are a
// contract (docs/verification.md, docs/diff.md, docs/ci.md).
//
//   if (const Rule* r = FindRule("waypoint-bypass")) ... r->severity ...
//   for (const Rule& r : RulesOfKind(RuleKind::kProperty)) ...
#ifndef MESHSIM_MODEL_RULES_H_
#define MESHSIM_MODEL_RULES_H_

#include <string>
#include <string_view>
#include <vector>

#include "model/diagnostics.h"

namespace meshsim {

enum class RuleKind {
  kProperty,  // a verifier property: proved, violated or unknown
  kLint,      // a configuration finding, no solver needed
  kDiff,      // a class of requests whose fate a change alters
  kCheck,     // an `expect:` entry of `meshsim check`
};

struct Rule {
  std::string_view id;
  RuleKind kind;
  Severity severity;        // what `verify`/`diff` report by default
  Severity sarif_level;     // SARIF `defaultConfiguration.level`
  std::string_view title;   // one line
  std::string_view help;    // one paragraph: what it means and the fix
  std::string_view anchor;  // docs page and anchor, e.g.
                            // docs/verification.md#waypoint-bypass
};

// Every rule, in a stable order (SARIF `ruleIndex` is a position in it).
const std::vector<Rule>& RuleCatalogue();
// The rule with this id, or nullptr.
const Rule* FindRule(std::string_view id);
// The default severity of a rule; kError for an id not in the catalogue.
Severity RuleSeverity(std::string_view id);
// The rules of one kind, in catalogue order.
std::vector<Rule> RulesOfKind(RuleKind kind);
// The ids of one kind, comma-separated ("a, b, c"), for help and errors.
std::string RuleIdList(RuleKind kind);

// "error", "warning", "note".
const char* SeverityName(Severity s);

}  // namespace meshsim

#endif  // MESHSIM_MODEL_RULES_H_
