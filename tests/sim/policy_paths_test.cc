// Authorization along paths: which enforcement point applies which policy
// (§8.1 table), with which identity, and Istio's own policy cases of §13
// (11-19, 22, 35).
#include <gtest/gtest.h>

#include "tests/sim/path_helpers.h"
#include "tests/test_world.h"

namespace meshsim {
namespace {

using testing::Ambient;
using testing::Deploy;
using ::testing::ElementsAre;
using testing::HopKinds;
using testing::Ingress;
using testing::IngressRoute;
using testing::Ns;
using testing::PathsOf;
using testing::ShopWorld;
using testing::Summary;
using testing::Waypoint;
using testing::World;

using testing::kFromCurl;
using testing::kToCart;
const char kGet[] = "{method: GET, path: /}";

std::string Policy(const std::string& ns, const std::string& name,
                   const std::string& spec) {
  return "apiVersion: security.istio.io/v1\nkind: "
         "AuthorizationPolicy\nmetadata:\n  name: " +
         name + "\n  namespace: " + ns + "\nspec:\n" + spec;
}

const char kDenyAllAtWaypoint[] =
    "  targetRefs:\n  - {kind: Gateway, group: gateway.networking.k8s.io, "
    "name: waypoint}\n"
    "  action: DENY\n  rules:\n  - {}\n";

World WaypointWorld(const testing::KV& ns_extra = {}) {
  testing::KV ns = {{Ambient(), "ambient"},
                    {"istio.io/use-waypoint", "waypoint"}};
  for (const auto& [k, v] : ns_extra) ns[k] = v;
  World w = ShopWorld(ns);
  w.Add("east", Waypoint("shop", "waypoint"));
  return w;
}

// §8.2: Envoy removes "." and ".." segments (normalize_path) before RBAC
// and routing: "/public/../admin" is "/admin"; "//admin" and case stay.
TEST(PolicyPathsTest, DotSegmentsAreRemovedBeforeTheWaypointMatchesPaths) {
  auto outcome = [](const std::string& path) {
    World w = WaypointWorld();
    w.Add("east", Policy("shop", "deny-admin",
                         "  targetRefs:\n  - {kind: Gateway, group: "
                         "gateway.networking.k8s.io, name: waypoint}\n"
                         "  action: DENY\n  rules:\n"
                         "  - to: [{operation: {paths: [\"/admin*\"]}}]\n"));
    w.Traffic("t", kFromCurl, kToCart, "{method: GET, path: '" + path + "'}");
    return Summary(PathsOf(w.Load(), "t"));
  };
  EXPECT_THAT(outcome("/admin"), ElementsAre("shop/waypoint|denied"));
  EXPECT_THAT(outcome("/public/../admin"), ElementsAre("shop/waypoint|denied"));
  EXPECT_THAT(outcome("/a/./b/../../admin/x?q=/../"),
              ElementsAre("shop/waypoint|denied"));
  EXPECT_THAT(outcome("//admin"), ElementsAre("shop/waypoint|delivered"));
  EXPECT_THAT(outcome("/ADMIN"), ElementsAre("shop/waypoint|delivered"));
}

// §8: a '*' inside a value is no wildcard: istiod accepts the value and
// Envoy matches it as the literal string, which meshsim warns of. A DENY
// on "/api/*/admin" stops that literal path, not /api/x/admin.
TEST(PolicyPathsTest, AStarInsideAValueIsLiteral) {
  auto outcome = [](const std::string& path, Diagnostics* diags = nullptr) {
    World w = WaypointWorld();
    w.Add("east",
          Policy("shop", "deny-admin",
                 "  targetRefs:\n  - {kind: Gateway, group: "
                 "gateway.networking.k8s.io, name: waypoint}\n"
                 "  action: DENY\n  rules:\n"
                 "  - to: [{operation: {paths: [\"/api/*/admin\"]}}]\n"));
    w.Traffic("t", kFromCurl, kToCart, "{method: GET, path: '" + path + "'}");
    return Summary(PathsOf(w.Load(diags), "t"));
  };
  Diagnostics diags;
  EXPECT_THAT(outcome("/api/x/admin", &diags),
              ElementsAre("shop/waypoint|delivered"));
  EXPECT_THAT(outcome("/api/*/admin"), ElementsAre("shop/waypoint|denied"));
  bool warned = false;
  for (const Diagnostic& d : diags.all())
    warned |= d.severity == Severity::kWarning &&
              d.message.find(
                  "'/api/*/admin' has '*' in the middle or twice: "
                  "istiod accepts it") != std::string::npos;
  EXPECT_TRUE(warned);
  EXPECT_FALSE(diags.HasErrors());
}

// §8.2: ports in a policy are numbers (istiod parses them: "08080" is 8080),
// at ztunnel (ports, destination.port) and at the waypoint.
TEST(PolicyPathsTest, PolicyPortsCompareAsNumbers) {
  for (const std::string form : {"80", "080"}) {
    World w = ShopWorld();
    w.Add("east", Policy("shop", "deny",
                         "  selector: {matchLabels: {app: cart}}\n"
                         "  action: DENY\n  rules:\n"
                         "  - when: [{key: destination.port, values: [\"" +
                             form + "\"]}]\n"));
    w.Traffic("t", kFromCurl, kToCart, kGet);
    EXPECT_THAT(Summary(PathsOf(w.Load(), "t")), ElementsAre("|denied"))
        << form;
    World wp = WaypointWorld();
    wp.Add("east", Policy("shop", "deny",
                          "  targetRefs:\n  - {kind: Gateway, group: "
                          "gateway.networking.k8s.io, name: waypoint}\n"
                          "  action: DENY\n  rules:\n"
                          "  - to: [{operation: {ports: [\"" +
                              form + "\"]}}]\n"));
    wp.Traffic("t", kFromCurl, kToCart, kGet);
    EXPECT_THAT(Summary(PathsOf(wp.Load(), "t")),
                ElementsAre("shop/waypoint|denied"))
        << form;
  }
}

// §8.1 row "targetRefs: Gateway": enforced at the waypoint, for every
// captured client; the destination ztunnel ignores it.
TEST(PolicyPathsTest, TargetRefGatewayEnforcedAtWaypoint) {
  World w = WaypointWorld();
  w.Add("east", Policy("shop", "deny-all", kDenyAllAtWaypoint));
  w.Traffic("t", kFromCurl, kToCart, kGet);
  auto paths = PathsOf(w.Load(), "t");
  ASSERT_THAT(Summary(paths), ElementsAre("shop/waypoint|denied"));
  ASSERT_TRUE(paths[0].denied_by);
  EXPECT_EQ(paths[0].denied_by->policy, "shop/deny-all");
  EXPECT_EQ(paths[0].denied_by->hop, 2);
  EXPECT_EQ(paths[0].denied_by->principal,
            "cluster.local/ns/client/sa/default");
  EXPECT_EQ(HopKinds(paths[0]), "workload ztunnel waypoint");
}

// §13 case 11, K2: the same deny-all; a sidecar client bypasses the waypoint.
TEST(PolicyPathsTest, Case11_SidecarBypassesWaypointDenyAll) {
  World w = WaypointWorld();
  w.Add("east", Policy("shop", "deny-all", kDenyAllAtWaypoint));
  w.Add("east", Ns("mesh", {{"istio-injection", "enabled"}}));
  w.Add("east", Deploy("mesh", "curl"));
  w.Traffic("t", "{cluster: east, namespace: mesh, workload: curl}", kToCart,
            kGet);
  EXPECT_THAT(Summary(PathsOf(w.Load(), "t")), ElementsAre("|delivered"));
}

// §16.2 (route.go buildSidecarVirtualHostsForVirtualService): a sidecar's
// HTTP routes for a host come from the oldest VirtualService with http
// rules; an older one with only tcp rules builds no virtual host (found by
// a review of 2026-12-07: meshsim let it take the host).
TEST(PolicyPathsTest, SidecarSkipsATcpOnlyVirtualServiceForHttp) {
  World w = WaypointWorld();
  w.Add("east", Ns("mesh", {{"istio-injection", "enabled"}}));
  w.Add("east", Deploy("mesh", "curl"));
  w.Add("east",
        "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
        "metadata: {name: a-tcp, namespace: shop, creationTimestamp: "
        "\"2024-01-01T00:00:00Z\"}\nspec:\n  hosts: [cart]\n"
        "  tcp: [{route: [{destination: {host: cart}}]}]\n");
  w.Add("east",
        "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
        "metadata: {name: b-http, namespace: shop, creationTimestamp: "
        "\"2024-01-02T00:00:00Z\"}\nspec:\n  hosts: [cart]\n"
        "  http: [{route: [{destination: {host: cart}}]}]\n");
  w.Traffic("t", "{cluster: east, namespace: mesh, workload: curl}", kToCart,
            kGet);
  const auto paths = PathsOf(w.Load(), "t");
  ASSERT_EQ(paths.size(), 1u);
  ASSERT_TRUE(paths[0].route);
  EXPECT_EQ(paths[0].route->name, "shop/b-http");
}

// §13 cases 12-14: ingress bypasses the deny-all unless ingress-use-waypoint.
TEST(PolicyPathsTest, Case12to14_IngressAndWaypointDenyAll) {
  for (bool opt_in : {false, true}) {
    World w = WaypointWorld(
        opt_in ? testing::KV{{"istio.io/ingress-use-waypoint", "true"}}
               : testing::KV{});
    w.Add("east", Policy("shop", "deny-all", kDenyAllAtWaypoint));
    w.Add("east", Ingress("shop", "gw"));
    w.Add("east", IngressRoute("shop", "r", "shop", "gw", "cart", 80));
    w.Traffic("t", "{cluster: east, ingress: shop/gw}",
              "{host: shop.example.com, port: 80}");
    auto paths = PathsOf(w.Load(), "t");
    if (opt_in) {
      ASSERT_THAT(Summary(paths), ElementsAre("shop/waypoint|denied"));
      // The waypoint sees the ingress gateway's identity.
      EXPECT_EQ(paths[0].denied_by->principal,
                "cluster.local/ns/shop/sa/gw-istio");
    } else {
      EXPECT_THAT(Summary(paths), ElementsAre("|delivered"));
    }
  }
}

// §13 case 16, §8.1: root-namespace allow-nothing denies at the destination
// ztunnel; an allow-from-waypoint (selector-less, in the namespace) lets the
// waypoint's identity through; allow-nothing on GatewayClass istio-waypoint
// denies at the waypoint.
TEST(PolicyPathsTest, Case16_WaypointDefaultDeny) {
  auto run = [](int step) {
    World w = WaypointWorld();
    w.Add("east", Ns("istio-system"));
    w.Add("east", Policy("istio-system", "allow-nothing", "  action: ALLOW\n"));
    if (step >= 1)
      w.Add(
          "east",
          Policy("shop", "allow-from-waypoint",
                 "  action: ALLOW\n  rules:\n  - from:\n    - source:\n        "
                 "principals: [cluster.local/ns/shop/sa/waypoint]\n"));
    if (step >= 2)
      w.Add("east", Policy("istio-system", "waypoint-allow-nothing",
                           "  targetRefs:\n  - {kind: GatewayClass, group: "
                           "gateway.networking.k8s.io, name: istio-waypoint}\n "
                           " action: ALLOW\n"));
    w.Traffic("t", kFromCurl, kToCart, kGet);
    return PathsOf(w.Load(), "t");
  };
  auto denied_at_zt = run(0);
  ASSERT_THAT(Summary(denied_at_zt), ElementsAre("shop/waypoint|denied"));
  EXPECT_EQ(denied_at_zt[0].hops[denied_at_zt[0].denied_by->hop].kind,
            HopKind::kZtunnel);
  EXPECT_EQ(denied_at_zt[0].denied_by->principal,
            "cluster.local/ns/shop/sa/waypoint");
  EXPECT_THAT(Summary(run(1)), ElementsAre("shop/waypoint|delivered"));
  auto denied_at_wp = run(2);
  ASSERT_THAT(Summary(denied_at_wp), ElementsAre("shop/waypoint|denied"));
  EXPECT_EQ(denied_at_wp[0].denied_by->policy,
            "istio-system/waypoint-allow-nothing");
  EXPECT_EQ(denied_at_wp[0].denied_by->hop, 2);
}

// §8.1: a GatewayClass targetRef attaches only when it names istio-waypoint
// (ShouldAttachPolicy); naming the waypoint's class by another name, or a
// class of no waypoint, attaches nowhere, with a warning.
TEST(PolicyPathsTest, GatewayClassTargetRefOnlyByTheWaypointClassName) {
  World w = WaypointWorld();
  w.Add("east", Ns("istio-system"));
  w.Add("east", Policy("istio-system", "other-class-allow-nothing",
                       "  targetRefs:\n  - {kind: GatewayClass, group: "
                       "gateway.networking.k8s.io, name: istio}\n"
                       "  action: ALLOW\n"));
  w.Traffic("t", kFromCurl, kToCart, kGet);
  Diagnostics diags;
  Scenario s = w.Load(&diags);
  EXPECT_THAT(Summary(PathsOf(s, "t")), ElementsAre("shop/waypoint|delivered"));
  bool warned = false;
  for (const Diagnostic& d : diags.all())
    warned = warned || d.ToString().find("only when it names istio-waypoint") !=
                           std::string::npos;
  EXPECT_TRUE(warned);
}

// §13 case 17, §8.2: a selector L7 ALLOW on a workload without a waypoint
// denies everything.
TEST(PolicyPathsTest, Case17_SelectorL7PolicyWithoutWaypointDeniesAll) {
  World w = ShopWorld();
  w.Add("east", Policy("shop", "get-only",
                       "  selector:\n    matchLabels: {app: cart}\n  action: "
                       "ALLOW\n  rules:\n"
                       "  - to:\n    - operation:\n        methods: [GET]\n"));
  w.Traffic("t", kFromCurl, kToCart, kGet);
  auto paths = PathsOf(w.Load(), "t");
  ASSERT_THAT(Summary(paths), ElementsAre("|denied"));
  EXPECT_EQ(paths[0].denied_by->action, "ALLOW (no rule matched)");
  EXPECT_NE(paths[0].hops[paths[0].denied_by->hop].policies[0].note.find(
                "dropped at ztunnel"),
            std::string::npos);
}

// §8.2, §8.7: the condition source.serviceAccount (namespace/name, or a
// name in the policy's namespace) matches the client's identity at the
// waypoint; at ztunnel it is no L4 key, so an ALLOW rule with it is dropped.
// source.trustDomain passes istiod's validation but no proxy enforces it:
// its rule never matches (a warning says so).
TEST(PolicyPathsTest, SourceServiceAccountAndTrustDomainConditions) {
  auto allow_when = [](const std::string& target, const std::string& key,
                       const std::string& value) {
    return target + "  action: ALLOW\n  rules:\n  - when:\n    - key: " + key +
           "\n      values: [\"" + value + "\"]\n";
  };
  const std::string at_waypoint =
      "  targetRefs:\n  - {kind: Gateway, group: gateway.networking.k8s.io, "
      "name: waypoint}\n";
  const std::string at_pod = "  selector:\n    matchLabels: {app: cart}\n";
  struct Case {
    std::string target, key, value, want;
  } cases[] = {
      {at_waypoint, "source.serviceAccount", "client/default",
       "shop/waypoint|delivered"},
      {at_waypoint, "source.serviceAccount", "client/other",
       "shop/waypoint|denied"},
      // §8.7: an Envoy reads the trust domain from 1.30 (the default
      // release here is newer).
      {at_waypoint, "source.trustDomain", "cluster.local",
       "shop/waypoint|delivered"},
      {at_waypoint, "source.trustDomain", "other.local",
       "shop/waypoint|denied"},
      {at_pod, "source.serviceAccount", "client/default", "|denied"},
  };
  for (const Case& c : cases) {
    World w = c.target == at_pod ? ShopWorld() : WaypointWorld();
    w.Add("east", Policy("shop", "p", allow_when(c.target, c.key, c.value)));
    w.Traffic("t", kFromCurl, kToCart, kGet);
    Diagnostics diags;
    Scenario s = w.Load(&diags);
    EXPECT_THAT(Summary(PathsOf(s, "t")), ElementsAre(c.want))
        << c.key << " " << c.value;
    bool warned = false;
    for (const Diagnostic& d : diags.all())
      warned |= d.message.find("source.trustDomain is read only by Envoy") !=
                std::string::npos;
    EXPECT_EQ(warned, c.key == "source.trustDomain");
  }
}

// §13 case 18: L7 rules at the waypoint (targetRef) plus a workload policy
// allowing only the waypoint: an uncaptured client is denied at the
// destination; a captured client is judged at the waypoint.
TEST(PolicyPathsTest, Case18_L7AtWaypointAndGuard) {
  World w = WaypointWorld();
  w.Add("east",
        Policy("shop", "l7",
               "  targetRefs:\n  - {kind: Service, group: \"\", name: cart}\n"
               "  action: ALLOW\n  rules:\n  - to:\n    - operation:\n"
               "        methods: [GET]\n"));
  w.Add("east", Policy("shop", "only-waypoint",
                       "  selector:\n    matchLabels: {app: cart}\n  action: "
                       "ALLOW\n  rules:\n"
                       "  - from:\n    - source:\n        principals: "
                       "[cluster.local/ns/shop/sa/waypoint]\n"));
  w.Add("east", Ns("legacy"));
  w.Add("east", Deploy("legacy", "curl"));
  w.Traffic("uncaptured", "{cluster: east, namespace: legacy, workload: curl}",
            kToCart, kGet);
  w.Traffic("get", kFromCurl, kToCart, kGet);
  w.Traffic("post", kFromCurl, kToCart, "{method: POST, path: /}");
  Scenario s = w.Load();
  auto unc = PathsOf(s, "uncaptured");
  ASSERT_THAT(Summary(unc), ElementsAre("|denied"));
  EXPECT_EQ(unc[0].denied_by->principal, std::nullopt);
  EXPECT_THAT(Summary(PathsOf(s, "get")),
              ElementsAre("shop/waypoint|delivered"));
  auto post = PathsOf(s, "post");
  ASSERT_THAT(Summary(post), ElementsAre("shop/waypoint|denied"));
  EXPECT_EQ(post[0].denied_by->policy, "shop/l7");
}

// §13 case 19: ingress reaches the pod directly; the destination sees the
// ingress identity, and a port-specific policy decides.
TEST(PolicyPathsTest, Case19_IngressIdentityAtDestination) {
  World w = WaypointWorld();
  w.Add("east", Ingress("shop", "gw"));
  w.Add("east", IngressRoute("shop", "r", "shop", "gw", "cart", 80));
  w.Add("east",
        Policy("shop", "allow-ingress",
               "  selector:\n    matchLabels: {app: cart}\n  action: ALLOW\n  "
               "rules:\n"
               "  - from:\n    - source:\n        principals: "
               "[cluster.local/ns/shop/sa/gw-istio]\n"
               "    to:\n    - operation:\n        ports: [\"80\"]\n"
               "  - from:\n    - source:\n        principals: [someone-else]\n"
               "    to:\n    - operation:\n        ports: [\"8080\"]\n"));
  w.Traffic("ingress", "{cluster: east, ingress: shop/gw}",
            "{host: a.example.com, port: 80}");
  w.Traffic("curl", kFromCurl, kToCart, kGet);
  Scenario s = w.Load();
  auto in = PathsOf(s, "ingress");
  ASSERT_THAT(Summary(in), ElementsAre("|delivered"));
  EXPECT_EQ(in[0].hops[1].policies[0].matched_rule, 0);
  // The captured client goes through the waypoint; the destination sees the
  // waypoint identity, which the policy does not allow.
  EXPECT_THAT(Summary(PathsOf(s, "curl")), ElementsAre("shop/waypoint|denied"));
}

// §13 case 22: canary at weight 100 enforces the Service-targeted deny.
TEST(PolicyPathsTest, Case22_CanaryEnforcesServicePolicy) {
  World w = ShopWorld();
  w.Add("east", Waypoint("shop", "waypoint"));
  w.Add("east", Waypoint("shop", "canary"));
  w.Add("east",
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: api\n  namespace: "
        "shop\n  labels:\n"
        "    istio.io/use-waypoint: waypoint\n    "
        "istio.io/use-waypoint-canary: canary\n  annotations:\n"
        "    istio.io/use-waypoint-canary-weight: \"100\"\nspec:\n  selector: "
        "{app: cart}\n  ports: [{port: 80}]\n");
  w.Add("east",
        Policy("shop", "deny-api",
               "  targetRefs:\n  - {kind: Service, group: \"\", name: api}\n"
               "  action: DENY\n  rules:\n  - {}\n"));
  w.Traffic("t", kFromCurl, "{host: api.shop, port: 80}", kGet);
  EXPECT_THAT(Summary(PathsOf(w.Load(), "t")),
              ElementsAre("shop/canary|denied"));
}

// §8.1: waypoints never use selector policies; the destination ztunnel
// never uses targetRef policies.
TEST(PolicyPathsTest, SelectorPoliciesAreNotEnforcedAtWaypoints) {
  World w = WaypointWorld();
  w.Add("east", Policy("shop", "deny-get",
                       "  selector:\n    matchLabels: {app: cart}\n"
                       "  action: DENY\n  rules:\n  - to:\n    - operation:\n"
                       "        methods: [GET]\n"));
  w.Traffic("t", kFromCurl, kToCart, kGet);
  // The L7-only DENY is a no-op at ztunnel (K19) and ignored by the waypoint.
  auto paths = PathsOf(w.Load(), "t");
  ASSERT_THAT(Summary(paths), ElementsAre("shop/waypoint|delivered"));
  EXPECT_TRUE(paths[0].hops[2].policies.empty());
  EXPECT_EQ(paths[0].hops[3].policies[0].effect, "no-op");
}

// §4.4: STRICT PeerAuthentication blocks plaintext inbound; PERMISSIVE and
// DISABLE (ignored in ambient) do not.
TEST(PolicyPathsTest, PeerAuthenticationStrictBlocksPlaintext) {
  for (const std::string mode : {"STRICT", "PERMISSIVE", "DISABLE"}) {
    World w = ShopWorld();
    w.Add("east",
          "apiVersion: security.istio.io/v1\nkind: "
          "PeerAuthentication\nmetadata:\n  name: pa\n"
          "  namespace: shop\nspec:\n  mtls:\n    mode: " +
              mode + "\n");
    w.Add("east", Ns("legacy"));
    w.Add("east", Deploy("legacy", "curl"));
    w.Traffic("plain", "{cluster: east, namespace: legacy, workload: curl}",
              kToCart);
    w.Traffic("mtls", kFromCurl, kToCart);
    Scenario s = w.Load();
    auto plain = PathsOf(s, "plain");
    if (mode == "STRICT") {
      ASSERT_THAT(Summary(plain), ElementsAre("|denied"));
      EXPECT_EQ(plain[0].denied_by->policy, "shop/pa");
      EXPECT_EQ(plain[0].denied_by->action, "PeerAuthentication STRICT");
    } else {
      EXPECT_THAT(Summary(plain), ElementsAre("|delivered")) << mode;
    }
    EXPECT_THAT(Summary(PathsOf(s, "mtls")), ElementsAre("|delivered")) << mode;
  }
}

// §4.3, §13 case 34: PILOT_AUTO_ALLOW_WAYPOINT_POLICY guards the workloads
// behind a waypoint: direct pod-IP traffic is denied, waypoint traffic passes.
TEST(PolicyPathsTest, Case34_AutoAllowWaypointPolicy) {
  for (bool flag : {false, true}) {
    World w = ShopWorld(
        {{Ambient(), "ambient"}, {"istio.io/use-waypoint", "waypoint"}}, {}, {},
        std::string("{flags: {PILOT_AUTO_ALLOW_WAYPOINT_POLICY: ") +
            (flag ? "true" : "false") + "}}");
    w.Add("east", Waypoint("shop", "waypoint"));
    w.Traffic("vip", kFromCurl, kToCart);
    w.Traffic("pod", kFromCurl, "{pod: shop/cart, port: 80}");
    Scenario s = w.Load();
    EXPECT_THAT(Summary(PathsOf(s, "vip")),
                ElementsAre("shop/waypoint|delivered"));
    auto pod = PathsOf(s, "pod");
    if (flag) {
      ASSERT_THAT(Summary(pod), ElementsAre("|denied"));
      EXPECT_EQ(pod[0].denied_by->policy,
                "shop/istio_allow_waypoint_shop_waypoint");
    } else {
      EXPECT_THAT(Summary(pod), ElementsAre("|delivered"));
    }
  }
}

// §8.2: CUSTOM policies are not sent to ztunnel.
TEST(PolicyPathsTest, Case35_CustomNotSentToZtunnel) {
  World w = ShopWorld();
  w.Add("east",
        Policy("shop", "ext",
               "  selector:\n    matchLabels: {app: cart}\n  action: CUSTOM\n"
               "  provider: {name: opa}\n  rules:\n  - {}\n"));
  w.Traffic("t", kFromCurl, kToCart);
  auto paths = PathsOf(w.Load(), "t");
  ASSERT_THAT(Summary(paths), ElementsAre("|delivered"));
  for (const Hop& h : paths[0].hops) EXPECT_TRUE(h.policies.empty());
}

// §9: weighted backends at the waypoint become paths with their weights, and
// the route is named; header filters feed later matching.
TEST(PolicyPathsTest, WeightedRouteAndFilters) {
  World w = WaypointWorld();
  w.Add("east", Deploy("shop", "cart-v2"));
  w.Add("east", testing::Svc("shop", "cart-v2"));
  w.Add("east",
        "apiVersion: gateway.networking.k8s.io/v1\nkind: "
        "HTTPRoute\nmetadata:\n  name: split\n  namespace: shop\n"
        "spec:\n  parentRefs:\n  - {group: \"\", kind: Service, name: cart, "
        "port: 80}\n  rules:\n"
        "  - backendRefs:\n    - {name: cart, port: 80, weight: 90}\n    - "
        "{name: cart-v2, port: 80, weight: 10}\n"
        "    timeouts: {request: 2s}\n    retry: {attempts: 3}\n");
  w.Traffic("t", kFromCurl, kToCart, kGet);
  auto paths = PathsOf(w.Load(), "t");
  ASSERT_EQ(paths.size(), 2u);
  EXPECT_NEAR(paths[0].weight, 0.9, 1e-9);
  EXPECT_NEAR(paths[1].weight, 0.1, 1e-9);
  ASSERT_TRUE(paths[0].route);
  EXPECT_EQ(paths[0].route->name, "shop/split");
  EXPECT_EQ(paths[0].route->timeout, "2s");
  EXPECT_EQ(paths[0].route->retries, 3);
}

// §9 (conversion.go): an HTTPRoute's timeouts.backendRequest is the route's
// timeout when the rule has no retry (it replaces request); with a retry it
// is each try's (not modelled) and request stays; 0s sets none.
TEST(PolicyPathsTest, BackendRequestTimeoutIsTheRouteTimeoutWithoutRetry) {
  auto timeout_of = [](const std::string& rule_extra) {
    World w = WaypointWorld();
    w.Add("east",
          "apiVersion: gateway.networking.k8s.io/v1\nkind: "
          "HTTPRoute\nmetadata:\n  name: r\n  namespace: shop\n"
          "spec:\n  parentRefs:\n  - {group: \"\", kind: Service, name: cart, "
          "port: 80}\n  rules:\n"
          "  - backendRefs:\n    - {name: cart, port: 80}\n" +
              rule_extra);
    w.Traffic("t", kFromCurl, kToCart, kGet);
    auto paths = PathsOf(w.Load(), "t");
    EXPECT_EQ(paths.size(), 1u);
    return paths.empty() || !paths[0].route ? std::string("?")
                                            : paths[0].route->timeout;
  };
  EXPECT_EQ(timeout_of("    timeouts: {request: 1s, backendRequest: 500ms}\n"),
            "500ms");
  EXPECT_EQ(timeout_of("    timeouts: {backendRequest: 2s}\n"), "2s");
  EXPECT_EQ(timeout_of("    timeouts: {request: 1s, backendRequest: 500ms}\n"
                       "    retry: {attempts: 2}\n"),
            "1s");
  EXPECT_EQ(timeout_of("    timeouts: {request: 1s, backendRequest: 0s}\n"),
            "1s");
}

// §16.2 (validateHTTPRoute, validateHTTPRetry): what istiod accepts loads:
// a null redirect beside a route (the API server drops null fields), an
// empty retryOn with no attempts, and retryOn statuses as Go's Atoi reads
// them ("0503", "+503" are 503, retried).
TEST(PolicyPathsTest, VirtualServiceRulesIstiodAcceptsLoad) {
  World w = WaypointWorld();
  w.Add("east",
        "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
        "metadata: {name: cart, namespace: shop}\nspec:\n  hosts: [cart]\n"
        "  http:\n  - match: [{uri: {prefix: /a}}]\n    redirect: null\n"
        "    retries: {retryOn: \"\"}\n"
        "    route: [{destination: {host: cart}}]\n"
        "  - retries: {attempts: 2, retryOn: \"0503,+502\"}\n"
        "    route: [{destination: {host: cart}}]\n");
  w.Traffic("t", kFromCurl, kToCart, kGet);
  auto paths = PathsOf(w.Load(), "t");
  ASSERT_EQ(paths.size(), 1u);
  ASSERT_TRUE(paths[0].route);
  EXPECT_EQ(paths[0].route->retry_codes, (std::vector<int>{502, 503}));
}

// §9 + §5: ingress route adds a header that the waypoint's route matches on
// (both tiers apply); a redirect ends at the ingress.
TEST(PolicyPathsTest, TwoTierRoutingWithHeaderModifierAndRedirect) {
  World w = WaypointWorld({{"istio.io/ingress-use-waypoint", "true"}});
  w.Add("east", Deploy("shop", "cart-beta"));
  w.Add("east", testing::Svc("shop", "cart-beta"));
  w.Add("east", Ingress("shop", "gw"));
  w.Add("east",
        "apiVersion: gateway.networking.k8s.io/v1\nkind: "
        "HTTPRoute\nmetadata:\n  name: edge\n  namespace: shop\n"
        "spec:\n  parentRefs: [{name: gw}]\n  rules:\n"
        "  - matches: [{path: {type: PathPrefix, value: /old}}]\n"
        "    filters: [{type: RequestRedirect, requestRedirect: {path: {type: "
        "ReplaceFullPath, replaceFullPath: /new}, statusCode: 301}}]\n"
        "  - matches: [{path: {type: PathPrefix, value: /}}]\n"
        "    filters: [{type: RequestHeaderModifier, requestHeaderModifier: "
        "{set: [{name: x-tier, value: beta}]}}]\n"
        "    backendRefs: [{name: cart, port: 80}]\n");
  w.Add("east",
        "apiVersion: gateway.networking.k8s.io/v1\nkind: "
        "HTTPRoute\nmetadata:\n  name: mesh\n  namespace: shop\n"
        "spec:\n  parentRefs: [{group: \"\", kind: Service, name: cart}]\n  "
        "rules:\n"
        "  - matches: [{headers: [{name: x-tier, value: beta}]}]\n    "
        "backendRefs: [{name: cart-beta, port: 80}]\n"
        "  - backendRefs: [{name: cart, port: 80}]\n");
  w.Traffic("new", "{cluster: east, ingress: shop/gw}",
            "{host: a.example.com, port: 80}", "{method: GET, path: /shop}");
  w.Traffic("old", "{cluster: east, ingress: shop/gw}",
            "{host: a.example.com, port: 80}", "{method: GET, path: /old/x}");
  Scenario s = w.Load();
  auto np = PathsOf(s, "new");
  ASSERT_THAT(Summary(np), ElementsAre("shop/waypoint|delivered"));
  EXPECT_EQ(np[0].hops.back().name, "shop/cart-beta-0");
  ASSERT_EQ(np[0].routes.size(), 2u);
  EXPECT_EQ(np[0].routes[0].name, "shop/edge");
  EXPECT_EQ(np[0].route->name, "shop/mesh");
  auto op = PathsOf(s, "old");
  ASSERT_THAT(Summary(op), ElementsAre("|delivered"));
  EXPECT_EQ(op[0].redirect, "301 http://a.example.com/new");
  EXPECT_EQ(HopKinds(op[0]), "ingress");
}

}  // namespace
}  // namespace meshsim

namespace meshsim {
namespace {

// §8.2: a denial at ztunnel blames HTTP attributes only when every rule of
// the ALLOW policies has one; a policy whose L4 rule just does not match
// is an ordinary "no rule matched".
TEST(PolicyPathsTest, ZtunnelDenialNamesHttpOnlyPoliciesOnly) {
  const std::string mixed =
      "  selector:\n    matchLabels: {app: cart}\n  action: ALLOW\n"
      "  rules:\n  - to:\n    - operation: {methods: [GET]}\n"
      "  - to:\n    - operation: {ports: [\"9000\"]}\n";
  const std::string l7 =
      "  selector:\n    matchLabels: {app: cart}\n  action: ALLOW\n"
      "  rules:\n  - to:\n    - operation: {methods: [GET]}\n";
  for (const bool only_l7 : {false, true}) {
    testing::World w = testing::ShopWorld();
    w.Add("east", Policy("shop", "p", only_l7 ? l7 : mixed));
    w.Traffic("t", testing::kFromCurl, testing::kToCart,
              "{method: GET, path: /}");
    const std::vector<Path> paths = testing::PathsOf(w.Load(), "t");
    ASSERT_EQ(paths.size(), 1u);
    EXPECT_EQ(paths[0].outcome, Outcome::kDenied);
    EXPECT_EQ(paths[0].reason.find("has only rules with HTTP attributes") !=
                  std::string::npos,
              only_l7)
        << paths[0].reason;
  }
}

}  // namespace
}  // namespace meshsim
