// §9, §16.2: how istiod turns Gateway API routes into what a waypoint
// applies: a rule without backends, which routes a waypoint takes, and a
// GAMMA route's hostnames.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/sim/path_helpers.h"
#include "tests/test_world.h"

namespace meshsim {
namespace {

using testing::Ambient;
using ::testing::ElementsAre;

// shop/cart behind the service waypoint shop/waypoint, with a second
// Service shop/cart-v2, and `route` (an HTTPRoute's YAML) added.
testing::World RouteWorld(const std::string& route,
                          const std::string& version = "1.31") {
  testing::World w = testing::ShopWorld({{Ambient(), "ambient"}},
                                        {{"istio.io/use-waypoint", "waypoint"}},
                                        {}, "{version: \"" + version + "\"}");
  w.Add("east", testing::Waypoint("shop", "waypoint"));
  w.Add("east", testing::Deploy("shop", "cart-v2"));
  w.Add("east", testing::Svc("shop", "cart-v2", 80));
  w.Add("east", route);
  w.Traffic("t", testing::kFromCurl, testing::kToCart,
            "{method: GET, path: /}");
  return w;
}

std::string Route(const std::string& name, const std::string& ns,
                  const std::string& rules,
                  const std::string& extra_spec = "") {
  return "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\n"
         "metadata:\n  name: " +
         name + "\n  namespace: " + ns +
         "\nspec:\n  parentRefs:\n  - {group: \"\", kind: Service, name: "
         "cart, namespace: shop, port: 80}\n" +
         extra_spec + "  rules:\n" + rules;
}

// A VirtualService shop/cart for host cart with the `http` routes given
// (YAML under spec.http, each line indented by two).
std::string CartVirtualService(const std::string& http) {
  return "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
         "metadata:\n  name: cart\n  namespace: shop\nspec:\n"
         "  hosts: [cart]\n  http:\n" +
         http;
}

TEST(RouteRulesTest, ARuleWithoutBackendRefsIs404In130Only) {
  const std::string route = Route("empty", "shop", "  - matches: []\n");
  for (const auto& [version, status] :
       std::vector<std::pair<std::string, std::string>>{
           {"1.29", "(500)"}, {"1.30", "(404)"}, {"1.31", "(500)"}}) {
    std::vector<Path> paths =
        testing::PathsOf(RouteWorld(route, version).Load(), "t");
    ASSERT_THAT(testing::Summary(paths), ElementsAre("shop/waypoint|failed"))
        << version;
    EXPECT_NE(paths[0].reason.find(status), std::string::npos)
        << version << ": " << paths[0].reason;
  }
  // Backends of weight 0 are 500 in every release.
  const std::string zero =
      Route("zero", "shop",
            "  - backendRefs:\n    - {name: cart-v2, port: 80, "
            "weight: 0}\n");
  std::vector<Path> paths =
      testing::PathsOf(RouteWorld(zero, "1.30").Load(), "t");
  ASSERT_EQ(paths.size(), 1u);
  EXPECT_NE(paths[0].reason.find("(500)"), std::string::npos)
      << paths[0].reason;
}

TEST(RouteRulesTest, ABackendPortTheServiceLacksHasNoCluster) {
  // route.go: a Gateway API route's missing cluster answers 500; a
  // VirtualService's, Envoy's own 503.
  std::vector<Path> paths = testing::PathsOf(
      RouteWorld(Route("port", "shop",
                       "  - backendRefs:\n    - {name: cart-v2, port: 8080}\n"))
          .Load(),
      "t");
  ASSERT_THAT(testing::Summary(paths), ElementsAre("shop/waypoint|failed"));
  EXPECT_NE(paths[0].reason.find("no such port (500"), std::string::npos)
      << paths[0].reason;
  paths = testing::PathsOf(
      RouteWorld(CartVirtualService("  - route:\n    - destination: "
                                    "{host: cart-v2, port: {number: 8080}}\n"))
          .Load(),
      "t");
  ASSERT_THAT(testing::Summary(paths), ElementsAre("shop/waypoint|failed"));
  EXPECT_NE(paths[0].reason.find("no such port (503"), std::string::npos)
      << paths[0].reason;
}

TEST(RouteRulesTest, ARedirectKeepsTheRequestsPortAndReplacesThePrefix) {
  // conversion.go createRedirectFilter / route.go ApplyRedirect: without
  // port or scheme the request's port (never an explicit :80); a
  // ReplacePrefixMatch path is the matched prefix replaced.
  const std::string redirects =
      "  - matches:\n    - path: {type: PathPrefix, value: /prefix}\n"
      "    filters:\n    - type: RequestRedirect\n      requestRedirect:\n"
      "        path: {type: ReplacePrefixMatch, replacePrefixMatch: /new}\n"
      "  - matches:\n    - path: {type: PathPrefix, value: /host}\n"
      "    filters:\n    - type: RequestRedirect\n      requestRedirect:\n"
      "        hostname: other.example\n"
      "  - matches:\n    - path: {type: PathPrefix, value: /tls}\n"
      "    filters:\n    - type: RequestRedirect\n      requestRedirect:\n"
      "        scheme: https\n";
  for (const auto& [port, path, want] :
       std::vector<std::tuple<int, std::string, std::string>>{
           {80, "/prefix/a", "302 http://web.shop/new/a"},
           {8080, "/prefix/a", "302 http://web.shop:8080/new/a"},
           {8080, "/host/a", "302 http://other.example:8080/host/a"},
           {8080, "/tls", "302 https://web.shop/tls"}}) {
    testing::World w = testing::ShopWorld(
        {{Ambient(), "ambient"}}, {{"istio.io/use-waypoint", "waypoint"}});
    w.Add("east", testing::Waypoint("shop", "waypoint"));
    w.Add("east",
          testing::Svc("shop", "web", port,
                       {{"istio.io/use-waypoint", "waypoint"}}, "", "cart"));
    std::string route = Route("redirects", "shop", redirects);
    const std::string parent = "name: cart, namespace: shop, port: 80}";
    route.replace(route.find(parent), parent.size(),
                  "name: web, namespace: shop}");
    w.Add("east", route);
    w.Traffic("r", testing::kFromCurl,
              "{host: web.shop, port: " + std::to_string(port) + "}",
              "{method: GET, path: " + path + "}");
    std::vector<Path> paths = testing::PathsOf(w.Load(), "r");
    ASSERT_EQ(paths.size(), 1u) << path;
    EXPECT_EQ(paths[0].redirect, want) << path;
  }
}

TEST(RouteRulesTest, ADirectResponseIsTheProxysOwnAnswer) {
  // route.go ApplyDirectResponse: no backend; 204 is delivered, 503 failed.
  for (const auto& [status, want] : std::vector<std::pair<int, std::string>>{
           {204, "shop/waypoint|delivered"}, {503, "shop/waypoint|failed"}}) {
    testing::World w = RouteWorld(CartVirtualService(
        "  - directResponse: {status: " + std::to_string(status) +
        ", body: {string: hi}}\n"));
    Diagnostics d;
    Scenario sc = w.Load(&d);
    std::vector<Path> paths = testing::PathsOf(sc, "t");
    EXPECT_THAT(testing::Summary(paths), ElementsAre(want)) << status;
    ASSERT_EQ(paths.size(), 1u);
    EXPECT_EQ(paths[0].hops.back().kind, HopKind::kWaypoint) << status;
    for (const Diagnostic& x : d.all())
      EXPECT_EQ(x.message.find("directResponse"), std::string::npos)
          << x.message;
  }
}

// `route` (Route's YAML) with its parentRef to cart without a port.
std::string Portless(std::string route) {
  const std::string parent = "namespace: shop, port: 80}";
  return route.replace(route.find(parent), parent.size(), "namespace: shop}");
}

std::string Created(const std::string& route, const std::string& ts) {
  const size_t at = route.find("\nspec:");
  return route.substr(0, at) + "\n  creationTimestamp: \"" + ts + "\"" +
         route.substr(at);
}

// The request for `path`'s paths: their last hops.
std::vector<std::string> Lands(const testing::World& w,
                               const std::string& path) {
  testing::World copy = w;
  copy.Traffic("p", testing::kFromCurl, testing::kToCart,
               "{method: GET, path: " + path + "}");
  std::vector<std::string> out;
  for (const Path& p : testing::PathsOf(copy.Load(), "p"))
    out.push_back(p.outcome == Outcome::kDelivered ? p.hops.back().name
                                                   : "failed");
  return out;
}

const char kToV2[] = "  - backendRefs:\n    - {name: cart-v2, port: 80}\n";

TEST(RouteRulesTest, AMatchsGatewaysAndSourceNamespaceAtAWaypoint) {
  // route.go sourceMatchHTTP: a waypoint routes as "mesh" in its own
  // namespace (shop): a match for gateway shop/gw only, or for clients'
  // namespace `client`, is not its own; one for "mesh" or namespace shop
  // is.
  for (const auto& [match, want] :
       std::vector<std::pair<std::string, std::string>>{
           {"{gateways: [gw]}", "shop/cart-0"},
           {"{gateways: [mesh]}", "shop/cart-v2-0"},
           {"{sourceNamespace: client}", "shop/cart-0"},
           {"{sourceNamespace: shop}", "shop/cart-v2-0"}}) {
    testing::World w = RouteWorld(
        CartVirtualService("  - match: [" + match +
                           "]\n"
                           "    route:\n    - destination: {host: cart-v2}\n"
                           "  - route:\n    - destination: {host: cart}\n"));
    EXPECT_THAT(Lands(w, "/"), ElementsAre(want)) << match;
  }
}

TEST(RouteRulesTest, ADestinationWithoutPortTakesTheRequestsPort) {
  // route.go: a destination without port is the route's port (here the
  // service port 80), or the host's only port: a two-port host without 80
  // has no such cluster (503); with 80 among its ports it is delivered.
  for (const auto& [ports, want] :
       std::vector<std::pair<std::string, std::string>>{
           {"[{port: 9080, name: a}, {port: 9081, name: b}]", "failed"},
           {"[{port: 80, name: a}, {port: 9081, name: b}]", "shop/multi-0"},
           {"[{port: 9080, name: a}]", "shop/multi-0"}}) {
    testing::World w = RouteWorld(
        CartVirtualService("  - route:\n    - destination: {host: multi}\n"));
    w.Add("east", testing::Deploy("shop", "multi"));
    w.Add("east",
          "apiVersion: v1\nkind: Service\nmetadata:\n  name: multi\n"
          "  namespace: shop\nspec:\n  selector: {app: multi}\n"
          "  ports: " +
              ports + "\n");
    EXPECT_THAT(Lands(w, "/"), ElementsAre(want)) << ports;
  }
}

TEST(RouteRulesTest, AGammaRoutesHostnamesDoNotApplyToItsService) {
  // route_collections.go: a mesh VirtualService's host is the Service's.
  testing::World w =
      RouteWorld(Route("v2", "shop", kToV2, "  hostnames: [other.example]\n"));
  EXPECT_THAT(Lands(w, "/"), ElementsAre("shop/cart-v2-0"));
}

TEST(RouteRulesTest, AWaypointTakesGammaRoutesOfItsOrTheServicesNamespace) {
  // getVirtualServiceForWaypoint: a route of a third namespace (here the
  // client's) is not the waypoint's.
  const std::string to_v2 =
      "  - backendRefs:\n    - {name: cart-v2, namespace: shop, port: 80}\n";
  testing::World w = RouteWorld(Route("consumer", "client", to_v2));
  EXPECT_THAT(Lands(w, "/"), ElementsAre("shop/cart-0"));
  // Before 1.24, the waypoint's own namespace's only.
  w = RouteWorld(Route("consumer", "client", to_v2), "1.23");
  EXPECT_THAT(Lands(w, "/"), ElementsAre("shop/cart-0"));
  w = RouteWorld(Route("producer", "shop", to_v2), "1.23");
  EXPECT_THAT(Lands(w, "/"), ElementsAre("shop/cart-v2-0"));
}

// An older route without a parentRef port sending everything to cart, a
// newer one on port 80 sending /b to cart-v2.
testing::World TwoGammaVirtualServices(const std::string& version) {
  std::string older = Created(
      Route("all", "shop", "  - backendRefs:\n    - {name: cart, port: 80}\n"),
      "2024-01-01T00:00:00Z");
  std::string newer = Created(
      Route("b", "shop",
            "  - matches:\n    - path: {type: PathPrefix, value: /b}\n" +
                std::string("    backendRefs:\n    - {name: cart-v2, port: "
                            "80}\n")),
      "2024-01-02T00:00:00Z");
  // Parent of `all` without a port.
  older = Portless(older);
  testing::World w = RouteWorld(older, version);
  w.Add("east", newer);
  return w;
}

TEST(RouteRulesTest, GammaVirtualServicesAreConcatenatedOldestFirst) {
  // A parentRef with a port makes a VirtualService of its own; the two are
  // concatenated by age, so the older catch-all takes /b too.
  EXPECT_THAT(Lands(TwoGammaVirtualServices("1.30"), "/b"),
              ElementsAre("shop/cart-0"));
  // Routes of one namespace and parent port are one VirtualService, by
  // precedence: the longer prefix wins whatever the age.
  std::string older = Created(
      Route("all", "shop", "  - backendRefs:\n    - {name: cart, port: 80}\n"),
      "2024-01-01T00:00:00Z");
  std::string newer =
      Created(Route("b", "shop",
                    "  - matches:\n    - path: {type: PathPrefix, value: "
                    "/b}\n    backendRefs:\n    - {name: cart-v2, port: 80}\n"),
              "2024-01-02T00:00:00Z");
  testing::World w = RouteWorld(older);
  w.Add("east", newer);
  EXPECT_THAT(Lands(w, "/b"), ElementsAre("shop/cart-v2-0"));
}

TEST(RouteRulesTest, Before128OnlyTheFirstGammaVirtualServiceApplies) {
  // The newer port-80 VirtualService is not applied: /c falls to the
  // older catch-all either way, and /b too.
  testing::World w = TwoGammaVirtualServices("1.27");
  EXPECT_THAT(Lands(w, "/b"), ElementsAre("shop/cart-0"));
  // With the older one limited to /a, a request for /b finds no rule (404).
  std::string a_only =
      Created(Route("a", "shop",
                    "  - matches:\n    - path: {type: PathPrefix, value: /a}\n"
                    "    backendRefs:\n    - {name: cart, port: 80}\n"),
              "2024-01-01T00:00:00Z");
  a_only = Portless(a_only);
  std::string b =
      Created(Route("b", "shop",
                    "  - matches:\n    - path: {type: PathPrefix, value: /b}\n"
                    "    backendRefs:\n    - {name: cart-v2, port: 80}\n"),
              "2024-01-02T00:00:00Z");
  for (const auto& [version, lands] :
       std::vector<std::pair<std::string, std::string>>{
           {"1.27", "failed"}, {"1.28", "shop/cart-v2-0"}}) {
    testing::World x = RouteWorld(a_only, version);
    x.Add("east", b);
    EXPECT_THAT(Lands(x, "/b"), ElementsAre(lands)) << version;
  }
}

}  // namespace
}  // namespace meshsim
