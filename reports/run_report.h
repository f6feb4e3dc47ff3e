// Rendering of `meshsim run` and `meshsim analyze` results. The JSON keys
// listed in docs/simulation.md are a contract.
#ifndef MESHSIM_REPORTS_RUN_REPORT_H_
#define MESHSIM_REPORTS_RUN_REPORT_H_

#include <ostream>
#include <string>

#include "sim/analytic.h"
#include "sim/simulator.h"

namespace meshsim {

void WriteRunJson(const std::string& scenario, uint64_t seed,
                  const SimModel& model, std::ostream& out);
void WriteRunText(const std::string& scenario, uint64_t seed,
                  const SimModel& model, std::ostream& out);
void WriteAnalyzeJson(const std::string& scenario, const SimModel& model,
                      const AnalyticResult& a, std::ostream& out);
void WriteAnalyzeText(const std::string& scenario, const SimModel& model,
                      const AnalyticResult& a, std::ostream& out);

}  // namespace meshsim

#endif  // MESHSIM_REPORTS_RUN_REPORT_H_
