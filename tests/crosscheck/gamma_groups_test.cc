// §9, §16.2: the GAMMA routes a waypoint applies, asked of both engines.
// istiod makes one VirtualService of the routes of one namespace attached
// to a Service with or without a parentRef port (route_collections.go),
// ignores their hostnames (the VirtualService's host is the Service's),
// and a waypoint concatenates those of its own and the service's namespace
// oldest first (listener_waypoint.go). A rule sending to shop/locked, whose
// pod a DENY policy guards, is denied: which rule a request takes shows in
// its outcome.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "tests/crosscheck/both_engines.h"
#include "tests/test_world.h"

namespace meshsim {
namespace {

using testing::Ambient;

const char kLockedPolicy[] =
    "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
    "metadata:\n  name: locked\n  namespace: shop\nspec:\n"
    "  selector: {matchLabels: {app: locked}}\n  action: DENY\n"
    "  rules: [{}]\n";
const char kAllowAll[] =
    "    allowedRoutes:\n      namespaces:\n        from: All\n";

struct GammaRoute {
  std::string name, ns, created;
  std::string parent_port;  // "" for a parentRef without a port
  std::string prefix;       // "" for a rule without matches
  std::string backend;      // a Service of namespace shop
  std::string hostnames;    // "" for none
};

Scenario GammaWorld(const std::vector<GammaRoute>& routes,
                    const std::string& path,
                    const std::string& version = "1.31") {
  testing::World w = testing::ShopWorld({{Ambient(), "ambient"}},
                                        {{"istio.io/use-waypoint", "waypoint"}},
                                        {}, "{version: \"" + version + "\"}");
  w.Add("east", testing::Waypoint("shop", "waypoint"));
  w.Add("east", testing::Deploy("shop", "locked"));
  w.Add("east", testing::Svc("shop", "locked", 80));
  w.Add("east", kLockedPolicy);
  for (const GammaRoute& r : routes) {
    std::string y =
        "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\n"
        "metadata:\n  name: " +
        r.name + "\n  namespace: " + r.ns + "\n  creationTimestamp: \"" +
        r.created +
        "\"\nspec:\n  parentRefs:\n  - {group: \"\", kind: Service, name: "
        "cart, namespace: shop" +
        (r.parent_port.empty() ? "" : ", port: " + r.parent_port) + "}\n";
    if (!r.hostnames.empty()) y += "  hostnames: [" + r.hostnames + "]\n";
    y += "  rules:\n  - ";
    if (!r.prefix.empty())
      y += "matches:\n    - path: {type: PathPrefix, value: " + r.prefix +
           "}\n    ";
    y += "backendRefs:\n    - {name: " + r.backend +
         ", namespace: shop, port: 80}\n";
    w.Add("east", y);
  }
  w.Traffic("t", testing::kFromCurl, testing::kToCart,
            "{method: GET, path: " + path + "}");
  return w.Load();
}

const char kDay1[] = "2024-01-01T00:00:00Z";
const char kDay2[] = "2024-01-02T00:00:00Z";

TEST(GammaGroupsCrossCheck, AParentPortMakesAVirtualServiceOfItsOwn) {
  // The older catch-all (no port) comes first: /b is delivered, the newer
  // port-80 route to shop/locked never applies.
  const std::vector<GammaRoute> two = {
      {"all", "shop", kDay1, "", "", "cart", ""},
      {"b", "shop", kDay2, "80", "/b", "locked", ""}};
  testing::ExpectBothEngines(GammaWorld(two, "/b"), Outcome::kDelivered,
                             "two VirtualServices, the older catch-all first");
  // One namespace and parent port: one VirtualService, by precedence.
  const std::vector<GammaRoute> one = {
      {"all", "shop", kDay1, "80", "", "cart", ""},
      {"b", "shop", kDay2, "80", "/b", "locked", ""}};
  testing::ExpectBothEngines(GammaWorld(one, "/b"), Outcome::kDenied,
                             "one VirtualService, the longer prefix first");
}

TEST(GammaGroupsCrossCheck, OnlyTheWaypointsAndTheServicesNamespaces) {
  const std::vector<GammaRoute> consumer = {
      {"consumer", "client", kDay1, "", "", "locked", ""}};
  testing::ExpectBothEngines(GammaWorld(consumer, "/"), Outcome::kDelivered,
                             "a route of the client's namespace");
  // 1.23: the waypoint's own namespace only (tls.go getConfigsForHost).
  testing::ExpectBothEngines(GammaWorld(consumer, "/", "1.23"),
                             Outcome::kDelivered, "1.23: not the client's");
  const std::vector<GammaRoute> producer = {
      {"producer", "shop", kDay1, "", "", "locked", ""}};
  testing::ExpectBothEngines(GammaWorld(producer, "/", "1.23"),
                             Outcome::kDenied, "1.23: the waypoint's");
}

TEST(GammaGroupsCrossCheck, AnOlderVirtualServiceComesBeforeAGammaRoute) {
  // virtualservice.go SelectVirtualServices: the GAMMA VirtualService is
  // public, ordered by creation time among the public ones; only Gateway
  // API VirtualServices of the waypoint's own namespace come first. Here
  // the waypoint is in namespace wp, so the older VirtualService wins.
  for (const auto& [vs_day, want] :
       std::vector<std::pair<std::string, Outcome>>{
           {kDay1, Outcome::kDelivered},
           {"2024-01-03T00:00:00Z", Outcome::kDenied}}) {
    testing::World w = testing::ShopWorld(
        {{Ambient(), "ambient"}}, {{"istio.io/use-waypoint", "waypoint"},
                                   {"istio.io/use-waypoint-namespace", "wp"}});
    w.Add("east", testing::Ns("wp"));
    w.Add("east", testing::Waypoint("wp", "waypoint", "", kAllowAll));
    w.Add("east", testing::Deploy("shop", "locked"));
    w.Add("east", testing::Svc("shop", "locked", 80));
    w.Add("east", kLockedPolicy);
    w.Add("east",
          "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
          "metadata:\n  name: plain\n  namespace: shop\n"
          "  creationTimestamp: \"" +
              vs_day +
              "\"\nspec:\n  hosts: [cart]\n  http:\n"
              "  - route: [{destination: {host: cart}}]\n");
    w.Add("east",
          "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\n"
          "metadata:\n  name: gamma\n  namespace: shop\n"
          "  creationTimestamp: \"2024-01-02T00:00:00Z\"\nspec:\n"
          "  parentRefs:\n  - {group: \"\", kind: Service, name: cart}\n"
          "  rules:\n  - backendRefs:\n    - {name: locked, port: 80}\n");
    w.Traffic("t", testing::kFromCurl, testing::kToCart,
              "{method: GET, path: /}");
    testing::ExpectBothEngines(w.Load(), want, "VirtualService of " + vs_day);
  }
}

TEST(GammaGroupsCrossCheck, FromOneThirtyAGrpcRouteJoinsTheHttpRoutes) {
  // An older HTTPRoute (prefix /, to cart) and a newer GRPCRoute (method
  // pkg.Svc/M, to locked) on cart: from 1.30 one VirtualService
  // (controller.go mergeHTTPRoutes over both kinds), where the exact method
  // outranks the prefix; before, two, the older HTTPRoute's first. The
  // encoding leaves a Service with a GRPCRoute's routes unstated
  // (RoutesEncodable): the simulator only.
  for (const auto& [version, want] :
       std::vector<std::pair<std::string, Outcome>>{
           {"1.29", Outcome::kDelivered}, {"1.30", Outcome::kDenied}}) {
    testing::World w = testing::ShopWorld(
        {{Ambient(), "ambient"}}, {{"istio.io/use-waypoint", "waypoint"}}, {},
        "{version: \"" + version + "\"}");
    w.Add("east", testing::Waypoint("shop", "waypoint"));
    w.Add("east", testing::Deploy("shop", "locked"));
    w.Add("east", testing::Svc("shop", "locked", 80));
    w.Add("east", kLockedPolicy);
    w.Add("east",
          "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\n"
          "metadata:\n  name: web\n  namespace: shop\n"
          "  creationTimestamp: \"2024-01-01T00:00:00Z\"\nspec:\n"
          "  parentRefs:\n  - {group: \"\", kind: Service, name: cart}\n"
          "  rules:\n  - matches: [{path: {type: PathPrefix, value: /}}]\n"
          "    backendRefs:\n    - {name: cart, port: 80}\n");
    w.Add("east",
          "apiVersion: gateway.networking.k8s.io/v1\nkind: GRPCRoute\n"
          "metadata:\n  name: rpc\n  namespace: shop\n"
          "  creationTimestamp: \"2024-06-01T00:00:00Z\"\nspec:\n"
          "  parentRefs:\n  - {group: \"\", kind: Service, name: cart}\n"
          "  rules:\n  - matches: [{method: {service: pkg.Svc, method: M}}]\n"
          "    backendRefs:\n    - {name: locked, port: 80}\n");
    w.Traffic("t", testing::kFromCurl, testing::kToCart,
              "{method: POST, path: /pkg.Svc/M}");
    EXPECT_EQ(testing::Simulated(w.Load()), std::set<Outcome>{want})
        << "Istio " << version;
  }
}

TEST(GammaGroupsCrossCheck, HostnamesDoNotNarrowAGammaRoute) {
  const std::vector<GammaRoute> named = {
      {"named", "shop", kDay1, "", "", "locked", "other.example"}};
  testing::ExpectBothEngines(GammaWorld(named, "/"), Outcome::kDenied,
                             "hostnames of a GAMMA route");
}

TEST(GammaGroupsCrossCheck, Before128OnlyTheFirstVirtualServiceApplies) {
  const std::vector<GammaRoute> two = {
      {"a", "shop", kDay1, "", "/a", "cart", ""},
      {"b", "shop", kDay2, "80", "/b", "cart", ""}};
  testing::ExpectBothEngines(GammaWorld(two, "/b", "1.28"), Outcome::kDelivered,
                             "1.28: both apply");
  // 1.27: /b matches no rule of the first VirtualService: 404.
  const auto got =
      testing::CurlOutcomes(GammaWorld(two, "/b", "1.27"), "shop/cart", 80);
  EXPECT_EQ(got.first, std::set<Outcome>{Outcome::kFailed});
  EXPECT_EQ(got.second, std::set<Outcome>{Outcome::kFailed});
}

}  // namespace
}  // namespace meshsim
