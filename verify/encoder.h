// Internal to verify/: the slice encoder shared by `verify` and `diff`.
// Encodes one destination (a service by VIP, a pod by IP) for a list of
// source classes as Z3 terms: whether a request is admitted, how many
// waypoints it passes, which one last, and its outcome
// (docs/verification.md).
#ifndef MESHSIM_VERIFY_ENCODER_H_
#define MESHSIM_VERIFY_ENCODER_H_

#include <z3++.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "model/scenario.h"
#include "verify/encoding.h"
#include "verify/source_class.h"

namespace meshsim::verify {

// A destination endpoint of a slice.
struct Endpoint {
  int cluster;
  size_t wi;
};

// The formulas of one destination slice.
struct Encoded {
  z3::expr src, ep, port, http, method, path, host;
  z3::expr passes, outcome, intent, valid, self;
  z3::expr via;  // the key (ns/name) of the last waypoint passed, or ""
  // §8.6: the request's port is declared HTTP (name, appProtocol or a
  // ServiceEntry's protocol), so an Envoy serves it on its HTTP chain.
  z3::expr http_port;
  // §8.6: declared TCP (tcp, tls, https, mongo, redis, mysql, a well-known
  // port): an Envoy serves it on its TCP chain, which reads no HTTP.
  z3::expr tcp_port;
  std::vector<Endpoint> eps;
  // Per endpoint, when a route sends to it through another Service
  // (encoder_routes.cc): that backend and its port (0: the request's).
  // Empty: every endpoint is the addressed service's.
  std::vector<int> ep_port;
  std::vector<const Service*> ep_svc;
  std::string dest;  // "service shop/cart" or "pod shop/cart-0"
  const Service* svc = nullptr;
  const Workload* pod = nullptr;
  std::vector<std::string> intended;  // the waypoints the destination asks for
  // §9: the request went through a route to a backend (encoder_routes.cc);
  // unset when the slice encodes no routes.
  std::optional<z3::expr> routed;
  // K11: ... and passed a waypoint other than the one that backend's
  // configuration asks for (ep_intended), so never passes that one.
  std::optional<z3::expr> route_bypass;
  // A service slice: the proxies decide the request before any endpoint
  // (failed closed, denied by the client side's waypoint, a route's 404,
  // redirect or direct response), so it needs none (diff, §3.1).
  std::optional<z3::expr> decided_before_endpoint;
  // Per endpoint reached as a route's backend: the waypoint the backend
  // Service (or its namespace) asks for, "" for none.
  std::vector<std::string> ep_intended;
  // The route rules the chain can pick, each with when it is the first
  // match ("HTTPRoute ns/name rule N"), for a counterexample to name.
  struct RouteRule {
    z3::expr first;
    std::string name;
    const HttpRoute* route;
  };
  std::vector<RouteRule> route_rules;
};

// §9, §16.2 (encoder_routes.cc): the route list one proxy applies to a
// service, as a first-match chain: `applies` when the list has a route for
// the request's port (then a request no rule takes is answered 404),
// `none` when no rule matches, and per endpoint when the chosen rule sends
// there (`routed_to`), as another backend's pod (`to_other`, K11).
struct RouteChain {
  z3::expr applies, none;
  std::vector<z3::expr> routed_to, to_other;
  // §16.2, §9: the matching rule has the proxy answer itself: a redirect
  // (delivered, no backend), or an injected abort (failed; for a share of
  // the requests, a free choice the solver explores both ways).
  z3::expr redirected, aborted;
};

// A service slice's encoded routes: the chain of each waypoint that can
// serve it and of each sidecar client namespace (the VirtualServices a
// sidecar applies depend on its namespace), and per endpoint whether it
// is the addressed service's own.
struct RoutePlan {
  std::vector<char> in_base;
  std::vector<RouteChain> chains;
  std::map<const Gateway*, size_t> at_waypoint;
  std::map<std::string, size_t> at_sidecar;  // by source class id
};

class Encoder {
 public:
  // `index`: IndexPrincipals(sc), when the caller shares one.
  Encoder(const Scenario& sc, z3::context& c,
          const std::vector<SourceClass>& classes,
          std::shared_ptr<const PrincipalIndex> index = nullptr);

  Slice& slice() { return slice_; }

  // Starts a new destination slice with its own source classes, keeping the
  // indexes built so far (one Encoder serves a whole verify run).
  void Begin(const std::vector<SourceClass>& classes) {
    classes_ = &classes;
    slice_.ResetTracking();
    slice_ids_.clear();
  }

  // Whether the request's source class is one `pred` holds for.
  z3::expr SrcIs(const Encoded& e,
                 const std::function<bool(const SourceClass&)>& pred);

  // A service reached by its VIP (nothing when no cluster gives it one).
  std::optional<Encoded> ServiceSlice(const std::string& key);
  // A pod reached by its IP (nothing for a pod that is not a ready
  // application pod with an address of its own).
  std::optional<Encoded> PodSlice(int cp, size_t pwi);

  // The request headers the formulas so far test for presence
  // ("has-header:<name>"): a concrete request without them sets each false.
  const std::set<std::string>& HeaderNames() const { return header_names_; }
  // Likewise the token claims they test ("jwt-has-claim:<name>").
  const std::set<std::string>& ClaimNames() const { return claim_names_; }

  // One of HTTP's standard methods (RFC 9110 and PATCH).
  z3::expr HttpMethod(const z3::expr& method);

  // §4.1: the request reaches its endpoint on a port Istio reserves for
  // its proxies (15000, 15001, 15006, 15008; the pod port, after the
  // Service's targetPort).
  z3::expr ToReservedPort(const Encoded& e);

 private:
  // A cluster's own view of the service (ServiceSlice): the binding formulas.
  struct ServiceView {
    z3::expr bound;
    std::vector<std::pair<const Gateway*, z3::expr>> per;
    bool ingress_opt_in = false;
    std::optional<Canary> canary;  // §2.6
  };
  struct ServicePlan;   // encoder.cc: what ServiceSlice decides up front
  struct ServiceTerms;  // encoder.cc: the terms it gathers per class/endpoint
  struct ClassTerms;    // encoder.cc: a class's endpoint-independent terms

  // ---- shared pieces --------------------------------------------------------
  // `principal`: an identity id (Pid), -1 without one.
  // `cluster`: the enforcing proxy's (its release, Attrs::version).
  Attrs MakeAttrs(
      const Encoded& e, int cluster, z3::expr principal, z3::expr has_id,
      std::function<z3::expr(const std::vector<std::string>&)> ip_in);
  // §16.4: what RequestAuthentications `ras` make of the request's token
  // (the constants "jwt:*": present, iss, sub, aud, azp, expired; claims
  // "jwt-claim:<name>" with "jwt-has-claim:<name>"), set on `a`. A token
  // has one audience in the encoding.
  // `gone`, when given: a proxy before removed the token (§16.4), so none
  // arrives here.
  void Authenticate(const std::vector<const RequestAuthentication*>& ras,
                    Attrs& a, const z3::expr* gone = nullptr);
  static std::string NsOfPrincipal(const std::string& p);
  std::string ClassPrincipal(const SourceClass& k) const;
  std::string ClassIp(const SourceClass& k) const;
  // Intent (docs/verification.md): a use-waypoint label (not none) on the
  // object or inherited from its namespace, or an ingress opt-in.
  bool Intent(int ci, const Labels& labels, const std::string& ns,
              std::string* which) const;
  // The destination's policies and identity-dependent decision at endpoint
  // `e.eps[i]`, given the identity that reaches it.
  // §4.4, §16.5 stated for the encoding: whether plaintext to `pod_port` of
  // `w` is refused by PeerAuthentication at ztunnel (`zt`) or a sidecar
  // (docs/verification.md: independent of model/policy.cc's
  // PeerAuthenticationMode and ZtunnelRefusesPlaintext).
  z3::expr SidecarPlaintext(const SourceClass& cls, const Encoded& e, size_t i);
  // §1.1: an ambient client's ztunnel reaches sidecar pod `ep`, injected
  // without the HBONE tunnel label, in plain TCP (no identity).
  bool ZtunnelPlaintext(const SourceClass& cls, const Endpoint& ep) const;
  z3::expr SidecarMutualFails(const SourceClass& cls, const Encoded& e,
                              size_t i);
  // Whether the DestinationRule a sidecar client of class `cls` applies to
  // the request to endpoint `i` sets tls.mode `mode` for its port.
  z3::expr SidecarTlsMode(const SourceClass& cls, const Encoded& e, size_t i,
                          const std::string& mode);
  z3::expr Unserved(const ServicePlan& plan, const Encoded& e, size_t i);
  z3::expr RefusesPlaintext(const Cluster& c, const Workload& w,
                            const z3::expr& pod_port, bool zt);
  // §16.1, §4.4: whether a sidecar pod's PeerAuthentication reads DISABLE
  // for `pod_port` (a port entry, else the workload's, namespace's or
  // mesh's mode): its clients' auto mTLS is then off.
  bool NamespaceModeDisables(const Cluster& c, const std::string& ns) const;
  struct InboundChain {
    z3::expr tcp, http, known;
  };
  InboundChain InboundChainAt(int ci, size_t wi, const z3::expr& port);
  z3::expr SidecarModeDisables(const Cluster& c, const Workload& w,
                               const z3::expr& pod_port);
  // The port endpoint `w` receives a request to port `e.port` on: the
  // service port's targetPort in a service slice, the port itself otherwise.
  z3::expr PodPort(const Encoded& e, const Workload& w, size_t i);
  // The service port a request to endpoint `i` asks for: the backend's
  // port when a route chose it, else the request's.
  z3::expr RequestPort(const Encoded& e, size_t i);
  // `svc`'s targetPort on `w` for service port `asked`.
  z3::expr TargetOf(const Service& svc, const Workload& w,
                    const z3::expr& asked);
  // `gone`: a waypoint on the way removed the token (§16.4).
  z3::expr DeniedAtDestination(const Encoded& e, size_t i, z3::expr principal,
                               z3::expr has_id, z3::expr plaintext,
                               const z3::expr& gone);
  // The id of an identity (-1 for none) as a Z3 constant; records it as one
  // the current slice can produce.
  z3::expr Pid(const std::string& p);
  // One of the HTTP methods Gateway API matches name (RFC 9110, PATCH).
  // Whether identity `pid` matches one of `patterns` (§8: exact, prefix*,
  // *suffix, *), on its principal or, with `by_ns`, on its namespace. The
  // patterns are matched here, against the identities the slice can produce.
  // With `by_trust_domain` (§8.7), on its trust domain instead.
  z3::expr IdIn(const z3::expr& pid, const z3::expr& has_id,
                const std::vector<std::string>& patterns, bool by_ns,
                bool by_trust_domain = false);

  // ---- the steps of ServiceSlice --------------------------------------------
  ServicePlan PlanService(const std::string& key) const;
  void MarkUnready(ServicePlan& plan) const;  // encoder_service_plan.cc
  // encoder_routes.cc: the backends the routes of the planned service pick
  // at each of its waypoints and sidecar clients; their pods join `e.eps`.
  // Nothing when they are not encoded (RoutesEncodable).
  std::optional<RoutePlan> PlanRoutes(const ServicePlan& plan, Encoded& e);
  // One proxy's chain for service `s` of cluster `c`: `lists` per service
  // port, `proxy_ns` for the DestinationRule lookup of subsets,
  // `client_labels` a sidecar client's pod labels (nullptr at a waypoint).
  RouteChain PlanChain(
      int ci, const Service& s,
      const std::vector<std::pair<int, std::vector<const HttpRoute*>>>& lists,
      const Labels* client_labels, const std::string& proxy_ns, Encoded& e,
      RoutePlan& rp);
  void ServiceClassTerms(const ServicePlan& plan, size_t k, Encoded& e,
                         ServiceTerms& t);
  // §5, §9: which requests of ingress class `k` its routes send to the
  // service `key` (`reach`), and which they send there with no
  // ReferenceGrant allowing it (`refused`: the ingress answers 500).
  // Without a chain the encoding states, `refused_fallback` decides:
  // IngressReaches found only backendRefs no ReferenceGrant allows.
  void IngressTerms(const std::string& key, bool refused_fallback, size_t k,
                    const Encoded& e, z3::expr& reach, z3::expr& refused);
  void ServiceEndpointTerms(const ServicePlan& plan, size_t k,
                            const z3::expr& is_k, const z3::expr& local,
                            ClassTerms& ct, size_t i, Encoded& e,
                            ServiceTerms& t);
  void BuildClassTerms(const ServicePlan& plan, size_t k, const Encoded& e,
                       ClassTerms& ct);
  // §2.6: the waypoints class `k`'s first proxy may send to: the view's
  // bindings, with a valid canary sampled per connection (ztunnel) or per
  // request (ingress, dropping a waypoint without pods); `fail` collects
  // when an ingress has no waypoint with pods left.
  std::vector<std::pair<const Gateway*, z3::expr>> FirstHopWaypoints(
      const ServiceView& v, int vc, const SourceClass& cls, z3::expr* fail);
  void FirstWaypointTerms(const z3::expr& here, const z3::expr& local,
                          const ClassTerms& ct, ServiceTerms& t);
  // §15.2: the requests that pick exporter endpoint `e.eps[i]`, a pod that
  // is not ready, and fail at the peer's gateway (encoder.cc).
  void PeerUnreadyTerms(const ServicePlan& plan, size_t k, const z3::expr& is_k,
                        const z3::expr& local, bool via_waypoint_only,
                        ClassTerms& ct, size_t i, Encoded& e, ServiceTerms& t);
  z3::expr EastWestTerms(const ServicePlan& plan, size_t k,
                         const z3::expr& local, size_t i, const z3::expr& here,
                         const Encoded& e, ServiceTerms& t,
                         int* gateway_cluster);
  void FinishServiceSlice(const ServicePlan& plan, ServiceTerms& t, Encoded& e);

  // The request variables have the same names in every slice, so that
  // destinations that behave alike get the same (hash-consed) formulas and
  // are checked once (verifier.cc); each slice is asserted in its own scope.
  Encoded Fresh();

  // Whether waypoint `gw` (serving `svc`, or workloads when null) denies the
  // request. The waypoint sees the client's own identity (§8.1), an ite over
  // the source classes; built once per slice and waypoint.
  z3::expr WaypointDenies(const Encoded& e, int ci, const Gateway& gw,
                          const Service* svc);
  // §16.4: whether that waypoint verifies the request's token with a rule
  // that does not forward it, so that the next hop sees none.
  z3::expr WaypointRemovesToken(const Encoded& e, int ci, const Gateway& gw,
                                const Service* svc);
  // §16.4: whether the ingress the request came from (an ingress source
  // class) verified its token with a rule that does not forward it; false
  // for every other class. Built once per slice.
  z3::expr IngressRemovedToken(const Encoded& e);

  // §8.1, §16.4: whether the ingress pod of class `k` refuses the request
  // itself, before it routes: its RequestAuthentications reject the token
  // (401) or its policies (selector, namespace and root ones, and those
  // that target its Gateway) deny. The outside client has no identity.
  z3::expr IngressDenies(const Encoded& e, size_t k,
                         z3::expr* removes = nullptr);

  bool MultiNetwork() const;
  // Whether source class `cls`, using cluster `vc`'s view of the service,
  // may pick endpoint `ep` (§7.2, §15.2). `*via_waypoint_only`: an ingress
  // reaches it only through the service waypoint, which routes to other
  // networks itself, not on its own (§7.1). `*direct_only`: an ambient
  // client reaches it only when it sends to the pods itself (§7.2).
  bool Reaches(const ServicePlan& plan, const SourceClass& cls, int vc,
               const Endpoint& ep, bool* via_waypoint_only,
               bool* direct_only = nullptr) const;
  // Whether a proxy in cluster `from` sends to endpoint `ep` directly (its
  // own network; with peering, another cluster's pod only on a flat
  // network, PEERING_ENABLE_FLAT_NETWORKS), not through a gateway.
  bool Direct(int from, const Endpoint& ep) const;
  // §7.2 / §15.2: the cluster whose east-west gateway takes traffic for an
  // endpoint of cluster `ep_cluster` on `network` from other networks, or
  // -1 when none does.
  // `from`: the client's cluster, whose istiod's release decides (§7.1).
  int EastWestCluster(const std::string& network, int ep_cluster, bool peered,
                      int from) const;
  bool LocalReady(int ci, const Gateway& gw) const;
  bool IsGatewayService(int ci, const Service& s) const;
  // §5: ingress-use-waypoint on the Service/ServiceEntry, else its
  // Namespace, with the release gates; Go's ParseBool.
  bool IngressViaWaypoint(int ci, const Service& s) const;
  bool IngressOptIn(int ci, const Service& s) const;
  bool OwnOptInLost(int ci, const Service& s) const;  // encoder_intent.cc
  // Whether an ingress route sends to `key`; `refused`: only by backendRefs
  // into another namespace that no ReferenceGrant allows (§9: a 500).
  bool IngressReaches(const SourceClass& cls, const std::string& key,
                      bool* refused) const;
  bool PodIntent(const Endpoint& ep, std::string* which,
                 const Service* addressed = nullptr) const;

  const std::vector<SourceClass>& classes() const { return *classes_; }

  // The services that select workload `wi` (Mesh::Finalize's index, or a
  // scan for a cluster built without it).
  static std::vector<size_t> ServicesOf(const Cluster& c, size_t wi);

  // The principal with id `id`: the shared index's, then this encoder's own.
  const std::string& Principal(int id) const;

  const Scenario& sc_;
  z3::context& c_;
  const std::vector<SourceClass>* classes_;
  Slice slice_;
  std::shared_ptr<const PrincipalIndex> index_;
  // Principals a policy names that no identity has, numbered after the
  // index's.
  std::vector<std::string> extra_principals_;
  std::map<std::string, int> extra_ids_;
  std::set<std::string> header_names_, claim_names_;
  // Ready east-west gateways (EastWestCluster): the first cluster with one
  // per network, and every (cluster, network) pair.
  std::map<std::string, int> east_west_first_;
  std::set<std::pair<int, std::string>> east_west_at_;
  // Asked per (source class, endpoint): read once. §15.2: peering on; with
  // it, flat networks (PEERING_ENABLE_FLAT_NETWORKS) and Envoy clients
  // crossing networks (ENABLE_AMBIENT_ENVOY_MULTI_NETWORK).
  bool peering_ = false, flat_networks_ = true, envoy_multi_ = true;
  std::set<int> slice_ids_;  // the ids the current slice can produce
  // Per slice: WaypointDenies by (cluster, waypoint, service).
  // Per slice: WaypointDenies and WaypointRemovesToken by (cluster,
  // waypoint, service); IngressRemovedToken.
  struct WaypointVerdict {
    z3::expr denies, removes;
  };
  std::map<std::tuple<int, const Gateway*, const Service*>, WaypointVerdict>
      waypoint_denies_;
  std::optional<z3::expr> ingress_removed_;
};

// §16.4: the token a counterexample's request carries (Authenticate's
// variables), nullopt when it carries none; `http` is the request's.
std::optional<JwtToken> WitnessToken(z3::context& ctx, const z3::model& m,
                                     bool http);

}  // namespace meshsim::verify

#endif  // MESHSIM_VERIFY_ENCODER_H_
