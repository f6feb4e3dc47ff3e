// Internal to verify/: the Z3 building blocks of one destination slice.
#ifndef MESHSIM_VERIFY_ENCODING_H_
#define MESHSIM_VERIFY_ENCODING_H_

#include <z3++.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "model/scenario.h"

namespace meshsim::verify {

// Terms gathered case by case over a slice's (source class, endpoint) pairs
// are built flat, never as chains: Debian 12's Z3 (4.8.12) spends about a
// millisecond per level of a term's depth when it deletes the context that
// held it (`x = x || y` over 1,000 terms: 0.9 s; one n-ary `or` of the same
// terms: 1 ms; bench/README.md, "Ten times the mesh"). Chains of hundreds of
// pairs per slice made deleting a chunk's context cost more than proving it.
class AnyOf {
 public:
  explicit AnyOf(z3::context& c) : parts_(c) {}
  void Add(const z3::expr& e) { parts_.push_back(e); }
  bool empty() const { return parts_.empty(); }
  // One n-ary `or`; false when nothing was added.
  z3::expr Build() const;

 private:
  z3::expr_vector parts_;
};

// Values chosen by conditions of which at most one holds, `otherwise`
// when none does: per column, the meaning of ite(c1, v1, ite(c2, v2, ...
// otherwise)), built as a balanced tree of depth log n instead of a chain n
// deep. The columns share the conditions and the disjunctions that split
// them, built once.
class ExclusiveCases {
 public:
  // `values`: one per column, the same number in every case.
  void Add(const z3::expr& when, std::vector<z3::expr> values) {
    when_.push_back(when);
    values_.push_back(std::move(values));
  }
  z3::expr Build(size_t column, const z3::expr& otherwise) const;

 private:
  z3::expr Build(size_t column, size_t lo, size_t hi,
                 const z3::expr& otherwise) const;
  // Whether any condition of cases [lo, hi) holds.
  const z3::expr& AnyIn(size_t lo, size_t hi) const;
  std::vector<z3::expr> when_;
  std::vector<std::vector<z3::expr>> values_;
  mutable std::map<std::pair<size_t, size_t>, z3::expr> any_in_;
};

// The attributes a policy sees, as Z3 terms. Identities are a finite set
// known before encoding (every workload's and waypoint's SPIFFE name), so
// principal and namespace patterns are matched outside Z3: `principal_in`
// and `ns_in` give the request's identity being one of those that match
// (false without an identity).
struct Attrs {
  std::function<z3::expr(const std::vector<std::string>&)> principal_in;
  std::function<z3::expr(const std::vector<std::string>&)> ns_in;
  z3::expr port;
  z3::expr http;
  z3::expr method;
  z3::expr path;
  z3::expr host;
  std::function<z3::expr(const std::vector<std::string>&)> ip_in;
  std::function<z3::expr(const std::string&)> header;
  std::function<z3::expr(const std::string&)> has_header;
  // §16.4 at an Envoy proxy (Encoder::Authenticate): the request principal
  // its RequestAuthentications accept, whether there is one, and whether
  // they reject the token (401). Unset: no JWT is validated here.
  std::optional<z3::expr> req_principal, has_req_principal, jwt_rejected;
  // request.auth.* other than the principal: (value, present).
  std::function<std::pair<z3::expr, z3::expr>(const std::string&)> auth;
  // §8.6: the connection meets an Envoy's TCP filter chain (not HTTP, to a
  // port not declared HTTP).
  z3::expr tcp_chain;
  // §8.1: at the destination's proxy, the pod's own address
  // (`destination.ip`); "" elsewhere.
  std::string dest_ip = "";
  // §8.7 (1.30+, Envoy only): the identity's trust domain is one of those
  // that match; unset before 1.30, when no proxy reads trust domains.
  std::function<z3::expr(const std::vector<std::string>&)> td_in = nullptr;
  // §16.4: the validated token's issuer and subject, which a
  // requestPrincipals value matches apart (split at its last '/').
  std::optional<z3::expr> req_iss = std::nullopt, req_sub = std::nullopt;
  // §16.4: the token is verified here by a rule that does not forward it
  // (forwardOriginalToken unset): the next hop sees none. Unset: no JWT is
  // validated here.
  std::optional<z3::expr> token_removed = std::nullopt;
  // The Istio release of the enforcing proxy's cluster: what its istiod
  // sends decides dry-run policies and CUSTOM providers (§8.2, §8.5).
  IstioVersion version = {};
};

// §16.4: `ras` in the order istiod lists a proxy's RequestAuthentications:
// its namespace `proxy_ns`, the root namespace, the rest; each oldest first,
// then by name.
void OrderAuthentications(std::vector<const RequestAuthentication*>& ras,
                          const std::string& proxy_ns, const std::string& root);
// §16.4: the RequestAuthentications of a waypoint (targetRefs: Gateway,
// GatewayClass in the root namespace, Service/ServiceEntry `svc`) and of a
// sidecar's pod (selector, namespace, root namespace), stated for the
// encoding.
std::vector<const RequestAuthentication*> WaypointAuthentications(
    const Mesh& mesh, const Cluster& c, const Gateway& w, const Service* svc);
std::vector<const RequestAuthentication*> PodAuthentications(const Mesh& mesh,
                                                             const Cluster& c,
                                                             const Workload& w);

// §16.6, stated for the encoding (not model/mesh.cc's ServiceScopeGlobal):
// whether MeshConfig serviceScopeConfigs (default: istio.io/global=true)
// make a Service with `labels` in namespace `ns` of `c` global.
bool GlobalScope(const Mesh& mesh, const Cluster& c, const std::string& ns,
                 const Labels& labels);
// A global Kubernetes Service (ServiceEntries have no scope).
bool GlobalService(const Mesh& mesh, const Cluster& c, const Service& s);
// §7.2: waypoint `w`'s own Service is global: the Service of its name in
// the manifests, else the generated one labelled from the Gateway.
bool GlobalWaypoint(const Mesh& mesh, const Cluster& c, const Gateway& w);

// §15.2 (Solo peering), stated for the encoding: peering is on (solo and
// ENABLE_PEERING_DISCOVERY); the waypoint ns/name a generated entry's
// solo.io/use-global-waypoint label (`<name>.<ns>.<domain>`) names, "" for
// none; whether exporter cluster `cj` feeds peered entry `s` (a draining
// weight of 100 removes it).
bool PeeringOn(const Mesh& mesh);
std::string GlobalWaypointLabel(const Service& s);
bool PeerExports(const Service& s, int cj);

// §2.2, §2.4 stated for the encoding (encoding_binding.cc): a waypoint's
// traffic type, and whether it admits objects of namespace `ns`.
std::string WaypointTrafficOf(const Cluster& c, const Gateway& w,
                              const IstioVersion& version);
// Before 1.23 every namespace is admitted (no attachment check).
bool WaypointAdmitsNamespace(const Cluster& c, const Gateway& w,
                             const std::string& ns,
                             const IstioVersion& version);

// §3.4 stated for the encoding: whether istiod of `version` leaves service
// `s` out of the ambient index for an address block (before 1.30 only
// single addresses, and blocks of one, convert; the whole entry is
// dropped): then it binds no waypoint.
bool OutsideAmbientIndex(const Service& s, const IstioVersion& version);

// §3.4 stated for the encoding: whether `w` is an inline endpoint of a
// ServiceEntry that istiod of `c`'s release (else `mesh_version`) prunes
// with its endpoints (wholly shadowed, or outside the index for an address
// block).
bool PrunedEndpoint(const Cluster& c, const Workload& w,
                    const IstioVersion& mesh_version);

// Whether gateway `key` (ns/name) has a ready pod in cluster `c`.
bool HasReadyPod(const Cluster& c, const std::string& key);
// §2.1, stated for the encoding: whether gateway `w` of `c` has a ready pod
// that takes HBONE as a waypoint: any, except that an ingress takes it only
// when ambient captures it — its Gateway asks for ambient, or its namespace
// is ambient and it does not opt out — so that its ztunnel terminates HBONE
// in front of it (a sandwich). With `need_15008`, the Gateway (ingress or
// waypoint) must also list port 15008: ztunnel looks the waypoint up on
// that Service port (state.rs fetch_waypoint).
bool HasHbonePod(const Cluster& c, const Gateway& w, bool need_15008 = true);

// §8.2: whether a rule uses an HTTP attribute (ztunnel drops such ALLOW
// rules and strips them from DENY rules).
bool RuleHasHttp(const PolicyRule& rule);

// §2.6: a service's valid canary waypoint (encoding_canary.cc): the
// Gateway, its weight (0..100) and when it is up (not deleted).
struct Canary {
  const Gateway* gw;
  int weight;
  z3::expr up;
};

class Slice {
 public:
  Slice(const Scenario& sc, z3::context& ctx);

  // `own_namespace_only`: a NAMESPACE-visibility ServiceEntry (§2.4), which
  // binds no waypoint of another namespace.
  z3::expr BoundTo(int ci, const Labels& labels, const std::string& ns,
                   bool for_service, bool is_gateway_holder, const Gateway& w,
                   bool own_namespace_only = false);
  z3::expr AnyBound(int ci, const Labels& labels, const std::string& ns,
                    bool for_service, bool is_gateway_holder,
                    std::vector<std::pair<const Gateway*, z3::expr>>* per,
                    bool own_namespace_only = false);
  z3::expr Deleted(int ci, const Gateway& w);
  // §2.6: the canary the labels of service `s` (or its namespace's) name,
  // when valid apart from being the primary itself, which the caller
  // checks against each bound primary.
  std::optional<Canary> CanaryFor(int ci, const Service& s);
  // §15.2: peered entry `s` of cluster ci binds the peered copy of its
  // global waypoint: the Gateway of that name in the clusters the
  // generated entry lists for the copy. Fills `per`; returns the binding.
  z3::expr PeeredCopy(const Service& s,
                      std::vector<std::pair<const Gateway*, z3::expr>>* per);
  // Whether the copy has a ready replica.
  bool CopyHealthy(const Service& s, const Gateway& w) const;
  bool Healthy(int ci, const Gateway& w) const;
  // §7.2: whether a ztunnel of cluster `client` finds waypoint `w`, which
  // another cluster's record names by host name: a waypoint of that name
  // in `client`, or one whose Service is global anywhere.
  bool KnownTo(int client, const Gateway& w) const;
  std::string WaypointPrincipal(int ci, const Gateway& w) const;

  z3::expr RuleMatches(const AuthorizationPolicy& p, const PolicyRule& rule,
                       const Attrs& a, bool l4);
  z3::expr Denied(const std::vector<const AuthorizationPolicy*>& policies,
                  const Attrs& a, bool l4);
  z3::expr Enabled(const AuthorizationPolicy& p);
  std::vector<const AuthorizationPolicy*> PodPolicies(int ci, const Workload& w,
                                                      bool ztunnel);
  std::vector<const AuthorizationPolicy*> WaypointPolicies(int ci,
                                                           const Gateway& w,
                                                           const Service* svc);

  // `verify --cache`: the namespaces whose security policies the encoding
  // read, over every slice since this Slice was made (one chunk). An
  // encoding reads policies only through these namespaces.
  void ReadPolicies(const std::string& ns) {
    policy_ns_.insert(ns);
    slice_ns_.insert(ns);
  }
  const std::set<std::string>& policy_namespaces() const { return policy_ns_; }
  // The same for the current slice only (since ResetTracking): the slice
  // planner's class keys must have seen all of them (verifier.cc).
  const std::set<std::string>& slice_policy_namespaces() const {
    return slice_ns_;
  }

  // Forgets the policy and waypoint literals used so far (a new slice).
  void ResetTracking() {
    slice_ns_.clear();
    enabled_.clear();
    deleted_.clear();
    policy_objects_.clear();
    tokens_.clear();
    reals_.clear();
  }

  // Slice-local names (docs/verification.md#sharing): with them on, the
  // terms of a slice name the objects they involve (a waypoint's key in
  // `via`, a waypoint's `deleted:` and a policy's `policy:` literal) by the
  // order the slice first named them, "#0", "#1", ..., instead of by their
  // keys. The renaming is one to one within a slice, and these names are
  // only ever compared with each other, so it changes no answer; two
  // destinations that differ only in the names of their objects then get
  // the same terms, which Z3 hash-conses, and are answered once. Off (the
  // default) for `diff`, which compares two versions' terms in one query.
  void UseLocalNames(bool on) { local_names_ = on; }
  // The name the current slice's terms give object `key`.
  const std::string& Local(const std::string& key);
  // The object a name of the current slice stands for (itself when it is
  // not a slice-local name).
  const std::string& Real(const std::string& name) const;

  const std::map<std::string, z3::expr>& enabled() const { return enabled_; }
  const std::map<std::string, z3::expr>& deleted() const { return deleted_; }
  const std::map<std::string, const AuthorizationPolicy*>& policy_objects()
      const {
    return policy_objects_;
  }

 private:
  const Scenario& sc_;
  z3::context& c_;
  std::map<std::string, z3::expr> deleted_;
  std::map<std::string, z3::expr> enabled_;
  std::map<std::string, const AuthorizationPolicy*> policy_objects_;
  std::vector<std::unique_ptr<AuthorizationPolicy>> synthesized_;
  std::set<std::string> policy_ns_, slice_ns_;
  bool local_names_ = false;
  std::map<std::string, std::string> tokens_;  // key -> "#n"
  std::vector<std::string> reals_;             // n -> key
};

// A waypoint's identity: its first pod's service account, else its name.
std::string WaypointPrincipalOf(const Cluster& c, const Gateway& w);

// Every identity the mesh can present (each pod's and each gateway's,
// sorted) and, per cluster, the workloads with an istio.io/use-waypoint
// label (K12): built once per run and shared by the encoders of its chunks,
// read only.
struct PrincipalIndex {
  std::vector<std::string> principals;
  std::map<std::string, int> ids;
  std::vector<std::vector<size_t>> labelled;
};
std::shared_ptr<const PrincipalIndex> IndexPrincipals(const Scenario& sc);

// ---- patterns (encoding_patterns.cc) ----------------------------------------
// §8: an Istio string pattern (exact, prefix*, *suffix, *) on `v`, which
// matches only when `present`; any of several.
z3::expr PatternMatch(z3::context& c, const std::string& p, const z3::expr& v,
                      const z3::expr& present);
z3::expr AnyPattern(z3::context& c, const std::vector<std::string>& ps,
                    const z3::expr& v, const z3::expr& present);
// §4.2: `hosts` patterns, case-insensitively.
z3::expr AnyHost(z3::context& c, std::vector<std::string> ps,
                 const z3::expr& host);
z3::expr ReUnion(z3::context& c, const std::vector<z3::expr>& parts);
// §8.4: a path template as a regular expression; path patterns (templates
// or string patterns), the query string not part of the path.
z3::expr TemplateRegex(z3::context& c, const std::string& t);
z3::expr AnyPathPattern(z3::context& c, const std::vector<std::string>& ps,
                        const z3::expr& v);
// §8.1: a source's identity and address fields.
z3::expr SourceL4Terms(z3::context& c, const PolicySource& s, const Attrs& a);
// §16.4: a requestPrincipals value against the token's issuer and subject;
// any of several for the request's validated token (false without one).
z3::expr RequestPrincipalTerm(z3::context& c, const std::string& p,
                              const z3::expr& iss, const z3::expr& sub);
z3::expr AnyRequestPrincipal(z3::context& c, const std::vector<std::string>& ps,
                             const Attrs& a);

}  // namespace meshsim::verify

#endif  // MESHSIM_VERIFY_ENCODING_H_
