// Authorization in ambient (docs/semantics.md §4, §8): which
// AuthorizationPolicies each enforcement point picks up, how each is
// evaluated there, and what PeerAuthentication does to plaintext.
//
//   auto policies = PoliciesAtZtunnel(mesh, cluster, workload);
//   RequestAttributes req{.principal = "cluster.local/ns/shop/sa/cart", ...};
//   PolicyDecision d = Evaluate(EnforcementPoint::kZtunnel, policies, req);
//   if (!d.allowed) ... d.denied_by ...
#ifndef MESHSIM_MODEL_POLICY_H_
#define MESHSIM_MODEL_POLICY_H_

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "model/mesh.h"
#include "model/path.h"

namespace meshsim {

enum class EnforcementPoint {
  kZtunnel,   // destination ztunnel: L4 only (§8.2)
  kWaypoint,  // Envoy waypoint: targetRef policies, full L7
  kGateway,   // ingress gateway Envoy: selector/namespace/global + targetRef
  kSidecar,   // a sidecar server's Envoy: selector/namespace/global, full L7
};

// What a policy can look at, as seen at one enforcement point.
struct RequestAttributes {
  std::optional<std::string> principal;  // peer identity; none for plaintext
  std::string source_ip;
  std::string destination_ip;
  int destination_port = 0;
  bool http = false;  // an HTTP request (else plain TCP: no L7 attributes)
  // §8.6: the service port is declared HTTP (PortDeclaresHttp): an Envoy
  // serves the connection on its HTTP filter chain even when it is not HTTP.
  bool http_port = false;
  std::string method;
  std::string path;                            // may carry ?query
  std::string host;                            // :authority
  std::map<std::string, std::string> headers;  // lowercase names
  // §16.4: set by a proxy's RequestAuthentications when the token is valid
  // there: "<iss>/<sub>" and the token (for request.auth.* conditions).
  std::optional<std::string> request_principal;
  std::optional<JwtToken> jwt;
  // §8.7: the proxy reads source trust domains (an Envoy, 1.30+); set by
  // Evaluate.
  bool trust_domains = false;
};

// §8.7: whether trust-domain pattern `pattern` (exact, "*", or one '*'
// standing for characters other than '/') matches trust domain `td`.
// Shared by the simulator and the encoding.
bool TrustDomainMatches(const std::string& pattern, const std::string& td);

struct PolicyDecision {
  bool allowed = true;
  std::string reason;  // for a denial: the decision in words
  std::vector<PolicyEvaluation> evaluated;
  std::optional<DeniedBy> denied_by;
};

// Istio string matching for principals, namespaces, hosts, methods, paths:
// exact, "prefix*", "*suffix", or "*" (any non-empty value).
bool IstioStringMatch(const std::string& pattern, const std::string& value);
// Path patterns also accept Istio's path templates (§8.4): {*} is one
// non-empty segment, {**} the rest of the path (zero or more characters,
// slashes included) and must be last. Linear time.
bool IstioPathMatch(const std::string& pattern, const std::string& path);
// §16.4: whether requestPrincipals value `p` (split at its last '/' into
// issuer and subject, generator.go) matches the validated token `t`.
bool RequestPrincipalMatch(const std::string& p, const JwtToken& t);
inline constexpr char kMatchOneSegment[] = "{*}";
inline constexpr char kMatchAnySegments[] = "{**}";
// Why `pattern` is not a path template Istio accepts, or nullopt when it is
// one (or holds no '{' or '}' at all).
std::optional<std::string> PathTemplateError(const std::string& pattern);
// IPv4 or IPv6 address or CIDR membership (families never match each
// other); false for malformed input.
bool IpInBlock(const std::string& block, const std::string& ip);

// §8.2: the HTTP attributes of `rule` ztunnel cannot evaluate, by their
// API names (`methods`, `requestPrincipals`, a `when` key such as
// `request.headers[x-token]`), as istiod's status message lists them.
std::set<std::string> ZtunnelHttpAttributes(const PolicyRule& rule);
// §8.2: whether ztunnel drops `rule` of a policy with `action`: an ALLOW
// rule with an HTTP attribute never matches, and a DENY rule left with an
// empty clause (from, to, or any one `when` condition) once they are
// removed does nothing.
bool ZtunnelDropsRule(const PolicyRule& rule, PolicyAction action);
// §8.2: for a DENY rule ztunnel keeps, whether removing the HTTP fields
// widens it (an entry of `from` or `to` keeps L4 fields without them: it
// matches more) and whether it narrows it (an entry with HTTP fields only
// is dropped from its clause: the rule matches less).
struct DenyRuleChange {
  bool widened = false, narrowed = false;
};
DenyRuleChange ZtunnelDenyRuleChange(const PolicyRule& rule);

// "cluster.local/ns/<ns>/sa/<sa>".
std::string SpiffePrincipal(const std::string& ns,
                            const std::string& service_account);

// §8.1: the policies the destination ztunnel enforces for `w` (selector,
// namespace and root-namespace ones; never CUSTOM or AUDIT; never targetRef),
// plus the policy istiod synthesizes with PILOT_AUTO_ALLOW_WAYPOINT_POLICY
// (§4.3). Pointers into `synthesized_out` stay valid while it lives.
std::vector<const AuthorizationPolicy*> PoliciesAtZtunnel(
    const Mesh& mesh, const Cluster& cluster, const Workload& w,
    std::vector<AuthorizationPolicy>* synthesized_out);

// §8.1: targetRef policies at waypoint `wp` for a request to `svc` (service
// traffic) or to a workload (svc == nullptr): Gateway wp, GatewayClass of wp
// in the root namespace, Service/ServiceEntry svc.
std::vector<const AuthorizationPolicy*> PoliciesAtWaypoint(
    const Mesh& mesh, const Cluster& cluster, const Gateway& wp,
    const Service* svc);

// Policies an Envoy gateway or sidecar proxy enforces for its pod `w`:
// selector, namespace and root-namespace ones, plus targetRefs to `gateway`.
std::vector<const AuthorizationPolicy*> PoliciesAtProxy(const Mesh& mesh,
                                                        const Cluster& cluster,
                                                        const Workload& w,
                                                        const Gateway* gateway);

// §16.4: RequestAuthentications a waypoint uses (targetRefs only: Gateway
// wp, GatewayClass of wp in the root namespace, Service/ServiceEntry svc),
// and those an Envoy gateway or sidecar uses for its pod (selector,
// namespace, root namespace, plus targetRefs to `gateway`). ztunnel uses
// none.
std::vector<const RequestAuthentication*> RequestAuthenticationsAtWaypoint(
    const Mesh& mesh, const Cluster& cluster, const Gateway& wp,
    const Service* svc);
std::vector<const RequestAuthentication*> RequestAuthenticationsAtProxy(
    const Mesh& mesh, const Cluster& cluster, const Workload& w,
    const Gateway* gateway);

// §16.4: what a proxy with RequestAuthentications `ras` makes of a request's
// token. No rule applies, or no token where the rules look: the request
// passes without a request principal. A token a rule sees but none accepts
// (issuer, audience, expiry): rejected, before authorization.
struct JwtVerdict {
  bool rejected = false;
  std::optional<std::string> principal;  // "<iss>/<sub>" when accepted
  std::string policy;  // the RequestAuthentication that accepted, or one
                       // that saw the token when it was rejected
  std::string reason;
  // 401, or 403 when the last failure is the audience (Envoy's jwt_authn:
  // JwtAudienceNotAllowed is Forbidden, every other failure Unauthorized).
  int status = 401;
  // §16.4: accepted by a rule without forwardOriginalToken: the proxy
  // removes the token, and the next hop sees none.
  bool removed = false;
};
// §16.4: `v` in the order istiod lists a proxy's RequestAuthentications
// (its namespace `proxy_ns`, the root, the rest; oldest, then by name).
std::vector<const RequestAuthentication*> OrderRequestAuthentications(
    std::vector<const RequestAuthentication*> v, const std::string& proxy_ns,
    const std::string& root);
// §16.4 (policy_applier.go newPolicyApplier): the rules of `ras` (in
// istiod's order) sorted by issuer, stable, a rule without one first: the
// order Envoy tries them in, the first that verifies a token deciding.
std::vector<std::pair<const RequestAuthentication*, const JwtRule*>>
JwtRulesInOrder(const std::vector<const RequestAuthentication*>& ras);
JwtVerdict AuthenticateJwt(const std::vector<const RequestAuthentication*>& ras,
                           const std::optional<JwtToken>& token);

// §8.3: ztunnel: DENY, then "no ALLOW => allow", then any ALLOW => allow,
// else deny, with §8.2's treatment of HTTP attributes. Envoy (waypoint,
// gateway, sidecar): CUSTOM, DENY, then ALLOW; AUDIT never decides.
// `version`: the Istio release of the enforcing proxy's cluster (what its
// istiod sends decides dry-run, trust domains and CUSTOM providers).
PolicyDecision Evaluate(const Mesh& mesh, const IstioVersion& version,
                        EnforcementPoint point,
                        const std::vector<const AuthorizationPolicy*>& policies,
                        const RequestAttributes& req);

// §4.4: the effective PeerAuthentication mode for plaintext to `port` of
// `w` (the port the pod receives; 0: the workload's mode): the workload
// PeerAuthentication's portLevelMtls entry, else its mode, else the
// namespace's, else the root namespace's: STRICT, PERMISSIVE, DISABLE, or
// UNSET; `policy` receives the deciding object's ns/name.
std::string PeerAuthenticationMode(const Mesh& mesh, const Cluster& cluster,
                                   const Workload& w, int port,
                                   std::string* policy);
// §16.1 (BestEffortInferServiceMTLSMode, GetNamespaceMutualTLSMode): the
// mode a sidecar client's auto mTLS takes for a service of namespace `ns`:
// the oldest namespace-level PeerAuthentication's (no selector) unless
// UNSET, else the mesh's (the root namespace's), else PERMISSIVE.
std::string NamespaceMtlsMode(const Mesh& mesh, const Cluster& cluster,
                              const std::string& ns, std::string* policy);

// §16.5: whether ztunnel refuses plaintext to pod port `port` of `w`, as
// istiod's conversion of the PeerAuthentications into ztunnel policies
// decides it, where that departs from PeerAuthenticationMode (the sidecar's
// rule): under an inherited STRICT a DISABLE port entry counts only beside
// a PERMISSIVE one; a STRICT port entry of a PERMISSIVE or DISABLE workload
// policy is dropped when the mesh policy is STRICT and the namespace's is
// absent or UNSET; and a PERMISSIVE port entry of an UNSET workload policy
// under a STRICT mesh policy and an UNSET namespace policy leaves every
// port accepting plaintext. `policy` receives the deciding object's
// ns/name.
bool ZtunnelRefusesPlaintext(const Mesh& mesh, const Cluster& cluster,
                             const Workload& w, int port, std::string* policy);

// §16.5: the workload-level PeerAuthentication of `w` (the first with a
// selector matching it in its namespace, never the root namespace's), or
// null.
const PeerAuthentication* WorkloadPeerAuthentication(const Mesh& mesh,
                                                     const Cluster& cluster,
                                                     const Workload& w);

// Checks references that need the whole mesh: targetRefs to missing objects,
// GatewayClass targets outside the root namespace. Adds warnings.
void ValidatePolicyReferences(const Mesh& mesh, Diagnostics& diags);

}  // namespace meshsim

#endif  // MESHSIM_MODEL_POLICY_H_
