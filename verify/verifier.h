// `meshsim verify`: proves with Z3, over every request the configuration
// admits, that no request bypasses its waypoint or passes waypoints twice —
// or gives a concrete request that does (docs/verification.md).
//
// The routing and policy rules are encoded on their own (encoding.cc), not by
// calling the simulator's path function; tests check the two against each
// other on enumerated requests.
//
//   VerifyResult r = Verify(scenario, VerifyOptions{});
//   for (const Finding& f : r.findings) ...
#ifndef MESHSIM_VERIFY_VERIFIER_H_
#define MESHSIM_VERIFY_VERIFIER_H_

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "model/path.h"
#include "model/rules.h"
#include "model/scenario.h"
#include "verify/result.h"
#include "verify/source_class.h"

namespace meshsim {

struct VerifyOptions {
  std::vector<std::string> properties;  // empty: all
  unsigned rlimit = 50'000'000;  // Z3 resource limit per query (deterministic)
  // Counterexamples reported per property; further violated destinations
  // are counted and summarised in one more finding.
  size_t max_findings = 100;
  // Wall-clock budget of the whole run in seconds (0: none). Unlike rlimit
  // it depends on the machine; when it expires the properties not yet
  // decided are unknown (verify/deadline.h).
  double timeout_s = 0;
};

// The result types (ProofResult, Finding, PropertyResult, VerifyResult) are
// in verify/result.h; SourceClass and SourceClasses in verify/source_class.h.
VerifyResult Verify(const Scenario& scenario, const VerifyOptions& options);

// ---- for differential tests ------------------------------------------------
// What the encoding says a concrete request can end as: pairs of (number of
// waypoint passes, outcome), one per choice the data plane may make.
struct EncodedOutcomes {
  std::set<std::pair<int, Outcome>> outcomes;
  // The same with the last waypoint passed ("" for none): (passes, last
  // waypoint, outcome), so a cross-check sees which waypoint, not only how
  // many.
  std::set<std::tuple<int, std::string, Outcome>> detailed;
  bool unknown = false;
};

// Answers many concrete requests of one scenario on one Z3 context, each
// destination slice encoded once.
class OutcomeOracle {
 public:
  explicit OutcomeOracle(const Scenario& scenario);
  ~OutcomeOracle();
  // `to_service` = "ns/name" (by VIP) or `to_pod` = "ns/pod" (by pod IP), in
  // the source's cluster. The HTTP request is concrete.
  // `jwt`: the token the request carries (none: no token); the encoding
  // knows one audience, the first.
  EncodedOutcomes Outcomes(const SourceClass& src,
                           const std::string& to_service,
                           const std::string& to_pod, int port,
                           const std::string& method, const std::string& path,
                           const JwtToken* jwt = nullptr);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace meshsim

#endif  // MESHSIM_VERIFY_VERIFIER_H_
