// `meshsim lint` output: text (compiler style), JSON (the contract below) and
// SARIF 2.1.0, and the catalogue for `lint --list`.
//
// JSON: {"scenario": file, "findings": [{"rule", "severity", "message",
// "file", "line", "col", "object": {"kind", "namespace", "name", "cluster"},
// "fix"}]}
#ifndef MESHSIM_REPORTS_LINT_REPORT_H_
#define MESHSIM_REPORTS_LINT_REPORT_H_

#include <ostream>
#include <string>

#include "lint/lint.h"

namespace meshsim {

void WriteLintText(const std::string& scenario, const LintResult& r,
                   std::ostream& out);
void WriteLintJson(const std::string& scenario, const LintResult& r,
                   std::ostream& out);
void WriteLintSarif(const std::string& scenario, const LintResult& r,
                    std::ostream& out);
// Every lint rule: id, severity, title, help and docs anchor.
void WriteLintCatalogue(std::ostream& out);

}  // namespace meshsim

#endif  // MESHSIM_REPORTS_LINT_REPORT_H_
