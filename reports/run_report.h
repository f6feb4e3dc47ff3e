// Rendering of `meshsim run` and `meshsim analyze` results. The JSON keys
// listed in docs/simulation.md are a contract.
#ifndef MESHSIM_REPORTS_RUN_REPORT_H_
#define MESHSIM_REPORTS_RUN_REPORT_H_

#include <ostream>
#include <string>
#include <vector>

#include "sim/analytic.h"
#include "sim/simulator.h"

namespace meshsim {

void WriteRunJson(const std::string& scenario, uint64_t seed,
                  const SimModel& model, std::ostream& out);
void WriteRunText(const std::string& scenario, uint64_t seed,
                  const SimModel& model, std::ostream& out);
// One line of the `run --trace` format (docs/simulation.md): a request
// attempt of entry `source` on route `route` with its hop timeline, as one
// JSON object ending in a newline.
void WriteTraceLine(const SimModel& model, uint32_t source, uint32_t route,
                    int attempt, int64_t start, int64_t end,
                    const std::vector<TraceHop>& hops, std::ostream& out);
void WriteAnalyzeJson(const std::string& scenario, const SimModel& model,
                      const AnalyticResult& a, std::ostream& out);
void WriteAnalyzeText(const std::string& scenario, const SimModel& model,
                      const AnalyticResult& a, std::ostream& out);

}  // namespace meshsim

#endif  // MESHSIM_REPORTS_RUN_REPORT_H_
