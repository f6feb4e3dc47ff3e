// Internal to verify/: the routes a request takes, stated on their own for
// Z3 (docs/semantics.md §9, §16.1, §16.2), as `meshsim diff` compares them
// (diff-route-changed). Its statements are its own; the VirtualService and
// DestinationRule lookups (which objects apply) are model/networking.h's,
// shared with the simulator (docs/verification.md).
#ifndef MESHSIM_VERIFY_ROUTE_SIGNATURE_H_
#define MESHSIM_VERIFY_ROUTE_SIGNATURE_H_

#include <z3++.h>

#include <functional>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "model/mesh.h"
#include "model/networking.h"
#include "verify/encoder.h"

namespace meshsim::verify {

// ---- HTTPRoute selection, stated on its own for Z3 (§9) --------------------
// One match of a route in first-match order: `first` holds when it is the
// highest-precedence match of the request, and then `rule` picks the
// backends.
struct RouteArm {
  z3::expr first;
  const HttpRoute* route;
  const HttpRouteRule* rule;
};

// The backends (with weights and filters) a request's route picks, as a Z3
// string: "" when no route applies. Gateway API precedence across matches:
// exact path, longest prefix, method, most headers, most query parameters,
// then the oldest route, then ns/name, then rule order.
// Whether `m` is stated exactly by RouteEncoder::Matches: no regular
// expressions, no query parameters, no pseudo-header matches, no
// withoutHeaders.
bool MatchEncodable(const HttpMatch& m);

class RouteEncoder {
 public:
  RouteEncoder(z3::context& c, const Encoded& e, const Mesh& mesh)
      : c_(c), e_(e), mesh_(mesh) {}

  // The backends (with weights, subsets, filters and faults) the routes of
  // `svc` in `cluster` pick for the encoded request, as a Z3 string; "" when
  // no route applies. VirtualServices first, by first match; then the Gateway
  // API routes by their precedence; then the DestinationRule of `svc`.
  z3::expr Signature(const Cluster& cluster, const Service& svc);
  // The same for what a proxy's TCP chain routes (a plain TCP connection, or
  // any on a port declared TCP, §8.6): the VirtualServices' tls and tcp
  // rules by first match on the service port (a rule's sniHosts an opaque
  // condition), then the TCPRoutes attached to `svc`, oldest first; then
  // the DestinationRule of `svc`.
  z3::expr TcpSignature(const Cluster& cluster, const Service& svc);
  // §16.2, §9: the first-match chain of `routes`, the list a proxy applies
  // to `svc` for requests on service port `port` (VirtualServicesAtWaypoint's
  // order, or a sidecar's): each VirtualService rule by rule, a run of GAMMA
  // routes as one group in Gateway API precedence; the first that matches
  // wins. Appends the arms, each under `e.port == port`; `earlier` holds
  // when an arm before matched (kept across calls for the other ports).
  // `client_labels`: the sidecar client's pod labels, which a match's
  // sourceLabels are compared with; nullptr at a waypoint, where such a
  // match never matches (§16.2).
  void AppendChain(const Cluster& cluster, const Service& svc, int port,
                   const std::vector<const HttpRoute*>& routes,
                   const Labels* client_labels, std::vector<RouteArm>& arms,
                   z3::expr& earlier);
  // The HTTPRoutes attached to ingress Gateway `gw_key` (ns/name), as a
  // first-match chain over the request's host (route and listener
  // hostnames), method, path and headers (§5, §9). nullopt when one of them
  // has a match or a kind the chain does not state: the caller then leaves
  // the request unconstrained.
  std::optional<std::vector<RouteArm>> GatewayChain(const Cluster& cluster,
                                                    const std::string& gw_key);
  // §16.3: what Istio Gateway Router `pod` routes, stated on its own: for
  // each port its servers listen on (the outside client picks one) and each
  // virtual host there, its VirtualServices merged by age, rule by rule,
  // first match (sourceLabels against the Router's own labels, a match's
  // port against the listen port), each arm under "the Host matches the
  // domain and no more specific domain of that port" (exact, then longer
  // suffix wildcards, then "*"; lower-cased). nullopt when a bound
  // VirtualService has tcp/tls rules or a match the chain does not state:
  // the caller then leaves the request unconstrained. Which domains the
  // servers build and which VirtualServices each holds is
  // model/networking.h's IstioVirtualHosts, shared.
  std::optional<std::vector<RouteArm>> RouterChain(const Cluster& cluster,
                                                   const Workload& pod);

 private:
  z3::expr HostIs(const std::string& pattern);
  void RouterChainArms(const Workload& pod, const z3::expr& on_chain,
                       const std::vector<IstioVirtualHost>& vhosts,
                       std::vector<RouteArm>& arms);
  struct Candidate {
    std::tuple<int, int, int, int, int> score;
    std::string created, key;
    size_t rule, match;
    const HttpRoute* route;
    const HttpMatch* m;  // the match, or "all of /" for a rule without one
  };
  static std::vector<Candidate> Candidates(
      const Cluster& cluster,
      const std::function<bool(const ParentRef&)>& attached);
  static std::vector<Candidate> Candidates(const Cluster& cluster,
                                           const Service& svc);
  z3::expr GatewayApiSignature(const Cluster& cluster, const Service& svc);
  // The VirtualServices the routing proxy of `svc` applies (its waypoint's
  // list, else the oldest a sidecar in its namespace sees) and the
  // namespace DestinationRules are looked up from.
  // A first-match chain of (condition, backends) over `otherwise`, with the
  // DestinationRule of `svc` the proxy in `proxy_ns` reads appended.
  z3::expr Fold(const std::vector<std::pair<z3::expr, std::string>>& chain,
                z3::expr otherwise, const Cluster& cluster,
                const std::string& proxy_ns, const Service& svc);
  std::vector<const HttpRoute*> ProxyVirtualServices(const Cluster& cluster,
                                                     const Service& svc,
                                                     std::string& proxy_ns,
                                                     bool tcp = false);
  static std::string PolicyText(const DestinationRule& dr);
  std::string Backends(const HttpRouteRule& rule, const Cluster& c,
                       const std::string& proxy_ns) const;
  static std::string Backends(const HttpRouteRule& rule);
  z3::expr Matches(const HttpMatch& m);

  z3::context& c_;
  const Encoded& e_;
  const Mesh& mesh_;
};

}  // namespace meshsim::verify

#endif  // MESHSIM_VERIFY_ROUTE_SIGNATURE_H_
