// Explaining the verifier with the simulator's path function: each concrete
// request Z3 found (a counterexample of `verify`, a witness of `diff`) is
// replayed through sim/dataplane.h, and the path it takes is attached for
// display. The verdict stays Z3's; the path only shows it.
//
//   VerifyResult r = Verify(scenario, {});
//   AttachWitnessPaths(scenario, r);
#ifndef MESHSIM_APP_WITNESS_H_
#define MESHSIM_APP_WITNESS_H_

#include <map>
#include <optional>
#include <set>
#include <string>

#include "model/scenario.h"
#include "verify/diff.h"
#include "verify/verifier.h"

namespace meshsim {

// The concrete request of a finding as a one-off traffic entry.
// `ingress_host` is the :authority an ingress witness uses.
// `jwt` is the token it carries (§16.4), if any.
TrafficEntry WitnessRequest(const Finding& f, const std::string& ingress_host,
                            const std::map<std::string, std::string>& headers,
                            const std::optional<JwtToken>& jwt = std::nullopt);

// Sets `path` of each bypass, fail-open or double-pass finding that carries a
// request to the first path of that request showing the violation.
void AttachWitnessPaths(const Scenario& sc, VerifyResult& r);

// Fills `side` (path, why, deciding object) from the path function's answer
// for the witness of `df` in one version of the mesh: the path to the
// witness's endpoint pod with the outcome Z3 found, else the first path with
// that outcome. Leaves `side` as it is when the witness is not expressible
// as a traffic entry.
void FillDiffSide(const Scenario& sc, const DiffFinding& df, DiffSide& side);

// For every class of change in `r`: its severity (error when `fail_on` has
// its rule, else note) and both sides from the path function.
void ExplainDiff(const Scenario& old_sc, const Scenario& new_sc,
                 const std::set<std::string>& fail_on, DiffResult& r);

}  // namespace meshsim

#endif  // MESHSIM_APP_WITNESS_H_
