// Rendering of `meshsim run` and `meshsim analyze` results. The JSON keys
// listed in docs/simulation.md are a contract.
#ifndef MESHSIM_REPORTS_RUN_REPORT_H_
#define MESHSIM_REPORTS_RUN_REPORT_H_

#include <ostream>
#include <string>
#include <vector>

#include "model/diagnostics.h"
#include "sim/result.h"

namespace meshsim {

// `warnings`: the scenario's, listed under "warnings" when there are any.
void WriteRunJson(const std::string& scenario, uint64_t seed,
                  const SimResult& result, std::ostream& out,
                  const std::vector<Diagnostic>& warnings = {});
void WriteRunText(const std::string& scenario, uint64_t seed,
                  const SimResult& result, std::ostream& out);
// What makes a run's figures depend on its length, as `analyze` warns: a
// run that needed much longer than its offered window to drain, and each
// station saturated over that window (utilisation >= 0.95) or refusing
// requests with a full queue. `run` prints them (text) and lists them under
// "overload" (JSON).
std::vector<std::string> LoadWarnings(const SimResult& result);

// `run --replications N` (docs/simulation.md): every statistic as the mean
// of the replications with its 95% interval (Student t, N-1 degrees of
// freedom), quantiles from the merged histogram, and a warning for each
// interval wider than `warn_share` of its mean. `runs` in replication
// order, `seeds` theirs.
void WriteReplicationsText(const std::string& scenario,
                           const std::vector<uint64_t>& seeds,
                           const std::vector<SimResult>& runs,
                           double warn_share, std::ostream& out);
// `meshsim sweep` (docs/capacity.md): one row per grid point and traffic
// entry; CSV with a header row.
void WriteSweepText(const SweepResult& r, std::ostream& out);
void WriteSweepJson(const SweepResult& r, std::ostream& out);
void WriteSweepCsv(const SweepResult& r, std::ostream& out);
// `meshsim plan`.
void WritePlanText(const PlanResult& r, std::ostream& out);
void WritePlanJson(const PlanResult& r, std::ostream& out);
void WriteReplicationsJson(const std::string& scenario,
                           const std::vector<uint64_t>& seeds,
                           const std::vector<SimResult>& runs,
                           double warn_share, std::ostream& out,
                           const std::vector<Diagnostic>& warnings = {});
// One line of the `run --trace` format (docs/simulation.md): one request
// attempt of traffic entry `entry` on its path `path`, with its hop timeline
// (`station_names` by station id), as one JSON object ending in a newline.
void WriteTraceLine(const std::string& entry, int path, int attempt,
                    int64_t start, int64_t end,
                    const std::vector<TraceHop>& hops,
                    const std::vector<std::string>& station_names,
                    std::ostream& out);
void WriteAnalyzeJson(const std::string& scenario, const AnalyticResult& a,
                      std::ostream& out);
void WriteAnalyzeText(const std::string& scenario, const AnalyticResult& a,
                      std::ostream& out);

}  // namespace meshsim

#endif  // MESHSIM_REPORTS_RUN_REPORT_H_
