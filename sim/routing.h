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
RouteChoice SelectRoute(const std::vector<const HttpRoute*>& routes,
                        const RoutedRequest& req);

bool HostnameMatches(const std::string& pattern, const std::string& host);

// The request after RequestHeaderModifier and URLRewrite filters; `match` is
// the path match that selected the rule (for ReplacePrefixMatch).
RoutedRequest ApplyFilters(const HttpRouteRule& rule, const RoutedRequest& req);

// "302 https://host/path" when the rule redirects, else "".
std::string RedirectOf(const HttpRouteRule& rule, const RoutedRequest& req);

}  // namespace meshsim

#endif  // MESHSIM_SIM_ROUTING_H_
