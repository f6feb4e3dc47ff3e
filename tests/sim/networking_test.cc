// VirtualService, DestinationRule and the Istio Gateway in path resolution
// (docs/semantics.md §16.1–§16.3). Each test states the Istio rule and
// where it comes from: pilot/pkg/networking/core/listener_waypoint.go
// (getVirtualServiceForWaypoint), pilot/pkg/model/push_context.go
// (destinationRule, mergeGateways), pilot/pkg/model/gateway.go
// (resolvePorts), pilot/pkg/networking/core/route/route.go (TranslateRoute,
// sourceMatchHTTP) and tests/integration/ambient/baseline_test.go
// (TestTrafficSplit, TestServerRouting) at istio/istio 86c9f01fd735.
#include "model/networking.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "model/io/loader.h"
#include "tests/sim/path_helpers.h"
#include "tests/test_world.h"

namespace meshsim {
namespace {

using testing::Ambient;
using testing::Deploy;
using testing::Landings;
using testing::Ns;
using testing::PathsOf;
using testing::Summary;
using testing::Waypoint;
using testing::World;

// Service shop/cart selecting both versions (label svc: cart).
std::string CartService() {
  return "apiVersion: v1\nkind: Service\nmetadata:\n  name: cart\n"
         "  namespace: shop\nspec:\n  selector:\n    svc: cart\n  ports:\n"
         "  - port: 80\n    name: http\n";
}

// shop: cart v1 and v2 behind namespace waypoint shop/waypoint; clients
// curl in ambient namespace client and in sidecar namespace sc, both
// labelled role: tester.
World TwoVersionWorld(const std::string& istio = "") {
  World w(istio);
  w.Cluster("east", "net-east", 2);
  w.Add("east", Ns("client", {{Ambient(), "ambient"}}));
  w.Add("east", Deploy("client", "curl", 1, {{"role", "tester"}}));
  w.Add("east", Ns("sc", {{"istio-injection", "enabled"}}));
  w.Add("east", Deploy("sc", "curl", 1, {{"role", "tester"}}));
  w.Add("east", Ns("shop", {{Ambient(), "ambient"},
                            {"istio.io/use-waypoint", "waypoint"}}));
  w.Add("east", Waypoint("shop", "waypoint"));
  w.Add("east",
        Deploy("shop", "cart-v1", 1, {{"version", "v1"}, {"svc", "cart"}}));
  w.Add("east",
        Deploy("shop", "cart-v2", 1, {{"version", "v2"}, {"svc", "cart"}}));
  w.Add("east", CartService());
  return w;
}

const char* kSubsets =
    "apiVersion: networking.istio.io/v1\nkind: DestinationRule\n"
    "metadata:\n  name: cart\n  namespace: shop\nspec:\n  host: cart\n"
    "  subsets:\n  - name: v1\n    labels: {version: v1}\n"
    "  - name: v2\n    labels: {version: v2}\n";

// TestTrafficSplit's VirtualService: header user=istio-custom-user -> v2,
// everything else -> v1.
const char* kSplit =
    "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
    "metadata:\n  name: cart\n  namespace: shop\nspec:\n  hosts: [cart]\n"
    "  http:\n  - match:\n    - headers:\n        user: {exact: "
    "istio-custom-user}\n    route:\n    - destination: {host: cart, subset: "
    "v2}\n  - route:\n    - destination: {host: cart, subset: v1}\n";

// The pods a traffic entry's delivered paths end at, with their shares.
// §9 (1.30 merge): a GRPCRoute's service-only match is the prefix
// "/<service>/" with its slash (createGRPCURIMatch), an HTTPRoute's
// PathPrefix loses it (createURIMatch): the GRPCRoute's is longer and wins.
TEST(NetworkingTest, AGrpcServiceMatchOutranksTheSameHttpPrefix) {
  World w = testing::ShopWorld({{Ambient(), "ambient"}},
                               {{"istio.io/use-waypoint", "waypoint"}}, {},
                               "{version: \"1.30\"}");
  w.Add("east", Waypoint("shop", "waypoint"));
  w.Add("east", Deploy("shop", "other"));
  w.Add("east", testing::Svc("shop", "other", 80));
  w.Add("east",
        "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\n"
        "metadata: {name: h, namespace: shop, creationTimestamp: "
        "\"2024-01-01T00:00:00Z\"}\nspec:\n  parentRefs: [{group: '', kind: "
        "Service, name: cart}]\n  rules:\n  - matches: [{path: {type: "
        "PathPrefix, value: /foo.Svc/}}]\n    backendRefs: [{name: other, "
        "port: 80}]\n");
  w.Add("east",
        "apiVersion: gateway.networking.k8s.io/v1\nkind: GRPCRoute\n"
        "metadata: {name: g, namespace: shop, creationTimestamp: "
        "\"2024-02-01T00:00:00Z\"}\nspec:\n  parentRefs: [{group: '', kind: "
        "Service, name: cart}]\n  rules:\n  - matches: [{method: {service: "
        "foo.Svc}}]\n    backendRefs: [{name: cart, port: 80}]\n");
  w.Traffic("t", testing::kFromCurl, testing::kToCart,
            "{method: POST, path: /foo.Svc/Get}");
  const std::vector<Path> paths = PathsOf(w.Load(), "t");
  ASSERT_EQ(paths.size(), 1u);
  EXPECT_EQ(paths[0].hops.back().name, "shop/cart-0");
}

TEST(NetworkingTest, WaypointAppliesVirtualServiceSubsets) {
  World w = TwoVersionWorld();
  w.Add("east", kSubsets).Add("east", kSplit);
  w.Traffic("custom", "{cluster: east, namespace: client, workload: curl}",
            "{host: cart.shop, port: 80}",
            "{method: GET, path: /, headers: {user: istio-custom-user}}");
  w.Traffic("plain", "{cluster: east, namespace: client, workload: curl}",
            "{host: cart.shop, port: 80}", "{method: GET, path: /}");
  Scenario sc = w.Load();
  EXPECT_EQ(Landings(sc, "custom"),
            (std::map<std::string, double>{{"shop/cart-v2-0", 1.0}}));
  EXPECT_EQ(Landings(sc, "plain"),
            (std::map<std::string, double>{{"shop/cart-v1-0", 1.0}}));
  std::vector<Path> p = PathsOf(sc, "plain");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].waypoints, std::vector<std::string>{"shop/waypoint"});
  ASSERT_TRUE(p[0].route);
  EXPECT_EQ(p[0].route->kind, "VirtualService");
  EXPECT_EQ(p[0].route->rule, 1);
}

TEST(NetworkingTest, PodAddressedTrafficUsesNoVirtualService) {
  // §16.1: workload-addressed traffic takes the direct chains: no VS, no DR.
  World w = TwoVersionWorld();
  w.Add("east", kSubsets).Add("east", kSplit);
  w.Traffic("pod", "{cluster: east, namespace: client, workload: curl}",
            "{pod: shop/cart-v2-0, port: 80}", "{method: GET, path: /}");
  Scenario sc = w.Load();
  for (const Path& p : PathsOf(sc, "pod")) EXPECT_FALSE(p.route);
  EXPECT_EQ(Landings(sc, "pod"),
            (std::map<std::string, double>{{"shop/cart-v2-0", 1.0}}));
}

// §9 (buildDestination): a backendRef of kind ServiceEntry is no backend
// Istio routes to: the request fails with 500; by Hostname it is reached.
TEST(NetworkingTest, AServiceEntryBackendByNameFailsAndByHostnameRoutes) {
  for (const std::string kind : {"ServiceEntry", "Hostname"}) {
    World w = TwoVersionWorld();
    w.Add("east",
          "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:"
          "\n  name: ext\n  namespace: shop\nspec:\n  hosts: "
          "[ext.example.com]\n  addresses: [240.0.0.9]\n  resolution: STATIC"
          "\n  ports: [{number: 80, name: http}]\n  endpoints: [{address: "
          "192.0.2.77}]\n");
    w.Add("east",
          "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\n"
          "metadata:\n  name: r\n  namespace: shop\nspec:\n  parentRefs:\n"
          "  - {kind: Service, group: \"\", name: cart}\n  rules:\n"
          "  - backendRefs:\n    - {group: networking.istio.io, kind: " +
              kind +
              ", name: " + (kind == "Hostname" ? "ext.example.com" : "ext") +
              ", port: 80}\n");
    w.Traffic("t", "{cluster: east, namespace: client, workload: curl}",
              "{host: cart.shop, port: 80}", "{method: GET, path: /}");
    const std::vector<Path> p = PathsOf(w.Load(), "t");
    ASSERT_FALSE(p.empty()) << kind;
    for (const Path& path : p) {
      EXPECT_EQ(path.outcome,
                kind == "Hostname" ? Outcome::kDelivered : Outcome::kFailed)
          << kind << ": " << path.reason;
      if (kind == "ServiceEntry") {
        EXPECT_NE(path.reason.find("which Istio does not route to (500"),
                  std::string::npos)
            << path.reason;
      }
    }
  }
}

TEST(NetworkingTest, UndefinedSubsetFailsWith503) {
  World w = TwoVersionWorld();
  w.Add("east", kSplit);  // no DestinationRule
  w.Traffic("plain", "{cluster: east, namespace: client, workload: curl}",
            "{host: cart.shop, port: 80}", "{method: GET, path: /}");
  std::vector<Path> p = PathsOf(w.Load(), "plain");
  ASSERT_EQ(Summary(p), std::vector<std::string>{"shop/waypoint|failed"});
  EXPECT_NE(p[0].reason.find("subset 'v1' of service shop/cart is not "
                             "defined: no DestinationRule"),
            std::string::npos)
      << p[0].reason;
}

// push_context.go SetDestinationRules: a rule exported only to other
// namespaces is not indexed in its own either, so the waypoint beside it
// finds no subset v2 there (503).
TEST(NetworkingTest, ADestinationRuleExportedElsewhereIsNotSeenAtHome) {
  for (const bool elsewhere : {false, true}) {
    World w = TwoVersionWorld();
    std::string dr = kSubsets;
    if (elsewhere)
      dr.replace(dr.find("  subsets:"), 0, "  exportTo: [client]\n");
    w.Add("east", dr);
    w.Add("east",
          "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
          "metadata:\n  name: cart\n  namespace: shop\nspec:\n"
          "  hosts: [cart]\n  http:\n  - route:\n"
          "    - destination: {host: cart, subset: v2}\n");
    w.Traffic("t", "{cluster: east, namespace: client, workload: curl}",
              "{host: cart.shop, port: 80}", "{method: GET, path: /}");
    const std::vector<Path> p = PathsOf(w.Load(), "t");
    ASSERT_EQ(p.size(), 1u);
    EXPECT_EQ(p[0].outcome, elsewhere ? Outcome::kFailed : Outcome::kDelivered)
        << p[0].reason;
  }
}

// §16.2 (virtualservice.go SelectVirtualServices): a sidecar takes the
// VirtualService private to its namespace before an older public one for
// the same host; one destination takes every request even at weight 0.
TEST(NetworkingTest, ASidecarPrefersItsNamespacesPrivateVirtualService) {
  auto vs = [](const std::string& name, const std::string& ns,
               const std::string& export_to, const std::string& stamp,
               const std::string& subset, const std::string& weight) {
    return "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
           "metadata:\n  name: " +
           name + "\n  namespace: " + ns + "\n  creationTimestamp: \"" + stamp +
           "\"\nspec:\n  hosts: [cart.shop.svc.cluster.local]\n" + export_to +
           "  http:\n  - route:\n    - destination: {host: " +
           "cart.shop.svc.cluster.local, subset: " + subset + "}\n" + weight;
  };
  // Private: "." or the rule's own namespace by name; "*" is public
  // (push_context.go), so the older public rule wins then. ("*" beside
  // other entries istiod's validation refuses.)
  const struct {
    std::string export_to, lands;
  } cases[] = {{"[\".\"]", "shop/cart-v1-0"},
               {"[sc]", "shop/cart-v1-0"},
               {"[\"*\"]", "shop/cart-v2-0"}};
  for (const auto& c : cases) {
    World w = TwoVersionWorld();
    w.Add("east", kSubsets);
    w.Add("east", Ns("other"));
    w.Add("east",
          vs("old-public", "other", "", "2026-01-01T00:00:00Z", "v2", ""));
    w.Add("east", vs("new-private", "sc", "  exportTo: " + c.export_to + "\n",
                     "2026-02-01T00:00:00Z", "v1", "      weight: 0\n"));
    w.Traffic("t", "{cluster: east, namespace: sc, workload: curl}",
              "{host: cart.shop, port: 80}", "{method: GET, path: /}");
    Scenario sc = w.Load();
    EXPECT_EQ(Landings(sc, "t"),
              (std::map<std::string, double>{{c.lands, 1.0}}))
        << c.export_to;
  }
}

// §16.2, §9: routes of one creation time in istiod's order. VirtualServices
// by name, then namespace (sortConfigByCreationTime): zzz/alpha before
// aaa/zeta. Gateway API routes by namespace, then the name of the
// VirtualService generated from each, "<name>~0~...": a/r before a-b/r,
// shop/cart-extra before shop/cart ('~' sorts after '-').
TEST(NetworkingTest, RoutesOfOneAgeAreOrderedAsIstiodOrdersThem) {
  auto route = [](const std::string& kind, const std::string& ns,
                  const std::string& name) {
    HttpRoute r;
    r.kind = kind, r.ns = ns, r.name = name;
    return r;
  };
  EXPECT_TRUE(RouteOlder(route("VirtualService", "zzz", "alpha"),
                         route("VirtualService", "aaa", "zeta")));
  EXPECT_TRUE(
      RouteOlder(route("HTTPRoute", "a", "r"), route("HTTPRoute", "a-b", "r")));
  EXPECT_TRUE(RouteOlder(route("HTTPRoute", "shop", "cart-extra"),
                         route("HTTPRoute", "shop", "cart")));
  // TCPRoutes and TLSRoutes are VirtualServices "<name>~tcp~…" of their
  // own: by name, then namespace.
  EXPECT_TRUE(RouteOlder(route("TCPRoute", "zzz", "aaa"),
                         route("TCPRoute", "aaa", "zzz")));
  EXPECT_TRUE(RouteOlder(route("TLSRoute", "other", "aaa"),
                         route("TLSRoute", "apps", "zzz")));
  EXPECT_TRUE(
      RouteOlder(route("TCPRoute", "b", "db-x"), route("TCPRoute", "a", "db")));
  EXPECT_TRUE(
      RouteOlder(route("TCPRoute", "a", "db"), route("TCPRoute", "b", "db")));
  // A sidecar's VirtualService for cart: alpha's route to v1 wins.
  auto vs = [](const std::string& name, const std::string& ns,
               const std::string& subset) {
    return "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
           "metadata: {name: " +
           name + ", namespace: " + ns +
           "}\nspec:\n  hosts: [cart.shop.svc.cluster.local]\n"
           "  http:\n  - route:\n    - destination: {host: "
           "cart.shop.svc.cluster.local, subset: " +
           subset + "}\n";
  };
  World w = TwoVersionWorld();
  w.Add("east", kSubsets);
  w.Add("east", Ns("aaa"));
  w.Add("east", Ns("zzz"));
  w.Add("east", vs("zeta", "aaa", "v2"));
  w.Add("east", vs("alpha", "zzz", "v1"));
  w.Traffic("t", "{cluster: east, namespace: sc, workload: curl}",
            "{host: cart.shop, port: 80}", "{method: GET, path: /}");
  EXPECT_EQ(Landings(w.Load(), "t"),
            (std::map<std::string, double>{{"shop/cart-v1-0", 1.0}}));
  // The waypoint's GAMMA routes: cart-extra's /x to v2 wins over cart's.
  auto hr = [](const std::string& name, const std::string& to) {
    return "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\n"
           "metadata: {name: " +
           name +
           ", namespace: shop}\nspec:\n  parentRefs: [{group: '', kind: "
           "Service, name: cart}]\n  rules:\n  - matches: [{path: {type: "
           "PathPrefix, value: /x}}]\n    backendRefs: [{name: " +
           to + ", port: 80}]\n";
  };
  World g = TwoVersionWorld();
  for (const char* v : {"v1", "v2"})
    g.Add("east", "apiVersion: v1\nkind: Service\nmetadata: {name: cart-" +
                      std::string(v) +
                      ", namespace: shop}\nspec:\n  selector: {version: " + v +
                      "}\n  ports: [{port: 80, name: http}]\n");
  g.Add("east", hr("cart", "cart-v1"));
  g.Add("east", hr("cart-extra", "cart-v2"));
  g.Traffic("t", "{cluster: east, namespace: client, workload: curl}",
            "{host: cart.shop, port: 80}", "{method: GET, path: /x}");
  EXPECT_EQ(Landings(g.Load(), "t"),
            (std::map<std::string, double>{{"shop/cart-v2-0", 1.0}}));
}

// §16.2 (route.go TranslateRouteMatch): withoutHeaders inverts a header
// match. An empty one asks that the header be absent (present_match); any
// other reads an absent header as "" (treat_missing_header_as_empty). A
// query parameter named twice is read at its first value (Envoy's
// QueryParameterMatcher).
TEST(NetworkingTest, WithoutHeadersInvertAndQueryParametersReadTheFirst) {
  World w = TwoVersionWorld();
  w.Add("east", kSubsets);
  w.Add("east",
        "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
        "metadata: {name: cart, namespace: shop}\nspec:\n  hosts: [cart]\n"
        "  http:\n"
        "  - match: [{uri: {prefix: /a}, withoutHeaders: {x-user: {}}}]\n"
        "    route: [{destination: {host: cart, subset: v1}}]\n"
        "  - match: [{uri: {prefix: /b}, withoutHeaders: {x-tier: "
        "{exact: gold}}}]\n"
        "    route: [{destination: {host: cart, subset: v1}}]\n"
        "  - match: [{uri: {prefix: /q}, queryParams: {v: {exact: \"1\"}}}]\n"
        "    route: [{destination: {host: cart, subset: v1}}]\n"
        "  - route: [{destination: {host: cart, subset: v2}}]\n");
  const struct {
    const char* name;
    const char* http;
    const char* lands;
  } cases[] = {
      {"a", "{method: GET, path: /a}", "shop/cart-v1-0"},
      {"a-user", "{method: GET, path: /a, headers: {x-user: bob}}",
       "shop/cart-v2-0"},
      {"b", "{method: GET, path: /b}", "shop/cart-v1-0"},
      {"b-gold", "{method: GET, path: /b, headers: {x-tier: gold}}",
       "shop/cart-v2-0"},
      {"b-silver", "{method: GET, path: /b, headers: {x-tier: silver}}",
       "shop/cart-v1-0"},
      {"q-first-1", "{method: GET, path: \"/q?v=1&v=2\"}", "shop/cart-v1-0"},
      {"q-first-2", "{method: GET, path: \"/q?v=2&v=1\"}", "shop/cart-v2-0"},
  };
  for (const auto& c : cases)
    w.Traffic(c.name, "{cluster: east, namespace: sc, workload: curl}",
              "{host: cart.shop, port: 80}", c.http);
  const Scenario sc = w.Load();
  for (const auto& c : cases)
    EXPECT_EQ(Landings(sc, c.name),
              (std::map<std::string, double>{{c.lands, 1.0}}))
        << c.name;
}

// §16.2 (route.go: case_sensitive = !ignoreUriCase): exact and prefix
// paths compared without case.
TEST(NetworkingTest, IgnoreUriCaseFoldsExactAndPrefixPaths) {
  for (const bool ignore : {false, true}) {
    World w = TwoVersionWorld();
    w.Add("east", kSubsets);
    w.Add("east",
          std::string("apiVersion: networking.istio.io/v1\nkind: "
                      "VirtualService\nmetadata:\n  name: cart\n  namespace: "
                      "shop\nspec:\n  hosts: [cart]\n  http:\n  - match:\n"
                      "    - uri: {exact: /UP}\n") +
              (ignore ? "      ignoreUriCase: true\n" : "") +
              "    route:\n    - destination: {host: cart, subset: v2}\n"
              "  - route:\n    - destination: {host: cart, subset: v1}\n");
    w.Traffic("t", "{cluster: east, namespace: client, workload: curl}",
              "{host: cart.shop, port: 80}", "{method: GET, path: /up}");
    Scenario sc = w.Load();
    EXPECT_EQ(Landings(sc, "t"),
              (std::map<std::string, double>{
                  {ignore ? "shop/cart-v2-0" : "shop/cart-v1-0", 1.0}}))
        << ignore;
  }
}

// listener_waypoint.go waypointInboundRoute: a VirtualService all of whose
// matches a waypoint drops (sourceLabels; another port) gives it no route,
// and with none left the waypoint routes to the service itself (both
// versions), not 404.
TEST(NetworkingTest, AVirtualServiceWithNoMatchLeftAtTheWaypointIsSkipped) {
  // From 1.26 (sourceMatchHTTP) a match for gateways without `mesh`, or for
  // another sourceNamespace than the waypoint's, is dropped too.
  for (const std::string match :
       {"    - sourceLabels: {role: tester}\n", "    - port: 9999\n",
        "    - gateways: [istio-system/gw]\n",
        "    - sourceNamespace: client\n"}) {
    World w = TwoVersionWorld();
    w.Add("east", kSubsets);
    w.Add("east",
          "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
          "metadata:\n  name: cart\n  namespace: shop\nspec:\n"
          "  hosts: [cart]\n  http:\n  - match:\n" +
              match +
              "    route:\n    - destination: {host: cart, subset: v2}\n");
    w.Traffic("t", "{cluster: east, namespace: client, workload: curl}",
              "{host: cart.shop, port: 80}", "{method: GET, path: /}");
    // §16.2 (route.go, buildSidecarVirtualHostsForVirtualService): at a
    // sidecar too, a VirtualService with no route left for the port and
    // the client makes no virtual host; the service's default route
    // serves it.
    w.Add("east", Ns("sc", {{"istio-injection", "enabled"}}));
    w.Add("east", Deploy("sc", "sleep"));
    w.Traffic("s", "{cluster: east, namespace: sc, workload: sleep}",
              "{host: cart.shop, port: 80}", "{method: GET, path: /}");
    Scenario sc = w.Load();
    for (const char* t : {"t", "s"})
      EXPECT_EQ(Landings(sc, t),
                (std::map<std::string, double>{{"shop/cart-v1-0", 0.5},
                                               {"shop/cart-v2-0", 0.5}}))
          << match << " " << t;
  }
}

// §16.2 (listener_waypoint.go by release): a waypoint reads a match's port
// in every release; from 1.25 it drops one with sourceLabels; from 1.26 it
// also drops one for gateways without `mesh` or for another sourceNamespace
// than its own. Before, those conditions were not read and the match took
// every request. Rule 0 carries the condition (to v2); rule 1 takes the
// rest (to v1).
TEST(NetworkingTest, AWaypointReadsMatchConditionsByRelease) {
  struct Case {
    const char* match;
    const char* release;
    const char* lands;
  };
  const Case cases[] = {
      {"sourceLabels: {role: tester}", "1.24", "shop/cart-v2-0"},
      {"sourceLabels: {role: tester}", "1.25", "shop/cart-v1-0"},
      {"gateways: [istio-system/gw]", "1.25", "shop/cart-v2-0"},
      {"gateways: [istio-system/gw]", "1.26", "shop/cart-v1-0"},
      {"gateways: [mesh]", "1.26", "shop/cart-v2-0"},
      {"sourceNamespace: client", "1.25", "shop/cart-v2-0"},
      {"sourceNamespace: client", "1.26", "shop/cart-v1-0"},
      {"sourceNamespace: shop", "1.26", "shop/cart-v2-0"},
  };
  for (const Case& c : cases) {
    World w = TwoVersionWorld(std::string("{version: \"") + c.release + "\"}");
    w.Add("east", kSubsets);
    w.Add("east",
          std::string("apiVersion: networking.istio.io/v1\nkind: "
                      "VirtualService\nmetadata:\n  name: cart\n  "
                      "namespace: shop\nspec:\n  hosts: [cart]\n  http:\n"
                      "  - match:\n    - ") +
              c.match +
              "\n    route:\n    - destination: {host: cart, subset: v2}\n"
              "  - route:\n    - destination: {host: cart, subset: v1}\n");
    w.Traffic("t", "{cluster: east, namespace: client, workload: curl}",
              "{host: cart.shop, port: 80}", "{method: GET, path: /}");
    EXPECT_EQ(Landings(w.Load(), "t"),
              (std::map<std::string, double>{{c.lands, 1.0}}))
        << c.match << " at " << c.release;
  }
}

// §16.2 (push_context.go referencedDestinations, waypoint.go
// filterWaypointOutboundServices): a waypoint has an outbound cluster for a
// service it does not serve only when a VirtualService whose hosts list
// the exact hostname of a service it serves names that destination. A
// wildcard host lists none: the route's cluster does not exist (503). With
// an exact-host VirtualService naming it too, the cluster exists.
TEST(NetworkingTest, AWaypointHasNoClusterForAWildcardVirtualServicesBackend) {
  for (const bool exact : {false, true}) {
    World w = TwoVersionWorld("{version: \"1.30\"}");
    w.Add("east", Ns("other", {{Ambient(), "ambient"}}));
    w.Add("east", Deploy("other", "ext"));
    w.Add("east", testing::Svc("other", "ext", 80));
    w.Add("east",
          "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
          "metadata: {name: wild, namespace: shop}\nspec:\n"
          "  hosts: [\"*.shop.svc.cluster.local\"]\n  http:\n"
          "  - match: [{uri: {prefix: /ext}}]\n"
          "    route: [{destination: {host: ext.other.svc.cluster.local}}]\n"
          "  - route: [{destination: {host: cart}}]\n");
    if (exact)
      w.Add(
          "east",
          "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
          "metadata: {name: named, namespace: shop}\nspec:\n"
          "  hosts: [cart]\n  http:\n"
          "  - match: [{headers: {x-never: {exact: \"1\"}}}]\n"
          "    route: [{destination: {host: ext.other.svc.cluster.local}}]\n");
    w.Traffic("t", "{cluster: east, namespace: client, workload: curl}",
              "{host: cart.shop, port: 80}", "{method: GET, path: /ext}");
    const Scenario sc = w.Load();
    const auto paths = PathsOf(sc, "t");
    ASSERT_EQ(paths.size(), 1u) << exact;
    if (exact) {
      EXPECT_EQ(Landings(sc, "t"),
                (std::map<std::string, double>{{"other/ext-0", 1.0}}));
    } else {
      EXPECT_EQ(paths[0].outcome, Outcome::kFailed);
      EXPECT_NE(paths[0].reason.find("waypoint shop/waypoint has no cluster "
                                     "for service other/ext"),
                std::string::npos)
          << paths[0].reason;
    }
  }
}

// route.go sourceMatchHTTP: a match naming gateways is kept for `mesh`
// whatever its sourceLabels say, so the sidecar applies the VirtualService.
TEST(NetworkingTest, ASidecarKeepsAMatchForMeshWhateverItsSourceLabels) {
  World w = TwoVersionWorld();
  w.Add("east", kSubsets);
  w.Add("east",
        "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
        "metadata:\n  name: cart\n  namespace: shop\nspec:\n"
        "  hosts: [cart]\n  http:\n  - match:\n    - gateways: [mesh]\n"
        "      sourceLabels: {app: nobody}\n"
        "    route:\n    - destination: {host: cart, subset: v2}\n");
  w.Add("east", Ns("sc", {{"istio-injection", "enabled"}}));
  w.Add("east", Deploy("sc", "sleep"));
  w.Traffic("s", "{cluster: east, namespace: sc, workload: sleep}",
            "{host: cart.shop, port: 80}", "{method: GET, path: /}");
  EXPECT_EQ(Landings(w.Load(), "s"),
            (std::map<std::string, double>{{"shop/cart-v2-0", 1.0}}));
}

TEST(NetworkingTest, PrivateDestinationRuleIsInvisibleToAnotherNamespace) {
  // push_context.go destinationRule: the waypoint looks in its own
  // namespace, then the service's (exported to it), then the root. A DR
  // with exportTo ["."] beside the service is invisible to a waypoint in
  // namespace infra, so the subset is undefined there.
  for (const bool private_dr : {false, true}) {
    World w;
    w.Cluster("east", "net-east", 2);
    w.Add("east", Ns("client", {{Ambient(), "ambient"}}));
    w.Add("east", Deploy("client", "curl"));
    w.Add("east", Ns("shop", {{Ambient(), "ambient"}}));
    w.Add("east", Ns("infra"));
    w.Add("east",
          "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\n"
          "metadata:\n  name: shared\n  namespace: infra\nspec:\n"
          "  gatewayClassName: istio-waypoint\n  listeners:\n"
          "  - name: mesh\n    port: 15008\n    protocol: HBONE\n"
          "    allowedRoutes: {namespaces: {from: All}}\n");
    w.Add("east",
          Deploy("shop", "cart-v1", 1, {{"version", "v1"}, {"svc", "cart"}}));
    std::string svc = CartService();
    svc.replace(svc.find("spec:"), 0,
                "  labels:\n    istio.io/use-waypoint: shared\n"
                "    istio.io/use-waypoint-namespace: infra\n");
    w.Add("east", svc);
    std::string dr = kSubsets;
    if (private_dr)
      dr.replace(dr.find("  subsets:"), 0, "  exportTo: [\".\"]\n");
    w.Add("east", dr).Add("east", kSplit);
    w.Traffic("plain", "{cluster: east, namespace: client, workload: curl}",
              "{host: cart.shop, port: 80}", "{method: GET, path: /}");
    std::vector<Path> p = PathsOf(w.Load(), "plain");
    ASSERT_EQ(p.size(), 1u);
    EXPECT_EQ(p[0].waypoints, std::vector<std::string>{"infra/shared"});
    EXPECT_EQ(p[0].outcome, private_dr ? Outcome::kFailed : Outcome::kDelivered)
        << p[0].reason;
  }
}

TEST(NetworkingTest, VirtualServicePrefixIsAStringPrefix) {
  // A VS uri.prefix is Envoy's prefix match: /api matches /apiv2, unlike a
  // Gateway API PathPrefix.
  World w = TwoVersionWorld();
  w.Add("east", kSubsets);
  w.Add("east",
        "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
        "metadata:\n  name: cart\n  namespace: shop\nspec:\n  hosts: [cart]\n"
        "  http:\n  - match:\n    - uri: {prefix: /api}\n    route:\n"
        "    - destination: {host: cart, subset: v2}\n");
  w.Traffic("apiv2", "{cluster: east, namespace: client, workload: curl}",
            "{host: cart.shop, port: 80}", "{method: GET, path: /apiv2}");
  w.Traffic("other", "{cluster: east, namespace: client, workload: curl}",
            "{host: cart.shop, port: 80}", "{method: GET, path: /x}");
  Scenario sc = w.Load();
  EXPECT_EQ(Landings(sc, "apiv2"),
            (std::map<std::string, double>{{"shop/cart-v2-0", 1.0}}));
  // Once a VirtualService applies there is no default route: 404.
  std::vector<Path> p = PathsOf(sc, "other");
  ASSERT_EQ(Summary(p), std::vector<std::string>{"shop/waypoint|failed"});
  EXPECT_NE(p[0].reason.find("(404)"), std::string::npos) << p[0].reason;
}

TEST(NetworkingTest, SourceLabelsAreDroppedAtWaypointsAndMatchedAtSidecars) {
  // route.go sourceMatchHTTP (#54775): a waypoint drops a match with
  // sourceLabels; a sidecar compares them with its own pod's labels.
  World w = TwoVersionWorld();
  w.Add("east", kSubsets);
  w.Add("east",
        "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
        "metadata:\n  name: cart\n  namespace: shop\nspec:\n  hosts: [cart]\n"
        "  http:\n  - match:\n    - sourceLabels: {role: tester}\n    route:\n"
        "    - destination: {host: cart, subset: v2}\n  - route:\n"
        "    - destination: {host: cart, subset: v1}\n");
  w.Traffic("ambient", "{cluster: east, namespace: client, workload: curl}",
            "{host: cart.shop, port: 80}", "{method: GET, path: /}");
  w.Traffic("sidecar", "{cluster: east, namespace: sc, workload: curl}",
            "{host: cart.shop, port: 80}", "{method: GET, path: /}");
  Scenario sc = w.Load();
  EXPECT_EQ(Landings(sc, "ambient"),
            (std::map<std::string, double>{{"shop/cart-v1-0", 1.0}}));
  EXPECT_EQ(Landings(sc, "sidecar"),
            (std::map<std::string, double>{{"shop/cart-v2-0", 1.0}}));
  // The sidecar routes itself and never reaches the waypoint (§6).
  for (const Path& p : PathsOf(sc, "sidecar")) EXPECT_TRUE(p.waypoints.empty());
}

TEST(NetworkingTest, ThirdNamespaceVirtualServiceIsIgnoredByTheWaypoint) {
  // 1.24+ (fa7f80c226f): only VSs in the waypoint's or the service's
  // namespace apply at a waypoint; earlier releases took the waypoint's
  // own namespace's only (tls.go getConfigsForHost with the proxy's
  // namespace): a third namespace's never.
  for (const auto& [version, expect_v2] :
       std::vector<std::pair<std::string, bool>>{{"1.24", false},
                                                 {"1.23", false}}) {
    World w = TwoVersionWorld("{version: \"" + version + "\"}");
    w.Add("east", kSubsets);
    w.Add("east", Ns("other"));
    w.Add("east",
          "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
          "metadata:\n  name: cart\n  namespace: other\nspec:\n"
          "  hosts: [cart.shop.svc.cluster.local]\n  http:\n  - route:\n"
          "    - destination: {host: cart.shop.svc.cluster.local, subset: "
          "v2}\n");
    w.Traffic("plain", "{cluster: east, namespace: client, workload: curl}",
              "{host: cart.shop, port: 80}", "{method: GET, path: /}");
    std::map<std::string, double> l = Landings(w.Load(), "plain");
    if (expect_v2)
      EXPECT_EQ(l, (std::map<std::string, double>{{"shop/cart-v2-0", 1.0}}))
          << version;
    else
      EXPECT_EQ(l, (std::map<std::string, double>{{"shop/cart-v1-0", 0.5},
                                                  {"shop/cart-v2-0", 0.5}}))
          << version;
  }
}

TEST(NetworkingTest, SeveralVirtualServicesConcatenateFrom128) {
  // #59484 (1.30, backported to 1.28.6 and 1.29.2; a minor is read as its
  // latest patch): the routes of every VS for the host, oldest first;
  // before, only the first VS.
  for (const auto& [version, second_applies] :
       std::vector<std::pair<std::string, bool>>{
           {"1.30", true}, {"1.29", true}, {"1.28", true}, {"1.27", false}}) {
    World w = TwoVersionWorld("{version: \"" + version + "\"}");
    w.Add("east", kSubsets);
    for (const auto& [name, prefix, subset, ts] : std::vector<
             std::tuple<std::string, std::string, std::string, std::string>>{
             {"route-a", "/route-a", "v1", "2024-01-01T00:00:00Z"},
             {"route-b", "/route-b", "v2", "2024-01-02T00:00:00Z"}})
      w.Add("east",
            "apiVersion: networking.istio.io/v1\nkind: "
            "VirtualService\nmetadata:\n  name: " +
                name + "\n  namespace: shop\n  creationTimestamp: " + ts +
                "\nspec:\n  hosts: [cart]\n  http:\n  - match:\n"
                "    - uri: {prefix: " +
                prefix +
                "}\n    route:\n"
                "    - destination: {host: cart, subset: " +
                subset + "}\n");
    w.Traffic("b", "{cluster: east, namespace: client, workload: curl}",
              "{host: cart.shop, port: 80}", "{method: GET, path: /route-b}");
    std::vector<Path> p = PathsOf(w.Load(), "b");
    ASSERT_EQ(p.size(), 1u) << version;
    EXPECT_EQ(p[0].outcome,
              second_applies ? Outcome::kDelivered : Outcome::kFailed)
        << version << ": " << p[0].reason;
  }
}

TEST(NetworkingTest, AbortFaultFailsItsShare) {
  World w = TwoVersionWorld();
  w.Add("east", kSubsets);
  w.Add("east",
        "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
        "metadata:\n  name: cart\n  namespace: shop\nspec:\n  hosts: [cart]\n"
        "  http:\n  - fault:\n      abort:\n        httpStatus: 418\n"
        "        percentage: {value: 25}\n    route:\n"
        "    - destination: {host: cart, subset: v1}\n");
  w.Traffic("t", "{cluster: east, namespace: client, workload: curl}",
            "{host: cart.shop, port: 80}", "{method: GET, path: /}");
  double failed = 0, delivered = 0;
  for (const Path& p : PathsOf(w.Load(), "t")) {
    if (p.outcome == Outcome::kFailed) {
      failed += p.weight;
      EXPECT_NE(p.reason.find("HTTP 418 to 25% of requests"), std::string::npos)
          << p.reason;
    } else {
      delivered += p.weight;
    }
  }
  EXPECT_DOUBLE_EQ(failed, 0.25);
  EXPECT_DOUBLE_EQ(delivered, 0.75);
}

// §16.2: a fault without a percentage injects into no request (the API's
// "if left unspecified, no request will be aborted"; TranslateFault leaves
// Envoy's fraction unset, 0%).
TEST(NetworkingTest, FaultWithoutPercentageInjectsNothing) {
  World w = TwoVersionWorld();
  w.Add("east", kSubsets);
  w.Add("east",
        "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
        "metadata:\n  name: cart\n  namespace: shop\nspec:\n  hosts: [cart]\n"
        "  http:\n  - fault:\n      abort:\n        httpStatus: 418\n"
        "    route:\n    - destination: {host: cart, subset: v1}\n");
  w.Traffic("t", "{cluster: east, namespace: client, workload: curl}",
            "{host: cart.shop, port: 80}", "{method: GET, path: /}");
  for (const Path& p : PathsOf(w.Load(), "t"))
    EXPECT_EQ(p.outcome, Outcome::kDelivered) << p.reason;
}

using testing::AddIngressGateway;

std::string IstioGateway(int port, const std::string& hosts) {
  return "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata:\n"
         "  name: gw\n  namespace: shop\nspec:\n  selector:\n"
         "    istio: ingressgateway\n  servers:\n  - port: {number: " +
         std::to_string(port) +
         ", name: http, protocol: HTTP}\n    hosts: " + hosts + "\n";
}

const char* kGatewayVs =
    "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
    "metadata:\n  name: public\n  namespace: shop\nspec:\n"
    "  hosts: [shop.example.com]\n  gateways: [gw]\n  http:\n  - route:\n"
    "    - destination: {host: cart, port: {number: 80}}\n";

TEST(NetworkingTest, IstioGatewayServerPortIsTheServiceTargetPort) {
  // gateway.go resolvePorts: servers[].port.number is looked up as a
  // Service port of a Service selecting the pod and binds its targetPort;
  // without one the number is bound as written. So with 80 -> 8080, both
  // `number: 80` and `number: 8080` listen on 8080, which the outside
  // client reaches on the Service's port 80.
  for (int number : {80, 8080, 9090}) {
    World w = TwoVersionWorld();
    AddIngressGateway(w);
    w.Add("east", IstioGateway(number, "[\"*\"]")).Add("east", kGatewayVs);
    w.Traffic("in", "{cluster: east, ingress: shop/gw}",
              "{host: shop.example.com, port: 80}", "{method: GET, path: /}");
    std::vector<Path> p = PathsOf(w.Load(), "in");
    ASSERT_FALSE(p.empty());
    for (const Path& x : p) {
      EXPECT_EQ(x.outcome,
                number == 9090 ? Outcome::kFailed : Outcome::kDelivered)
          << number << ": " << x.reason;
      EXPECT_EQ(x.hops.front().name, "istio-system/istio-ingressgateway");
    }
  }
}

// §16.2 (route.go translateMetadataMatch; istio.io jwt-route): at a
// gateway a header match named @request.auth.claims.<claim> matches the
// claims of the token the gateway's RequestAuthentications validated (a
// string claim, any element of a list, a nested claim by its path), never
// a header of that name, and nothing without a validated token.
TEST(NetworkingTest, AGatewayRoutesOnTheValidatedTokensClaims) {
  World w = TwoVersionWorld();
  AddIngressGateway(w);
  w.Add("east", IstioGateway(80, "[\"*\"]"));
  w.Add("east",
        "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
        "metadata:\n  name: public\n  namespace: shop\nspec:\n"
        "  hosts: [shop.example.com]\n  gateways: [gw]\n  http:\n"
        "  - match:\n    - headers:\n        \"@request.auth.claims.groups\": "
        "{exact: group1}\n    - headers:\n"
        "        \"@request.auth.claims[org][Team]\": {prefix: pay}\n"
        "    route:\n    - destination: {host: cart, port: {number: 80}}\n");
  // Without a RequestAuthentication no token is validated: no claim.
  World unchecked = w;
  unchecked.Traffic("in", "{cluster: east, ingress: shop/gw}",
                    "{host: shop.example.com, port: 80}",
                    "{method: GET, path: /, jwt: {iss: good, sub: a, claims: "
                    "{groups: [group1]}}}");
  for (const Path& p : PathsOf(unchecked.Load(), "in"))
    EXPECT_EQ(p.outcome, Outcome::kFailed) << "no validation: " << p.reason;
  w.Add("east",
        "apiVersion: security.istio.io/v1\nkind: RequestAuthentication\n"
        "metadata: {name: jwt, namespace: istio-system}\nspec:\n"
        "  selector: {matchLabels: {istio: ingressgateway}}\n"
        "  jwtRules: [{issuer: good, jwksUri: https://good/jwks}]\n");
  const std::map<std::string, std::pair<std::string, Outcome>> cases = {
      {"list claim",
       {"jwt: {iss: good, sub: a, claims: {groups: [g0, group1]}}",
        Outcome::kDelivered}},
      {"string claim",
       {"jwt: {iss: good, sub: a, claims: {groups: group1}}",
        Outcome::kDelivered}},
      {"nested claim",
       {"jwt: {iss: good, sub: a, claims: {org: {Team: payments}}}",
        Outcome::kDelivered}},
      {"nested claim, other case",
       {"jwt: {iss: good, sub: a, claims: {org: {team: payments}}}",
        Outcome::kFailed}},
      {"other group",
       {"jwt: {iss: good, sub: a, claims: {groups: [group2]}}",
        Outcome::kFailed}},
      {"no token, forged header",
       {"headers: {\"@request.auth.claims.groups\": group1}",
        Outcome::kFailed}},
      // A token no RequestAuthentication validates is never read.
      {"unvalidated token",
       {"jwt: {iss: other, sub: a, claims: {groups: [group1]}}",
        Outcome::kDenied}},
  };
  for (const auto& [name, c] : cases) {
    World x = w;
    x.Traffic("in", "{cluster: east, ingress: shop/gw}",
              "{host: shop.example.com, port: 80}",
              "{method: GET, path: /, " + c.first + "}");
    for (const Path& p : PathsOf(x.Load(), "in"))
      EXPECT_EQ(p.outcome, c.second) << name << ": " << p.reason;
  }
}

// gateway.go: RequireTls is set per virtual host: one a redirecting server
// builds or names redirects; another server's more specific domain on the
// same port does not.
TEST(NetworkingTest, HttpsRedirectIsPerVirtualHost) {
  World w = TwoVersionWorld();
  AddIngressGateway(w);
  w.Add("east",
        "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata:\n"
        "  name: redirect\n  namespace: shop\nspec:\n  selector:\n"
        "    istio: ingressgateway\n  servers:\n  - port: {number: 80, "
        "name: http, protocol: HTTP}\n    hosts: [\"*\"]\n"
        "    tls: {httpsRedirect: true}\n");
  w.Add("east", IstioGateway(80, "[b.example.com, \"*\"]"));
  w.Add("east",
        "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
        "metadata:\n  name: public\n  namespace: shop\nspec:\n"
        "  hosts: [\"*\"]\n  gateways: [gw]\n  http:\n  - route:\n"
        "    - destination: {host: cart, port: {number: 80}}\n");
  w.Traffic("b", "{cluster: east, ingress: shop/gw}",
            "{host: b.example.com, port: 80}", "{method: GET, path: /}");
  w.Traffic("other", "{cluster: east, ingress: shop/gw}",
            "{host: other.example.com, port: 80}", "{method: GET, path: /}");
  const Scenario sc = w.Load();
  for (const Path& p : PathsOf(sc, "b")) EXPECT_TRUE(p.redirect.empty());
  const std::vector<Path> other = PathsOf(sc, "other");
  ASSERT_EQ(other.size(), 1u);
  EXPECT_EQ(other[0].redirect, "301 https://other.example.com/");
}

TEST(NetworkingTest, IstioGatewayServerHostNamespaceRestrictsVirtualServices) {
  // gateway.go pickMatchingGatewayHosts: a server host "ns/host" admits
  // only VirtualServices of ns ("./" is the Gateway's namespace).
  for (const auto& [hosts, ok] : std::vector<std::pair<std::string, bool>>{
           {"[\"./shop.example.com\"]", true},
           {"[\"shop/*\"]", true},
           {"[\"other/shop.example.com\"]", false},
           {"[\"*.example.org\"]", false}}) {
    World w = TwoVersionWorld();
    AddIngressGateway(w);
    w.Add("east", IstioGateway(80, hosts)).Add("east", kGatewayVs);
    w.Traffic("in", "{cluster: east, ingress: shop/gw}",
              "{host: shop.example.com, port: 80}", "{method: GET, path: /}");
    for (const Path& x : PathsOf(w.Load(), "in"))
      EXPECT_EQ(x.outcome, ok ? Outcome::kDelivered : Outcome::kFailed)
          << hosts << ": " << x.reason;
  }
}

// §16.3 (config.go resolveGatewayName; virtualservice_test.go
// gatewayNameTests): a VirtualService names its Gateway as `name` or `./name`
// (its own namespace), `ns/name`, or in the legacy forms `name.ns` and
// `name.ns.svc.cluster.local`; each binds, in spec.gateways and in a match's
// gateways, and a name in another namespace does not.
TEST(NetworkingTest, VirtualServiceGatewayNamesResolveAsIstiodResolvesThem) {
  for (const auto& [gw, ok] : std::vector<std::pair<std::string, bool>>{
           {"gw", true},
           {"./gw", true},
           {"shop/gw", true},
           {"gw.shop", true},
           {"gw.shop.svc.cluster.local", true},
           {"gw.other", false},
           {"other/gw", false}}) {
    for (bool in_match : {false, true}) {
      World w = TwoVersionWorld();
      AddIngressGateway(w);
      std::string vs =
          "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
          "metadata:\n  name: public\n  namespace: shop\nspec:\n"
          "  hosts: [shop.example.com]\n  gateways: [\"" +
          (in_match ? std::string("shop/gw") : gw) + "\"]\n  http:\n";
      if (in_match) vs += "  - match:\n    - gateways: [\"" + gw + "\"]\n";
      vs += std::string(in_match ? "    " : "  - ") +
            "route:\n    - destination: {host: cart, port: {number: 80}}\n";
      w.Add("east", IstioGateway(80, "[\"*\"]")).Add("east", vs);
      w.Traffic("in", "{cluster: east, ingress: shop/gw}",
                "{host: shop.example.com, port: 80}", "{method: GET, path: /}");
      std::vector<Path> p = PathsOf(w.Load(), "in");
      ASSERT_FALSE(p.empty()) << gw;
      for (const Path& x : p)
        EXPECT_EQ(x.outcome, ok ? Outcome::kDelivered : Outcome::kFailed)
            << gw << (in_match ? " in a match: " : ": ") << x.reason;
    }
  }
}

// §16.3 (context.go SetGatewaysForProxy): a Gateway applies to gateway
// proxies only. A selector matching ambient application pods (here
// cart-v1/v2, svc: cart) leaves them as they are, with a warning, so mesh
// traffic to cart still reaches them; an empty selector picks every plain
// gateway proxy (a pod whose spec runs istio-proxy) and nothing else.
TEST(NetworkingTest, AGatewaySelectorPicksGatewayProxiesOnly) {
  for (const std::string selector : {"{svc: cart}", "{}"}) {
    World w = TwoVersionWorld();
    w.Add("east", Ns("istio-system"));
    w.Add("east",
          "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: gwpod\n"
          "  namespace: istio-system\nspec:\n  selector:\n    matchLabels: "
          "{app: gwpod}\n  template:\n    metadata:\n      labels: {app: "
          "gwpod}\n    spec:\n      containers: [{name: istio-proxy, image: "
          "proxy}]\n");
    w.Add("east",
          "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata:\n"
          "  name: gw\n  namespace: shop\nspec:\n  selector: " +
              selector +
              "\n  servers:\n  - port: {number: 80, name: http, protocol: "
              "HTTP}\n    hosts: [\"*\"]\n");
    // A dumped sidecar pod: istio-proxy in its spec and the injector's
    // sidecar.istio.io/status; no gateway proxy.
    w.Add("east",
          "apiVersion: v1\nkind: Pod\nmetadata:\n  name: dumped\n  "
          "namespace: sc\n  labels: {app: dumped}\n  annotations:\n    "
          "sidecar.istio.io/status: '{\"initContainers\":[\"istio-init\"],"
          "\"containers\":[\"istio-proxy\"]}'\nspec:\n  containers:\n  - "
          "{name: app, image: app}\n  - {name: istio-proxy, image: proxy}\n"
          "status: {phase: Running, podIP: 10.9.0.9, conditions: [{type: "
          "Ready, status: \"True\"}]}\n");
    w.Traffic("mesh", "{cluster: east, namespace: client, workload: curl}",
              "{host: cart.shop.svc.cluster.local, port: 80}",
              "{method: GET, path: /}");
    Scenario s = w.Load();
    const Cluster& east = s.mesh.clusters[0];
    for (const Workload& x : east.workloads)
      EXPECT_EQ(x.router, x.owner == "gwpod" && selector == "{}")
          << selector << ": " << x.Key();
    for (const Path& x : PathsOf(s, "mesh")) {
      EXPECT_EQ(x.outcome, Outcome::kDelivered) << selector << ": " << x.reason;
      EXPECT_EQ(x.waypoints, std::vector<std::string>{"shop/waypoint"});
    }
    bool warned = false;
    for (const Diagnostic& d : s.mesh.notes)
      warned |= d.message.find("no gateway proxies") != std::string::npos;
    EXPECT_EQ(warned, selector != "{}") << selector;
  }
}

// §16.3 (gateway.go buildGatewayHTTPRouteConfig): a VirtualService's
// routes are built per gateway, at that gateway's server port, and appended
// to a virtual host server by server, never re-sorted by age across
// servers. So a match naming gateway `internal` is dropped from the routes
// built for `public`, and the newer VirtualService of a first server's
// domain comes before the older one a later server adds there.
TEST(NetworkingTest, GatewayVirtualHostRoutesAreBuiltPerServer) {
  auto gateway = [](const std::string& name, const std::string& hosts,
                    const std::string& when) {
    return "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata:\n"
           "  name: " +
           name + "\n  namespace: shop\n  creationTimestamp: \"" + when +
           "\"\nspec:\n  selector: {istio: ingressgateway}\n  servers:\n" +
           hosts;
  };
  auto server = [](const std::string& host) {
    return "  - port: {number: 80, name: http-" + host.substr(0, 1) +
           ", protocol: HTTP}\n    hosts: [\"" + host + "\"]\n";
  };
  {
    World w = TwoVersionWorld();
    AddIngressGateway(w);
    w.Add("east", kSubsets);
    w.Add("east", gateway("public", server("public.example.com"),
                          "2024-01-01T00:00:00Z"));
    w.Add("east", gateway("internal", server("internal.example.com"),
                          "2024-01-02T00:00:00Z"));
    w.Add("east",
          "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
          "metadata: {name: site, namespace: shop}\nspec:\n"
          "  hosts: [public.example.com, internal.example.com]\n"
          "  gateways: [public, internal]\n  http:\n"
          "  - match: [{uri: {prefix: /admin}, gateways: [shop/internal]}]\n"
          "    route: [{destination: {host: cart, subset: v2}}]\n"
          "  - route: [{destination: {host: cart, subset: v1}}]\n");
    for (const char* host : {"public", "internal"})
      w.Traffic(host, "{cluster: east, ingress: shop/public}",
                "{host: " + std::string(host) + ".example.com, port: 80}",
                "{method: GET, path: /admin}");
    Scenario sc = w.Load();
    EXPECT_EQ(Landings(sc, "public"),
              (std::map<std::string, double>{{"shop/cart-v1-0", 1.0}}));
    EXPECT_EQ(Landings(sc, "internal"),
              (std::map<std::string, double>{{"shop/cart-v2-0", 1.0}}));
  }
  {
    World w = TwoVersionWorld();
    AddIngressGateway(w);
    w.Add("east", kSubsets);
    w.Add("east",
          gateway("gw", server("*.example.com") + server("x.example.com"),
                  "2024-01-01T00:00:00Z"));
    auto vs = [](const std::string& name, const std::string& host,
                 const std::string& when, const std::string& subset) {
      return "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
             "metadata: {name: " +
             name + ", namespace: shop, creationTimestamp: \"" + when +
             "\"}\nspec:\n  hosts: [\"" + host +
             "\"]\n  gateways: [gw]\n  http:\n"
             "  - match: [{uri: {prefix: /api}}]\n"
             "    route: [{destination: {host: cart.shop.svc.cluster.local, "
             "subset: " +
             subset + "}}]\n";
    };
    w.Add("east", vs("older", "*", "2024-01-01T00:00:00Z", "v1"));
    w.Add("east", vs("newer", "x.example.com", "2024-01-02T00:00:00Z", "v2"));
    w.Traffic("x", "{cluster: east, ingress: shop/gw}",
              "{host: x.example.com, port: 80}", "{method: GET, path: /api}");
    EXPECT_EQ(Landings(w.Load(), "x"),
              (std::map<std::string, double>{{"shop/cart-v2-0", 1.0}}));
  }
  {
    // A VirtualService whose only match names sourceLabels the gateway pod
    // lacks keeps no route: istiod builds no virtual host of it, and the
    // `*` VirtualService's serves the Host (route.go: "no routes matched").
    World w = TwoVersionWorld();
    AddIngressGateway(w);
    w.Add("east", kSubsets);
    w.Add("east", gateway("gw", server("*"), "2024-01-01T00:00:00Z"));
    w.Add("east",
          "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
          "metadata: {name: a, namespace: shop}\nspec:\n"
          "  hosts: [a.example.com]\n  gateways: [gw]\n  http:\n"
          "  - match: [{sourceLabels: {app: nope}}]\n"
          "    route: [{destination: {host: cart, subset: v2}}]\n");
    w.Add("east",
          "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
          "metadata: {name: star, namespace: shop}\nspec:\n"
          "  hosts: [\"*\"]\n  gateways: [gw]\n  http:\n"
          "  - route: [{destination: {host: cart.shop.svc.cluster.local, "
          "subset: v1}}]\n");
    w.Traffic("a", "{cluster: east, ingress: shop/gw}",
              "{host: a.example.com, port: 80}", "{method: GET, path: /}");
    EXPECT_EQ(Landings(w.Load(), "a"),
              (std::map<std::string, double>{{"shop/cart-v1-0", 1.0}}));
  }
}

TEST(NetworkingTest, FailoverPriorityNeedsOutlierDetection) {
  // loadbalancer.go ApplyLocalityLoadBalancer: failoverPriority applies
  // only when the merged policy has outlierDetection; it ranks endpoints
  // by the leading labels they share with the proxy (here the waypoint,
  // whose node is in zone a).
  for (const bool outlier : {false, true}) {
    World w;
    w.Cluster("east", "net-east", 1);
    w.Add("east", Ns("client", {{Ambient(), "ambient"}}));
    w.Add("east", Deploy("client", "curl"));
    w.Add("east", Ns("shop", {{Ambient(), "ambient"},
                              {"istio.io/use-waypoint", "waypoint"}}));
    w.Add("east", Waypoint("shop", "waypoint"));
    w.Add("east",
          Deploy("shop", "cart-v1", 1, {{"version", "v1"}, {"svc", "cart"}}));
    w.Add("east",
          Deploy("shop", "cart-v2", 1, {{"version", "v2"}, {"svc", "cart"}}));
    w.Add("east", CartService());
    w.Add("east",
          std::string("apiVersion: networking.istio.io/v1\nkind: "
                      "DestinationRule\nmetadata:\n  name: cart\n  namespace: "
                      "shop\nspec:\n  host: cart\n  trafficPolicy:\n"
                      "    loadBalancer:\n      localityLbSetting:\n"
                      "        failoverPriority: [\"version=v2\"]\n") +
              (outlier ? "    outlierDetection: {consecutive5xxErrors: 1}\n"
                       : ""));
    w.Traffic("t", "{cluster: east, namespace: client, workload: curl}",
              "{host: cart.shop, port: 80}", "{method: GET, path: /}");
    std::map<std::string, double> l = Landings(w.Load(), "t");
    if (outlier)
      EXPECT_EQ(l, (std::map<std::string, double>{{"shop/cart-v2-0", 1.0}}));
    else
      EXPECT_EQ(l, (std::map<std::string, double>{{"shop/cart-v1-0", 0.5},
                                                  {"shop/cart-v2-0", 0.5}}));
  }
}

TEST(NetworkingTest, FailoverPriorityNeverPicksPodsOfAGatewaylessNetwork) {
  // §7.2: cart-v2 runs only in west, whose network no east-west gateway
  // serves, so istiod gives east no endpoint for it; the failover priority
  // preferring v2 ranks what remains (east's v1), and nothing fails.
  World w;
  w.Cluster("east", "net-east", 1).Cluster("west", "net-west", 1);
  const std::string global =
      "apiVersion: v1\nkind: Service\nmetadata:\n  name: cart\n"
      "  namespace: shop\n  labels: {istio.io/global: \"true\"}\nspec:\n"
      "  selector:\n    svc: cart\n  ports:\n  - port: 80\n    name: http\n";
  for (const char* c : {"east", "west"}) {
    w.Add(c, Ns("shop", {{Ambient(), "ambient"},
                         {"istio.io/use-waypoint", "waypoint"}}));
    w.Add(c, Waypoint("shop", "waypoint"));
    w.Add(c, global);
  }
  w.Add("east", Ns("istio-system"));
  w.Add("east", testing::EastWest("net-east"));
  w.Add("east", Ns("client", {{Ambient(), "ambient"}}));
  w.Add("east", Deploy("client", "curl"));
  w.Add("east",
        Deploy("shop", "cart-v1", 1, {{"version", "v1"}, {"svc", "cart"}}));
  w.Add("west",
        Deploy("shop", "cart-v2", 1, {{"version", "v2"}, {"svc", "cart"}}));
  w.Add("east",
        "apiVersion: networking.istio.io/v1\nkind: DestinationRule\n"
        "metadata:\n  name: cart\n  namespace: shop\nspec:\n  host: cart\n"
        "  trafficPolicy:\n    loadBalancer:\n      localityLbSetting:\n"
        "        failoverPriority: [\"version=v2\"]\n"
        "    outlierDetection: {consecutive5xxErrors: 1}\n");
  w.Traffic("t", "{cluster: east, namespace: client, workload: curl}",
            "{host: cart.shop, port: 80}", "{method: GET, path: /}");
  EXPECT_EQ(Landings(w.Load(), "t"),
            (std::map<std::string, double>{{"shop/cart-v1-0", 1.0}}));
}

TEST(NetworkingTest, TrafficDistributionHoldsUnderAPoolOnlyDestinationRule) {
  // loadbalancer.go GetEffectiveLbSetting: a DR without localityLbSetting
  // leaves the Service's trafficDistribution in force at a sidecar.
  for (const bool with_dr : {false, true}) {
    World w;
    w.Cluster("east", "net-east", 1);
    w.Add("east", Ns("sc", {{"istio-injection", "enabled"}}));
    w.Add("east", Deploy("sc", "curl", 1, {}, "      nodeName: n-a\n"));
    w.Add("east", Ns("shop", {{Ambient(), "ambient"}}));
    w.Add("east", Deploy("shop", "cart-v1", 1, {{"svc", "cart"}},
                         "      nodeName: n-a\n"));
    w.Add("east", Deploy("shop", "cart-v2", 1, {{"svc", "cart"}},
                         "      nodeName: n-b\n"));
    w.Add("east", CartService() + "  trafficDistribution: PreferClose\n");
    if (with_dr)
      w.Add("east",
            "apiVersion: networking.istio.io/v1\nkind: DestinationRule\n"
            "metadata:\n  name: cart\n  namespace: sc\nspec:\n"
            "  host: cart.shop.svc.cluster.local\n  trafficPolicy:\n"
            "    connectionPool: {http: {http2MaxRequests: 10}}\n");
    w.Traffic("t", "{cluster: east, namespace: sc, workload: curl}",
              "{host: cart.shop, port: 80}", "{method: GET, path: /}");
    std::string text = w.Text();
    const std::string nodes = "  nodes: 1\n";
    ASSERT_NE(text.find(nodes), std::string::npos);
    text.replace(text.find(nodes), nodes.size(),
                 "  nodes:\n  - {name: n-a, zone: z-a, region: r}\n"
                 "  - {name: n-b, zone: z-b, region: r}\n");
    Diagnostics diags;
    std::optional<Scenario> sc = LoadScenarioText(text, "w.yaml", ".", diags);
    std::ostringstream msg;
    diags.Print(msg);
    ASSERT_TRUE(sc && !diags.HasErrors()) << msg.str();
    EXPECT_EQ(Landings(*sc, "t"),
              (std::map<std::string, double>{{"shop/cart-v1-0", 1.0}}))
        << with_dr;
  }
}

// Where the sidecar client sc/curl's requests to cart.shop land when the
// world's one-node cluster gets the nodes `nodes` (YAML list items).
std::map<std::string, double> CurlLandingsOnNodes(World& w,
                                                  const std::string& nodes) {
  w.Traffic("t", "{cluster: east, namespace: sc, workload: curl}",
            "{host: cart.shop, port: 80}", "{method: GET, path: /}");
  std::string text = w.Text();
  const std::string one = "  nodes: 1\n";
  text.replace(text.find(one), one.size(), "  nodes:\n" + nodes);
  Diagnostics diags;
  std::optional<Scenario> sc = LoadScenarioText(text, "w.yaml", ".", diags);
  std::ostringstream msg;
  diags.Print(msg);
  EXPECT_TRUE(sc && !diags.HasErrors()) << msg.str();
  return sc ? Landings(*sc, "t") : std::map<std::string, double>{};
}

// A sidecar client on node n-a and cart pods on nodes n-a, n-b and n-c,
// whose localities `nodes` gives, with the DestinationRule `dr` (its
// trafficPolicy) at the client: where the requests land.
std::map<std::string, double> LocalityLandings(
    const std::string& nodes, const std::string& dr,
    const std::string& cart_a_node = "n-a") {
  World w;
  w.Cluster("east", "net-east", 1);
  w.Add("east", Ns("sc", {{"istio-injection", "enabled"}}));
  w.Add("east", Deploy("sc", "curl", 1, {}, "      nodeName: n-a\n"));
  w.Add("east", Ns("shop", {{Ambient(), "ambient"}}));
  w.Add("east", Deploy("shop", "cart-a", 2, {{"svc", "cart"}},
                       "      nodeName: " + cart_a_node + "\n"));
  w.Add("east", Deploy("shop", "cart-b", 1, {{"svc", "cart"}},
                       "      nodeName: n-b\n"));
  w.Add("east", Deploy("shop", "cart-c", 1, {{"svc", "cart"}},
                       "      nodeName: n-c\n"));
  w.Add("east", CartService());
  w.Add("east",
        "apiVersion: networking.istio.io/v1\nkind: DestinationRule\n"
        "metadata:\n  name: cart\n  namespace: sc\nspec:\n"
        "  host: cart.shop.svc.cluster.local\n  trafficPolicy:\n" +
            dr);
  return CurlLandingsOnNodes(w, nodes);
}

TEST(NetworkingTest, LocalityDistributeWeighsLocalitiesByTheirEndpoints) {
  // loadbalancer.go applyLocalityWeights: the proxy in r/z-a matches the
  // entry; z-a's 80 is shared by its two pods, z-b's 20 by its one, and
  // z-c, in no `to` locality, gets nothing. No outlierDetection needed.
  const std::string nodes =
      "  - {name: n-a, zone: z-a, region: r}\n"
      "  - {name: n-b, zone: z-b, region: r}\n"
      "  - {name: n-c, zone: z-c, region: r}\n";
  const std::string dr =
      "    loadBalancer:\n      localityLbSetting:\n        distribute:\n"
      "        - from: r/z-a/*\n          to: {\"r/z-a/*\": 80, \"r/z-b/*\": "
      "20}\n";
  EXPECT_EQ(LocalityLandings(nodes, dr),
            (std::map<std::string, double>{{"shop/cart-a-0", 0.4},
                                           {"shop/cart-a-1", 0.4},
                                           {"shop/cart-b-0", 0.2}}));
  // An entry for another locality leaves the endpoints alone.
  std::string other = dr;
  other.replace(other.find("from: r/z-a/*"), 13, "from: q/*");
  const double third = 1.0 / 4;
  EXPECT_EQ(LocalityLandings(nodes, other),
            (std::map<std::string, double>{{"shop/cart-a-0", third},
                                           {"shop/cart-a-1", third},
                                           {"shop/cart-b-0", third},
                                           {"shop/cart-c-0", third}}));
}

TEST(NetworkingTest, LocalityFailoverSendsToTheFailoverRegion) {
  // loadbalancer.go applyLocalityFailover, with outlierDetection: the
  // client's region r1 has no cart pod; every other region is priority 3,
  // unless `failover` names the one for r1 (3), the others becoming 4.
  const std::string nodes =
      "  - {name: n-a, zone: z-a, region: r1}\n"
      "  - {name: n-b, zone: z-b, region: r2}\n"
      "  - {name: n-c, zone: z-c, region: r3}\n";
  const std::string base =
      "    outlierDetection: {consecutive5xxErrors: 1}\n"
      "    loadBalancer:\n      localityLbSetting:\n        enabled: true\n";
  const double quarter = 0.25, third = 1.0 / 3;
  EXPECT_EQ(LocalityLandings(nodes, base, "n-b"),
            (std::map<std::string, double>{{"shop/cart-a-0", quarter},
                                           {"shop/cart-a-1", quarter},
                                           {"shop/cart-b-0", quarter},
                                           {"shop/cart-c-0", quarter}}));
  EXPECT_EQ(
      LocalityLandings(nodes, base + "        failover: [{from: r1, to: r3}]\n",
                       "n-b"),
      (std::map<std::string, double>{{"shop/cart-c-0", 1.0}}));
  EXPECT_EQ(
      LocalityLandings(nodes, base + "        failover: [{from: r1, to: r2}]\n",
                       "n-b"),
      (std::map<std::string, double>{{"shop/cart-a-0", third},
                                     {"shop/cart-a-1", third},
                                     {"shop/cart-b-0", third}}));
  // The proxy's own region first when it has pods there.
  EXPECT_EQ(LocalityLandings(nodes, base),
            (std::map<std::string, double>{{"shop/cart-a-0", 0.5},
                                           {"shop/cart-a-1", 0.5}}));
}

// A sidecar client on n-a and cart pods on n-a, n-b and n-c; the Service's
// trafficDistribution `td`: where the requests land.
std::map<std::string, double> DistributionLandings(
    const std::string& nodes, const std::string& td,
    const std::vector<std::string>& carts = {"a", "b", "c"}) {
  World w;
  w.Cluster("east", "net-east", 1);
  w.Add("east", Ns("sc", {{"istio-injection", "enabled"}}));
  w.Add("east", Deploy("sc", "curl", 1, {}, "      nodeName: n-a\n"));
  w.Add("east", Ns("shop", {{Ambient(), "ambient"}}));
  for (const std::string& n : carts)
    w.Add("east", Deploy("shop", "cart-" + n, 1, {{"svc", "cart"}},
                         "      nodeName: n-" + n + "\n"));
  w.Add("east", CartService() + "  trafficDistribution: " + td + "\n");
  return CurlLandingsOnNodes(w, nodes);
}

TEST(NetworkingTest, TrafficDistributionRanksByLeadingScopes) {
  // ztunnel's routing preferences and istiod's failover priorities count
  // the leading scopes an endpoint shares with the client: once the region
  // differs, an equal zone name counts for nothing.
  const std::string apart =
      "  - {name: n-a, zone: z, region: r1}\n"
      "  - {name: n-b, zone: z, region: r2}\n"
      "  - {name: n-c, zone: y, region: r3}\n";
  EXPECT_EQ(DistributionLandings(apart, "PreferClose", {"b", "c"}),
            (std::map<std::string, double>{{"shop/cart-b-0", 0.5},
                                           {"shop/cart-c-0", 0.5}}));
  // PreferSameNode (Kubernetes 1.33): the client's own node first, then its
  // zone; PreferClose treats the zone as one.
  const std::string zone =
      "  - {name: n-a, zone: z, region: r}\n"
      "  - {name: n-b, zone: z, region: r}\n"
      "  - {name: n-c, zone: y, region: r}\n";
  EXPECT_EQ(DistributionLandings(zone, "PreferSameNode"),
            (std::map<std::string, double>{{"shop/cart-a-0", 1.0}}));
  EXPECT_EQ(DistributionLandings(zone, "PreferClose"),
            (std::map<std::string, double>{{"shop/cart-a-0", 0.5},
                                           {"shop/cart-b-0", 0.5}}));
}

TEST(NetworkingTest, SubzonesRankAfterTheZone) {
  // util.LbPriority with outlierDetection: another subzone of the proxy's
  // zone (1) before another zone (2); the proxy's own subzone first (0).
  const std::string dr =
      "    outlierDetection: {consecutive5xxErrors: 1}\n"
      "    loadBalancer:\n      localityLbSetting:\n        enabled: true\n";
  const std::string nodes =
      "  - {name: n-a, zone: z, region: r, subzone: s1}\n"
      "  - {name: n-b, zone: z, region: r, subzone: s2}\n"
      "  - {name: n-c, zone: y, region: r, subzone: s1}\n";
  EXPECT_EQ(LocalityLandings(nodes, dr),
            (std::map<std::string, double>{{"shop/cart-a-0", 0.5},
                                           {"shop/cart-a-1", 0.5}}));
  EXPECT_EQ(LocalityLandings(nodes, dr, "n-c"),
            (std::map<std::string, double>{{"shop/cart-b-0", 1.0}}));
  // `distribute` localities are region/zone/subzone.
  const std::string distribute =
      "    loadBalancer:\n      localityLbSetting:\n        distribute:\n"
      "        - from: r/z/s1\n          to: {\"r/z/s2\": 100}\n";
  EXPECT_EQ(LocalityLandings(nodes, distribute),
            (std::map<std::string, double>{{"shop/cart-b-0", 1.0}}));
  // failoverPriority may name the subzone label.
  const std::string by_label =
      "    outlierDetection: {consecutive5xxErrors: 1}\n"
      "    loadBalancer:\n      localityLbSetting:\n        "
      "failoverPriority: [topology.istio.io/subzone]\n";
  EXPECT_EQ(LocalityLandings(nodes, by_label, "n-b"),
            (std::map<std::string, double>{{"shop/cart-c-0", 1.0}}));
  // PreferSameNode ranks the subzone after the zone (ztunnel's routing
  // preferences NETWORK, REGION, ZONE, SUBZONE, NODE); PreferClose stops at
  // the zone.
  const std::string same_zone =
      "  - {name: n-a, zone: z, region: r, subzone: s1}\n"
      "  - {name: n-b, zone: z, region: r, subzone: s1}\n"
      "  - {name: n-c, zone: z, region: r, subzone: s2}\n";
  EXPECT_EQ(DistributionLandings(same_zone, "PreferSameNode", {"b", "c"}),
            (std::map<std::string, double>{{"shop/cart-b-0", 1.0}}));
  EXPECT_EQ(DistributionLandings(same_zone, "PreferClose", {"b", "c"}),
            (std::map<std::string, double>{{"shop/cart-b-0", 0.5},
                                           {"shop/cart-c-0", 0.5}}));
}

// A sidecar client on n-a (zone z-a) and cart pods: cart-a-0 on n-a, a
// not-ready pod cart-sick on n-a, cart-b-0 on n-b (zone z-b); a
// DestinationRule with outlierDetection (and `extra` in it) at the client,
// Istio release `version`: where the requests land.
std::map<std::string, double> HalfReadyLandings(
    const std::string& version, const std::string& extra, bool with_dr = true,
    const std::string& td = "", bool sidecar = true,
    const std::string& sick_phase = "Running", bool publish = false) {
  World w("{version: \"" + version + "\"}");
  w.Cluster("east", "net-east", 1);
  w.Add("east", Ns("sc", {{sidecar ? "istio-injection" : Ambient(),
                           sidecar ? "enabled" : "ambient"}}));
  w.Add("east", Deploy("sc", "curl", 1, {}, "      nodeName: n-a\n"));
  w.Add("east", Ns("shop", {{Ambient(), "ambient"}}));
  w.Add("east", Deploy("shop", "cart-a", 1, {{"svc", "cart"}},
                       "      nodeName: n-a\n"));
  w.Add("east", Deploy("shop", "cart-b", 1, {{"svc", "cart"}},
                       "      nodeName: n-b\n"));
  w.Add("east",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: cart-sick\n"
        "  namespace: shop\n  labels: {svc: cart}\nspec:\n  nodeName: n-a\n"
        "  containers: [{name: c, image: c}]\nstatus:\n  phase: " +
            sick_phase +
            "\n  conditions: [{type: Ready, status: \"False\"}]\n");
  w.Add("east", CartService() +
                    (td.empty() ? "" : "  trafficDistribution: " + td + "\n") +
                    (publish ? "  publishNotReadyAddresses: true\n" : ""));
  if (with_dr)
    w.Add("east",
          "apiVersion: networking.istio.io/v1\nkind: DestinationRule\n"
          "metadata:\n  name: cart\n  namespace: sc\nspec:\n"
          "  host: cart.shop.svc.cluster.local\n  trafficPolicy:\n"
          "    outlierDetection: {consecutive5xxErrors: 1" +
              extra + "}\n");
  return CurlLandingsOnNodes(w,
                             "  - {name: n-a, zone: z-a, region: r}\n"
                             "  - {name: n-b, zone: z-b, region: r}\n");
}

TEST(NetworkingTest, NotReadyEndpointsSpillPerTheOverprovisioningFactor) {
  // Before 1.31 istiod drops the not-ready pod: the proxy's zone keeps
  // every request while it has a ready pod.
  EXPECT_EQ(HalfReadyLandings("1.30", ""),
            (std::map<std::string, double>{{"shop/cart-a-0", 1.0}}));
  // 1.31 sends it as unhealthy (PILOT_AUTO_SEND_UNHEALTHY_ENDPOINTS): the
  // zone's priority is 1 of 2 healthy, health min(100, 140 x 1/2) = 70, so
  // it takes 70% and the next priority 30% (Envoy's priority load).
  const std::map<std::string, double> spilled = {{"shop/cart-a-0", 0.7},
                                                 {"shop/cart-b-0", 0.3}};
  const std::map<std::string, double> got = HalfReadyLandings("1.31", "");
  ASSERT_EQ(got.size(), spilled.size());
  for (const auto& [pod, share] : spilled)
    EXPECT_NEAR(got.at(pod), share, 1e-9) << pod;
  // minHealthPercent set: istiod does not send it, as before 1.31.
  EXPECT_EQ(HalfReadyLandings("1.31", ", minHealthPercent: 50"),
            (std::map<std::string, double>{{"shop/cart-a-0", 1.0}}));
  // A trafficDistribution at an Envoy proxy (the sidecar) is failover
  // priorities over network, region and zone with not-ready endpoints sent
  // in every release: the same 70/30 in 1.30, with no DestinationRule.
  const std::map<std::string, double> sidecar =
      HalfReadyLandings("1.30", "", false, "PreferClose");
  ASSERT_EQ(sidecar.size(), spilled.size());
  for (const auto& [pod, share] : spilled)
    EXPECT_NEAR(sidecar.at(pod), share, 1e-9) << pod;
  // ztunnel knows only healthy workloads: an ambient client's requests
  // stay in its zone.
  EXPECT_EQ(HalfReadyLandings("1.30", "", false, "PreferClose", false),
            (std::map<std::string, double>{{"shop/cart-a-0", 1.0}}));
  // Envoys read no traffic distribution before 1.25: the sidecar spreads
  // over both zones' ready pods.
  EXPECT_EQ(HalfReadyLandings("1.24", "", false, "PreferClose"),
            (std::map<std::string, double>{{"shop/cart-b-0", 0.5},
                                           {"shop/cart-a-0", 0.5}}));
}

// §3.6: Envoy's priorities count a not-ready pod its Service publishes as
// healthy (the zone keeps every request, shared with it), and an ended pod
// not at all (it is in no EndpointSlice, not even as unhealthy).
TEST(NetworkingTest, PublishedAndEndedPodsInEnvoysPriorities) {
  const std::map<std::string, double> published = HalfReadyLandings(
      "1.30", "", false, "PreferClose", true, "Running", true);
  const std::map<std::string, double> shared = {{"shop/cart-a-0", 0.5},
                                                {"shop/cart-sick", 0.5}};
  ASSERT_EQ(published.size(), shared.size());
  for (const auto& [pod, share] : shared)
    EXPECT_NEAR(published.at(pod), share, 1e-9) << pod;
  EXPECT_EQ(HalfReadyLandings("1.30", "", false, "PreferClose", true, "Failed"),
            (std::map<std::string, double>{{"shop/cart-a-0", 1.0}}));
}

TEST(NetworkingTest, SidecarTlsDisableStillSendsHboneToAmbientPods) {
  // §16.1: a sidecar's DestinationRule with tls.mode DISABLE sends
  // plaintext to an endpoint it reaches without HBONE; an ambient pod still
  // gets HBONE with the client's identity (applyHBONETransportSocketMatches),
  // so STRICT admits it. A sidecar pod, though labelled
  // networking.istio.io/tunnel=http by the ambient profile's injector, is
  // reached with Istio mTLS (its security.istio.io/tlsMode=istio label turns
  // the tunnel off, endpoint_builder.go, PILOT_PREFER_SENDING_HBONE off):
  // DISABLE is plaintext there, which its STRICT sidecar refuses.
  for (const bool sidecar_dest : {true, false})
    for (const bool disable : {false, true}) {
      World w;
      w.Cluster("east", "net-east", 2);
      w.Add("east", Ns("sc", {{"istio-injection", "enabled"}}));
      w.Add("east", Deploy("sc", "curl"));
      w.Add("east", sidecar_dest ? Ns("shop", {{"istio-injection", "enabled"}})
                                 : Ns("shop", {{Ambient(), "ambient"}}));
      w.Add("east", Deploy("shop", "cart-v1", 1, {{"svc", "cart"}}));
      w.Add("east", CartService());
      w.Add("east",
            "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\n"
            "metadata:\n  name: strict\n  namespace: shop\nspec:\n"
            "  mtls: {mode: STRICT}\n");
      w.Add(
          "east",
          std::string("apiVersion: networking.istio.io/v1\nkind: "
                      "DestinationRule\nmetadata:\n  name: cart\n  namespace: "
                      "sc\nspec:\n  host: cart.shop.svc.cluster.local\n"
                      "  trafficPolicy:\n    tls: {mode: ") +
              (disable ? "DISABLE" : "ISTIO_MUTUAL") + "}\n");
      w.Traffic("t", "{cluster: east, namespace: sc, workload: curl}",
                "{host: cart.shop, port: 80}", "{method: GET, path: /}");
      std::vector<Path> p = PathsOf(w.Load(), "t");
      ASSERT_EQ(p.size(), 1u);
      const bool refused = sidecar_dest && disable;
      EXPECT_EQ(p[0].outcome, refused ? Outcome::kDenied : Outcome::kDelivered)
          << p[0].reason;
      if (refused) {
        ASSERT_TRUE(p[0].denied_by);
        EXPECT_EQ(p[0].denied_by->policy, "shop/strict");
      }
    }
}

}  // namespace
}  // namespace meshsim

namespace meshsim {
namespace {

// §9 (pilot/pkg/config/kube/gateway/route_collections.go, enforceRefGrant =
// !mesh; gatewaycommon/references.go BackendAllowed): a Gateway route's
// backend in another namespace is reached only when a ReferenceGrant there
// names the route's kind and namespace and the Service (by name, or every
// Service when the name is left out). The bundled scenario's grant is edited
// one field at a time; each edit that stops matching makes the request fail.
TEST(ReferenceGrantTest, GatewayRouteBackendNeedsAMatchingGrant) {
  const std::string file = "scenarios/reference-grant/scenario.yaml";
  std::ifstream in(file);
  const std::string text((std::istreambuf_iterator<char>(in)),
                         std::istreambuf_iterator<char>());
  ASSERT_FALSE(text.empty());
  const std::string to = "to: [{group: \"\", kind: Service, name: cart}]";
  const std::string from =
      "from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: "
      "ingress}]";
  ASSERT_NE(text.find(to), std::string::npos);
  ASSERT_NE(text.find(from), std::string::npos);
  auto outcomes =
      [&](const std::vector<std::pair<std::string, std::string>>& edits) {
        std::string t = text;
        for (const auto& [old_text, new_text] : edits)
          if (!old_text.empty())
            t.replace(t.find(old_text), old_text.size(), new_text);
        Diagnostics d;
        auto sc = LoadScenarioText(t, file, "scenarios/reference-grant", d);
        EXPECT_TRUE(sc && !d.HasErrors());
        if (!sc) return std::string("bad input");
        std::string out;
        for (const Path& p : PathsOf(*sc, "ingress-cart"))
          out += std::string(OutcomeName(p.outcome)) + ";";
        return out;
      };
  auto outcome = [&](const std::string& old_text, const std::string& new_text) {
    return outcomes({{old_text, new_text}});
  };
  EXPECT_EQ(outcome("", ""), "delivered;");
  // Every Service of shop: the name left out.
  EXPECT_EQ(outcome(to, "to: [{group: \"\", kind: Service}]"), "delivered;");
  EXPECT_EQ(outcome(to, "to: [{group: \"\", kind: Service, name: other}]"),
            "failed;");
  EXPECT_EQ(outcome(from,
                    "from: [{group: gateway.networking.k8s.io, kind: "
                    "HTTPRoute, namespace: elsewhere}]"),
            "failed;");
  EXPECT_EQ(outcome(from,
                    "from: [{group: gateway.networking.k8s.io, kind: "
                    "GRPCRoute, namespace: ingress}]"),
            "failed;");
  // A kind in a group Istio does not read is left out (another controller's),
  // as is the core group written "core" (NormalizeReference knows it as "").
  EXPECT_EQ(
      outcome(to, "to: [{group: example.com, kind: Service, name: cart}]"),
      "failed;");
  EXPECT_EQ(outcome(to, "to: [{group: core, kind: Service, name: cart}]"),
            "failed;");
  // A Hostname backendRef into another namespace meets the grant check
  // first (conversion.go buildDestination), which no grant passes for a
  // Hostname: that backend alone is dropped, and the route's /cart stays.
  EXPECT_EQ(
      outcome("backendRefs: [{name: orders, namespace: orders, port: 80}]",
              "backendRefs: [{group: networking.istio.io, kind: "
              "Hostname, name: orders.orders.svc.cluster.local, "
              "namespace: orders, port: 80}]"),
      "delivered;");
  // A Service named by a host name: without a grant for it only that
  // backend is dropped; once a grant admits it, "service name invalid" is
  // a hard error and the whole route is rejected (/cart too).
  const std::string dotted =
      "backendRefs: [{name: cart.shop.svc.cluster.local, namespace: shop, "
      "port: 80}]";
  const std::string orders =
      "backendRefs: [{name: orders, namespace: orders, port: 80}]";
  EXPECT_EQ(outcomes({{orders, dotted}}), "delivered;");
  EXPECT_EQ(
      outcomes({{orders, dotted}, {to, "to: [{group: \"\", kind: Service}]"}}),
      "failed;");
}

// §9 (conversion.go buildSecretReference): an HTTPS listener's certificate
// in another namespace needs a ReferenceGrant there from the Gateway's
// namespace to the Secret; without one istiod does not program the
// listener and the request finds no listener. A Secret of the Gateway's own
// namespace needs none.
TEST(ReferenceGrantTest, AListenerCertificateInAnotherNamespaceNeedsAGrant) {
  const std::string file = "scenarios/reference-grant/scenario.yaml";
  std::ifstream in(file);
  const std::string text((std::istreambuf_iterator<char>(in)),
                         std::istreambuf_iterator<char>());
  const std::string listener =
      "listeners: [{name: http, port: 80, protocol: HTTP}]";
  ASSERT_NE(text.find(listener), std::string::npos);
  const std::string anchor = "traffic:\n";
  auto with_refs = [&](const std::string& refs, bool grant) {
    std::string t = text;
    t.replace(t.find(listener), listener.size(),
              "listeners: [{name: https, port: 80, protocol: HTTPS, tls: "
              "{certificateRefs: " +
                  refs + "}}]");
    if (grant)
      t.insert(t.find(anchor),
               "      - apiVersion: gateway.networking.k8s.io/v1beta1\n"
               "        kind: ReferenceGrant\n"
               "        metadata: {name: certs, namespace: certs}\n"
               "        spec:\n          from: [{group: "
               "gateway.networking.k8s.io, kind: Gateway, namespace: "
               "ingress}]\n          to: [{group: \"\", kind: Secret}]\n");
    Diagnostics d;
    auto sc = LoadScenarioText(t, file, "scenarios/reference-grant", d);
    EXPECT_TRUE(sc && !d.HasErrors());
    if (!sc) return std::string("bad input");
    std::string out;
    for (const Path& p : PathsOf(*sc, "ingress-cart"))
      out += std::string(OutcomeName(p.outcome)) + ";";
    bool warned = false;
    for (const Diagnostic& x : sc->mesh.notes)
      warned |= x.message.find("Programmed=Invalid") != std::string::npos;
    return out + (warned ? "warned" : "");
  };
  auto outcome = [&](const std::string& secret_ns, bool grant) {
    return with_refs("[{name: cert, namespace: " + secret_ns + "}]", grant);
  };
  EXPECT_EQ(outcome("ingress", false), "delivered;");
  EXPECT_EQ(outcome("certs", true), "delivered;");
  EXPECT_EQ(outcome("certs", false), "failed;warned");
  // One readable certificate of two is enough (buildTLS skips the other);
  // a ref that is no Secret is refused (InvalidTLS), and so are more than
  // two refs.
  EXPECT_EQ(with_refs("[{name: a}, {name: cert, namespace: certs}]", false),
            "delivered;");
  EXPECT_EQ(with_refs("[{kind: ConfigMap, name: a}]", false), "failed;warned");
  EXPECT_EQ(with_refs("[{name: a}, {name: b}, {name: c}]", false),
            "failed;warned");
}

// §9 (conversion.go createGRPCURIMatch): a GRPCRoute's method match is the
// path /<service>/<method>: Exact service and method an exact path, a
// service alone a prefix, a method alone (or RegularExpression) a regular
// expression over both segments; a rule without matches comes after every
// match, even a regular expression (a GRPCRoute has no default match).
// Namespace shop bound to its waypoint, Services cart-<backend> beside cart,
// and GRPCRoute shop/grpc on cart with `rules` (YAML list items).
testing::World GrpcWorld(const std::vector<std::string>& backends,
                         const std::string& rules) {
  testing::World w = testing::ShopWorld(
      {{testing::Ambient(), "ambient"}, {"istio.io/use-waypoint", "waypoint"}});
  w.Add("east", testing::Waypoint("shop", "waypoint"));
  for (const std::string& v : backends) {
    w.Add("east", testing::Deploy("shop", "cart-" + v));
    w.Add("east", testing::Svc("shop", "cart-" + v, 80));
  }
  w.Add("east",
        "apiVersion: gateway.networking.k8s.io/v1\nkind: GRPCRoute\n"
        "metadata: {name: grpc, namespace: shop}\nspec:\n"
        "  parentRefs: [{group: \"\", kind: Service, name: cart, port: 80}]\n"
        "  rules:\n" +
            rules);
  return w;
}

TEST(NetworkingTest, GrpcMethodMatchesArePaths) {
  testing::World w = GrpcWorld(
      {"exact", "service", "method"},
      "  - matches: [{method: {service: pkg.Cart, method: Get}}]\n"
      "    backendRefs: [{name: cart-exact, port: 80}]\n"
      "  - matches: [{method: {service: pkg.Admin}}]\n"
      "    backendRefs: [{name: cart-service, port: 80}]\n"
      "  - matches: [{method: {type: RegularExpression, method: \"Li.*\"}}]\n"
      "    backendRefs: [{name: cart-method, port: 80}]\n"
      "  - backendRefs: [{name: cart, port: 80}]\n");
  const std::pair<const char*, const char*> cases[] = {
      {"/pkg.Cart/Get", "shop/cart-exact-0"},
      {"/pkg.Cart/GetAll", "shop/cart-0"},
      {"/pkg.Admin/Reset", "shop/cart-service-0"},
      {"/other.Svc/List", "shop/cart-method-0"},
      {"/pkg.Cart/Put", "shop/cart-0"},
  };
  for (const auto& [path, pod] : cases)
    w.Traffic(path, "{cluster: east, namespace: client, workload: curl}",
              "{host: cart.shop, port: 80}",
              std::string("{method: POST, path: ") + path + "}");
  Scenario s = w.Load();
  for (const auto& [path, pod] : cases) {
    const auto landed = testing::Landings(s, path);
    ASSERT_EQ(landed.size(), 1u) << path;
    EXPECT_EQ(landed.begin()->first, pod) << path;
  }
}

// A request no GRPCRoute rule takes gets 404, and the reason names the
// routes' kind.
TEST(NetworkingTest, NoGrpcRuleMatchingIsA404NamingGrpcRoutes) {
  testing::World w =
      GrpcWorld({"exact"},
                "  - matches: [{method: {service: pkg.Cart, method: Get}}]\n"
                "    backendRefs: [{name: cart-exact, port: 80}]\n");
  w.Traffic("other", "{cluster: east, namespace: client, workload: curl}",
            "{host: cart.shop, port: 80}",
            "{method: POST, path: /pkg.Cart/Put}");
  const std::vector<Path> paths = testing::PathsOf(w.Load(), "other");
  ASSERT_EQ(paths.size(), 1u);
  EXPECT_EQ(paths[0].outcome, Outcome::kFailed);
  EXPECT_NE(paths[0].reason.find("no rule of the GRPCRoutes at"),
            std::string::npos)
      << paths[0].reason;
  EXPECT_NE(paths[0].reason.find("(404)"), std::string::npos);
}

// §9 (sortHTTPRoutes, getURILength): among matches of one kind the longer
// path wins, regular expressions too: /pkg.Svc/.+ (11 characters) before
// /[^/]+/Get (10), whatever the rules' order.
TEST(NetworkingTest, LongerRegularExpressionWins) {
  testing::World w = GrpcWorld(
      {"service", "method"},
      "  - matches: [{method: {method: Get}}]\n"
      "    backendRefs: [{name: cart-method, port: 80}]\n"
      "  - matches: [{method: {type: RegularExpression, service: pkg.Svc}}]\n"
      "    backendRefs: [{name: cart-service, port: 80}]\n");
  w.Traffic("t", "{cluster: east, namespace: client, workload: curl}",
            "{host: cart.shop, port: 80}",
            "{method: POST, path: /pkg.Svc/Get}");
  const auto landed = testing::Landings(w.Load(), "t");
  ASSERT_EQ(landed.size(), 1u);
  EXPECT_EQ(landed.begin()->first, "shop/cart-service-0");
}

// §6: MeshConfig outboundTrafficPolicy REGISTRY_ONLY sends a sidecar's
// request to an address it knows no service for to its BlackHoleCluster;
// ztunnel does not enforce it (istio/istio#54281); ALLOW_ANY passes both.
TEST(NetworkingTest, RegistryOnlyBlocksSidecarsNotZtunnel) {
  for (const bool registry_only : {true, false}) {
    World w(registry_only
                ? "{meshConfig: {outboundTrafficPolicy: {mode: REGISTRY_ONLY}}}"
                : "{meshConfig: {outboundTrafficPolicy: {mode: ALLOW_ANY}}}");
    w.Cluster("east", "net-east", 2);
    w.Add("east", Ns("amb", {{Ambient(), "ambient"}}));
    w.Add("east", Deploy("amb", "curl"));
    w.Add("east", Ns("legacy", {{"istio-injection", "enabled"}}));
    w.Add("east", Deploy("legacy", "curl"));
    w.Traffic("ambient", "{cluster: east, namespace: amb, workload: curl}",
              "{ip: 142.250.1.1, port: 443}");
    w.Traffic("sidecar", "{cluster: east, namespace: legacy, workload: curl}",
              "{ip: 142.250.1.1, port: 443}");
    // A ServiceEntry of resolution NONE without addresses listens on
    // 0.0.0.0 for its TCP port: any address passes there.
    w.Add("east",
          "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\n"
          "metadata: {name: any-db, namespace: legacy}\nspec:\n"
          "  hosts: [db.example.com]\n  location: MESH_EXTERNAL\n"
          "  resolution: NONE\n  ports: [{number: 5432, name: tcp, "
          "protocol: TCP}]\n");
    w.Traffic("wildcard", "{cluster: east, namespace: legacy, workload: curl}",
              "{ip: 142.250.1.1, port: 5432}");
    const Scenario sc = w.Load();
    for (const char* t : {"ambient", "sidecar", "wildcard"})
      ASSERT_FALSE(PathsOf(sc, t).empty()) << t;
    for (const Path& p : PathsOf(sc, "wildcard"))
      EXPECT_EQ(p.outcome, Outcome::kDelivered) << p.reason;
    for (const Path& p : PathsOf(sc, "ambient"))
      EXPECT_EQ(p.outcome, Outcome::kDelivered) << p.reason;
    for (const Path& p : PathsOf(sc, "sidecar")) {
      EXPECT_EQ(p.outcome,
                registry_only ? Outcome::kFailed : Outcome::kDelivered)
          << p.reason;
      if (registry_only) {
        EXPECT_NE(p.reason.find("BlackHoleCluster"), std::string::npos)
            << p.reason;
      }
    }
  }
}

}  // namespace
}  // namespace meshsim
