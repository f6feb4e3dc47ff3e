// The results `meshsim verify` hands on: a verdict per property and the
// findings, each with its counterexample request when it has one
// (docs/verification.md). Included by verify/verifier.h.
#ifndef MESHSIM_VERIFY_RESULT_H_
#define MESHSIM_VERIFY_RESULT_H_

#include <string>
#include <utility>
#include <vector>

#include "model/diagnostics.h"
#include "model/path.h"

namespace meshsim {

// kNotApplicable: no request of the scenario concerns the property (for
// waypoint-bypass, no destination asks for a waypoint), so nothing was proved.
enum class ProofResult { kProved, kViolated, kUnknown, kNotApplicable };
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
  std::string client_kind;  // ambient | sidecar | uncaptured | ingress
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
  // K11: the request passes a waypoint, but a route sends it past the one
  // its backend asks for; the replay looks for that path (landing on
  // `landing_pod`), not for one without waypoints.
  bool past_backend_waypoint = false;
  // The pod (ns/name) the counterexample's request ends at: the replay
  // shows a path that lands there when one does.
  std::string landing_pod;
  std::vector<FindingObject> objects;
  std::string fix;
  // The root cause findings share (GroupFindings): e.g. "namespace shop in
  // cluster east has no L4 guard for waypoint shop/waypoint"; "" when the
  // finding stands alone. `fix_yaml`: a manifest that removes the cause.
  std::string cause;
  std::string fix_yaml;
};

// Findings with one root cause: how many, over which destinations and kinds
// of client, one representative (an index into VerifyResult::findings) and
// the fix, with the YAML to apply when there is one.
struct FindingGroup {
  std::string rule;
  std::string cause;
  size_t count = 0;
  std::vector<std::string> destinations;  // sorted, distinct
  std::vector<std::string> clients;       // kinds of client, sorted
  size_t representative = 0;
  std::string fix;
  std::string fix_yaml;
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
  std::vector<FindingGroup> groups;  // GroupFindings(findings)
};

// Groups findings by (rule, cause), sorted by rule and cause; a finding
// without a cause is a group of its own.
std::vector<FindingGroup> GroupFindings(const std::vector<Finding>& findings);

}  // namespace meshsim

#endif  // MESHSIM_VERIFY_RESULT_H_
