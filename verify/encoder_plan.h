// What Encoder::ServiceSlice decides up front and the terms it gathers
// (encoder.cc, encoder_east_west.cc): private to the encoder's sources.
#ifndef MESHSIM_VERIFY_ENCODER_PLAN_H_
#define MESHSIM_VERIFY_ENCODER_PLAN_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "verify/encoder.h"
#include "verify/encoding.h"

namespace meshsim::verify {

// What ServiceSlice decides before it builds a term: where the service has an
// address, its endpoints, and which cluster's view each source class uses.
struct Encoder::ServicePlan {
  const Scenario* sc = nullptr;
  std::string key;
  std::vector<int> clusters;      // the clusters that give it a VIP
  const Service* base = nullptr;  // its object in the first of them
  std::vector<char> global;       // per cluster: a global service or waypoint
  std::vector<Endpoint> eps;
  // Per endpoint of the first eps: a pod that is not ready, on a network
  // where none of the service's pods is (§7.2: ztunnel's split-horizon
  // choice of that network counts it, and its gateway then has nothing to
  // send to).
  std::vector<char> unready;
  // Per source class: the cluster whose view it uses, -1 if it cannot reach
  // the service.
  std::vector<int> view;
  // Per source class: an ingress whose route to the service no
  // ReferenceGrant allows (§9): it answers 500 itself.
  std::vector<char> refused;
  bool multi = false;
  bool interop = false;
  bool peered = false;               // §15.2: a peering-generated entry
  std::map<int, ServiceView> views;  // per cluster of `clusters`
  // §9 (encoder_routes.cc): the service's routes, when encoded.
  std::optional<RoutePlan> routes;

  // Per cluster: its object of the service, if any (looked up once: the
  // per-pair terms ask for it per class and endpoint).
  std::vector<const Service*> in;
  const Service* In(int ci) const { return in[static_cast<size_t>(ci)]; }
  bool GlobalIn(int ci) const { return global[static_cast<size_t>(ci)] != 0; }
};

// The terms ServiceSlice gathers over its (source class, endpoint) pairs.
struct Encoder::ServiceTerms {
  // Each term is a case of one (source class, endpoint) pair: at most one
  // pair holds for a request (src and ep name it), so the pairs' cases are
  // exclusive and their disjunctions and choices are built flat.
  explicit ServiceTerms(z3::context& c)
      : valid(c),
        pass_terms(c),
        ew_pass(c),
        remote_no_gw(c),
        route_fail(c),
        routed(c),
        answered(c),
        route_bypass(c),
        fail_terms(c),
        fail_ew_terms(c),
        deny_terms(c),
        deny_ew_terms(c) {}
  AnyOf valid, pass_terms, ew_pass, remote_no_gw;
  // Per pair: the identity the destination sees, whether it has one, the
  // last waypoint passed, and whether that waypoint removed the token
  // (§16.4) (ExclusiveCases columns).
  enum { kPrincipal, kHasId, kVia, kGone };
  ExclusiveCases seen;
  // §9: a routing proxy found no rule for the request (404), or sent it to
  // a backend its rule picks.
  AnyOf route_fail, routed;
  AnyOf answered;      // §16.2, §9: a redirect, which the proxy answers
  AnyOf route_bypass;  // K11: routed past the backend's own waypoint
  // Fail closed (§3.6) before a waypoint is reached (the client side's
  // bound waypoint has no ready replica) or at the east-west gateway.
  AnyOf fail_terms, fail_ew_terms;
  // Denied by the client side's waypoint, or by the one the east-west
  // gateway sends to: the first before the gateway can fail, the second
  // after.
  AnyOf deny_terms, deny_ew_terms;
  // Per endpoint: the requests it does not serve (§3.4, Unserved), built
  // once for every class.
  std::vector<z3::expr> unserved;
};

// What ServiceEndpointTerms needs of source class `k` that does not depend
// on the endpoint: built once per class, not once per (class, endpoint).
struct Encoder::ClassTerms {
  struct Hop {
    const Gateway* gw;
    z3::expr bound;      // the class's first proxy sends to `gw`
    z3::expr principal;  // Pid of the waypoint's principal
    z3::expr via;        // its key as a string term
    z3::expr denies;     // WaypointDenies
    z3::expr removes;    // WaypointRemovesToken
    bool healthy;
  };
  std::vector<Hop> first;  // FirstHopWaypoints, with the above
  z3::expr no_waypoint_left;
  z3::expr principal;  // Pid of the class's own principal
  bool built;          // BuildClassTerms ran
};

// §8.6 stated for the encoding (encoder_plaintext.cc): the chain an Envoy
// gives service port `sp`: 'h' HTTP, 't' TCP, 0 both (sniffed) or UDP.
char DeclaredChain(const ServicePort& sp);

// §3.4 stated for the encoding (encoder_routes.cc): whether `w` serves
// `port` of Kubernetes Service `svc` (0: any): a named targetPort needs a
// port of that name (an EndpointSlice endpoint: of the Service port's name).
bool Declares(const Service& svc, int port, const Workload& w);

}  // namespace meshsim::verify

#endif  // MESHSIM_VERIFY_ENCODER_PLAN_H_
