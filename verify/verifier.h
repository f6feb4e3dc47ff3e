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
#include <utility>
#include <vector>

#include "model/path.h"
#include "model/rules.h"
#include "model/scenario.h"

namespace meshsim {

enum class ProofResult { kProved, kViolated, kUnknown };
const char* ProofResultName(ProofResult r);

struct FindingObject {
  std::string kind;
  std::string name;
  SourceLocation location;
};

struct Finding {
  std::string
      rule;  // waypoint-bypass, waypoint-double-pass, double-l7, ... (contract)
  Severity severity = Severity::kError;  // the rule's (model/rules.h)
  std::string message;
  // The counterexample request, when the finding has one.
  std::string
      from;  // "ambient workload client/curl", "ingress istio-system/gw", ...
  std::string from_cluster;
  std::string to;    // "service shop/cart port 80", "pod shop/cart-0 port 80"
  std::string http;  // "GET /" or ""
  std::string cluster;  // landing cluster
  std::vector<Hop>
      path;  // filled by the caller from the path function, for display
  // The counterexample as a concrete request (for replaying it through paths).
  std::string req_from_workload;  // ns/pod
  std::string req_from_ingress;   // ns/gateway
  std::string req_to_host;        // service hostname
  std::string req_to_pod;         // ns/pod
  int req_port = 0;
  std::string req_method, req_path;
  std::vector<FindingObject> objects;
  std::string fix;
};

struct PropertyResult {
  PropertyResult() = default;
  explicit PropertyResult(std::string n) : name(std::move(n)) {}
  std::string name;
  ProofResult result = ProofResult::kProved;
  size_t classes_checked = 0;
  double seconds = 0;
  std::string reason;             // for unknown
  std::vector<std::string> core;  // on a proof: the policies it rests on
};

struct VerifyResult {
  std::vector<PropertyResult> properties;
  std::vector<Finding> findings;
};

struct VerifyOptions {
  std::vector<std::string> properties;  // empty: all
  unsigned rlimit = 50'000'000;  // Z3 resource limit per query (deterministic)
  // Counterexamples reported per property; further violated destinations
  // are counted and summarised in one more finding.
  size_t max_findings = 100;
};

VerifyResult Verify(const Scenario& scenario, const VerifyOptions& options);

// ---- for differential tests ------------------------------------------------
// A source class: the requests of one kind of client in one cluster.
struct SourceClass {
  std::string id;  // e.g. "east/ambient/client/curl"
  int cluster = 0;
  std::string kind;  // ambient | sidecar | uncaptured | ingress
  std::string ns, service_account;
  std::string
      gateway;  // ingress: ns/name; ambient: the gateway it is an instance of
  std::string
      workload;  // a representative workload key (ns/pod), "" if synthetic
};

// What the encoding says a concrete request can end as: pairs of (number of
// waypoint passes, outcome), one per choice the data plane may make.
struct EncodedOutcomes {
  std::set<std::pair<int, Outcome>> outcomes;
  bool unknown = false;
};

std::vector<SourceClass> SourceClasses(const Scenario& scenario);

// Answers many concrete requests of one scenario on one Z3 context, each
// destination slice encoded once.
class OutcomeOracle {
 public:
  explicit OutcomeOracle(const Scenario& scenario);
  ~OutcomeOracle();
  // `to_service` = "ns/name" (by VIP) or `to_pod` = "ns/pod" (by pod IP), in
  // the source's cluster. The HTTP request is concrete.
  EncodedOutcomes Outcomes(const SourceClass& src,
                           const std::string& to_service,
                           const std::string& to_pod, int port,
                           const std::string& method, const std::string& path);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace meshsim

#endif  // MESHSIM_VERIFY_VERIFIER_H_
