// Gateway API route selection and request filters, as Envoy applies them at
// ingress gateways, waypoints and sidecars (docs/semantics.md §9).
//
//   RouteChoice rc = SelectRoute(routes, request, "shop.example.com");
//   if (rc.matched) { HttpRequest next = ApplyFilters(rc.rule->filters,
//   request); ... }
#ifndef MESHSIM_SIM_ROUTING_H_
#define MESHSIM_SIM_ROUTING_H_

#include <optional>
#include <string>
#include <vector>

#include "model/mesh.h"
#include "model/scenario.h"

namespace meshsim {

// A request as routes see it: the HTTP request (absent for plain TCP) and
// the :authority.
struct RoutedRequest {
  std::optional<HttpRequest> http;
  std::string host;
};

// Who applies the routes (§16.2): a VirtualService match with sourceLabels
// compares them with the labels of the client pod a sidecar or gateway
// serves; a waypoint (`source_labels` nullptr) drops such a match. `port`
// is the service port, for a match's port and for tcp routes.
struct RouteContext {
  const Labels* source_labels = nullptr;
  int port = 0;
  // At a Gateway parent (an ingress), not a mesh one: a backendRef into
  // another namespace needs a ReferenceGrant there (§9).
  bool gateway_parent = false;
  // §16.3: the VirtualServices are one gateway virtual host: each ends at
  // its first catch-all route, and catch-all routes come after all others.
  bool gateway_vhost = false;
  // §9: the Service whose GAMMA routes these are (at a waypoint or a
  // sidecar): their hostnames do not apply (the mesh VirtualService's host
  // is the Service's).
  const Service* mesh_service = nullptr;
  // §16.2 (route.go sourceMatchHTTP): the gateway names the proxy routes
  // for ("ns/name" at a Router; empty: "mesh", a sidecar or waypoint) and
  // its namespace (the client's at a sidecar, the pod's at a Router, the
  // waypoint's), for a match's `gateways` and `sourceNamespace`.
  std::vector<std::string> gateway_names;
  std::string proxy_ns;
  // §16.2: the proxy is a waypoint: its matches as WaypointKeepsMatch says.
  bool waypoint = false;
  // §16.2: at a waypoint, each run of GAMMA routes of one namespace, kind
  // and parentRef port (GammaParentPort) is a VirtualService of its own.
  bool gamma_runs = false;
  IstioVersion version;  // the proxy's release (GammaKindGroup)
  // §16.3: at an Istio Gateway server that proxies TCP (1: a TCP server,
  // its VirtualServices' tcp sections; 2: TLS passthrough, their tls
  // sections by SNI); 0 elsewhere.
  int l4_server = 0;
  // §16.3: at a passthrough server, Envoy's filter chains match the most
  // specific server name: only sniHosts entries of this rank (SniRank)
  // count; -1 any.
  int sni_rank = -1;
  // §16.2 (listener_waypoint.go getWaypointTCPRoutes, 1.26+): at a
  // waypoint, the hostname of the service a TCP connection is for; empty
  // elsewhere.
  std::string waypoint_tcp_host;
  // §16.2 (listener.go buildSidecarOutboundTCPListenerOpts): at a sidecar,
  // a TCP connection's port: 1 not TLS (the tcp rules only), 2 TLS or
  // HTTPS (every VirtualService's tls rules before any tcp rule); 0
  // elsewhere.
  int sidecar_tcp = 0;
  // §16.2: the token this proxy's RequestAuthentications validated, whose
  // claims a VirtualService's claim route matches; nullptr: none.
  const JwtToken* jwt_claims = nullptr;
  // §16.3: with gateway_vhost, per VirtualService the gateway and server
  // port its routes were built for (IstioVirtualHost::origins), which a
  // match's `gateways` and `port` are read against; nullptr: gateway_names
  // and port for all.
  const std::vector<std::pair<std::string, int>>* vhost_origins = nullptr;
};

// §16.3: how specific sniHosts entry `sni` is as a match of `host` (an
// exact name above any wildcard, a longer wildcard above a shorter), -1
// when it does not cover it.
int SniRank(const std::string& sni, const std::string& host);

struct RouteChoice {
  bool any_route = false;  // some route applies to this host
  bool matched = false;
  const HttpRoute* route = nullptr;
  int rule_index = 0;
  const HttpRouteRule* rule = nullptr;
};

// Gateway API matching: path (Exact, PathPrefix by whole segments,
// RegularExpression), method, headers, query parameters; all of a match
// must hold, any match of a rule selects it. Precedence across rules: exact
// path, longest prefix, method, most headers, most query parameters, then
// the oldest route, then ns/name, then rule order. HTTPRoutes never match a
// plain TCP request; TCP/TLS routes match everything.
//
// VirtualServices (§16.2) select by first match instead: their rules in
// order, the routes in the order given (VirtualServicesAtWaypoint's). In a
// list that mixes both, each run of Gateway API routes is one group with
// its own precedence (with `gamma_runs`, a run of one namespace and
// parentRef port), and the first group that matches wins.
RouteChoice SelectRoute(const std::vector<const HttpRoute*>& routes,
                        const RoutedRequest& req, const RouteContext& ctx = {});

bool HostnameMatches(const std::string& pattern, const std::string& host);

// "HTTPRoute ns/name rule 0", "VirtualService ns/name route 'r'": the rule
// a choice took, as reasons name it.
std::string RouteName(const RouteChoice& rc);
// How the proxy refuses a request its route `rc` cannot send: `status` (an
// HTTP answer such as "500"), or, for a TCPRoute's, TLSRoute's or a
// VirtualService's tcp/tls rule, "the connection is closed" (no HTTP).
std::string Refusal(const RouteChoice& rc, const std::string& status);

// The request after RequestHeaderModifier and URLRewrite filters; `match` is
// the path match that selected the rule (for ReplacePrefixMatch).
RoutedRequest ApplyFilters(const HttpRouteRule& rule, const RoutedRequest& req);

// "302 https://host:port/path" when the rule redirects, else ""; `port` is
// the port the request came in on (the listener's or the service's).
std::string RedirectOf(const HttpRouteRule& rule, const RoutedRequest& req,
                       int port);

}  // namespace meshsim

#endif  // MESHSIM_SIM_ROUTING_H_
