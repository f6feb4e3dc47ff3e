// Rendering of `meshsim paths` results: text for people, JSON for machines.
// The JSON keys are a contract (docs/scenario-format.md, "paths output").
#ifndef MESHSIM_REPORTS_PATHS_REPORT_H_
#define MESHSIM_REPORTS_PATHS_REPORT_H_

#include <ostream>
#include <string>
#include <vector>

#include "model/diagnostics.h"
#include "model/path.h"

namespace meshsim {

// {"scenario": ..., "traffic": [{"name", "paths": [{"hops", "waypoints",
// "outcome", "reason"?, "why"}]}], "warnings": [...]} with two-space indent.
void WritePathsJson(const PathsResult& result,
                    const std::vector<Diagnostic>& warnings, std::ostream& out);
// Weights are printed rounded to 6 decimals so output stays byte-stable.
double RoundWeight(double w);

void WritePathsText(const PathsResult& result,
                    const std::vector<Diagnostic>& warnings, std::ostream& out);

}  // namespace meshsim

#endif  // MESHSIM_REPORTS_PATHS_REPORT_H_
