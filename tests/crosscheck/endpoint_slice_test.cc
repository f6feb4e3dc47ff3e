// §3.4 (endpointSlicesBuilder, matchingServicesWithoutSelectors;
// TestPodWorkloads "pod as part of selectorless service",
// TestEndpointSliceWorkloads): a Service without a selector takes its
// endpoints from the EndpointSlices labelled with its name, and from its
// Endpoints, which are mirrored only for such a Service. An endpoint
// without a Pod targetRef is an opaque host-network workload reached in
// plain TCP on its slice's port of the Service port's name; one naming a
// pod (by namespace and name) is that pod, with its ztunnel and policies.
// Asked of both engines.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "tests/crosscheck/both_engines.h"
#include "tests/test_world.h"

namespace meshsim {
namespace {

using testing::Ambient;

// Service shop/cart, port 80 named http (targetPort `target` when given),
// without a selector unless `selector`.
std::string SelectorlessCart(bool selector = false,
                             const std::string& target = "") {
  return std::string(
             "apiVersion: v1\nkind: Service\nmetadata:\n  name: cart\n"
             "  namespace: shop\nspec:\n") +
         (selector ? "  selector: {app: cart}\n" : "") +
         "  ports:\n  - {name: http, port: 80" +
         (target.empty() ? "" : ", targetPort: " + target) + "}\n";
}

// An EndpointSlice of shop/cart (unless `service` names another, "" for no
// label) with one endpoint `endpoint` (YAML, a list item's fields) and
// port 8080 written `port` (its name and number).
std::string Slice(const std::string& endpoint,
                  const std::string& service = "cart",
                  const std::string& port = "name: http, port: 8080") {
  return "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\n"
         "metadata:\n  name: cart-abc\n  namespace: shop\n" +
         (service.empty()
              ? std::string()
              : "  labels: {kubernetes.io/service-name: " + service + "}\n") +
         "addressType: IPv4\nports:\n- {" + port +
         ", protocol: TCP}\nendpoints:\n- " + endpoint + "\n";
}

// client/curl (ambient unless not `ambient_client`) calls shop/cart:80,
// with `objects` in shop.
Scenario World(const std::vector<std::string>& objects,
               bool ambient_client = true, Diagnostics* d = nullptr) {
  testing::World w;
  w.Cluster("east", "net-east", 2);
  w.Add("east", ambient_client ? testing::Ns("client", {{Ambient(), "ambient"}})
                               : testing::Ns("client"));
  w.Add("east", testing::Deploy("client", "curl"));
  w.Add("east", testing::Ns("shop", {{Ambient(), "ambient"}}));
  for (const std::string& o : objects) w.Add("east", o);
  w.Traffic("t", testing::kFromCurl, testing::kToCart,
            "{method: GET, path: /}");
  return w.Load(d);
}

// Both engines' outcomes for client/curl to shop/cart:80.
std::pair<std::set<Outcome>, std::set<Outcome>> SliceBoth(const Scenario& sc) {
  return testing::CurlOutcomes(sc, "shop/cart", 80);
}

bool Warned(const Diagnostics& d, const std::string& what) {
  for (const Diagnostic& x : d.all())
    if (x.message.find(what) != std::string::npos) return true;
  return false;
}

// Pod shop/db-0 (app: db, not cart), ambient, at 10.20.0.9.
const char kDbPod[] =
    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: db-0\n  namespace: shop\n"
    "  labels: {app: db}\nspec:\n  containers:\n  - name: app\n    image: x\n"
    "    ports: [{containerPort: 80}]\nstatus:\n  phase: Running\n"
    "  podIP: 10.20.0.9\n  conditions: [{type: Ready, status: \"True\"}]\n";
const char kDenyDb[] =
    "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
    "metadata:\n  name: deny-db\n  namespace: shop\nspec:\n"
    "  selector: {matchLabels: {app: db}}\n  action: DENY\n  rules:\n  - {}\n";

TEST(EndpointSliceCrossCheck, AnOpaqueEndpointIsReachedInPlainTcp) {
  const Scenario sc =
      World({SelectorlessCart(), Slice("{addresses: [192.0.2.10]}")});
  testing::ExpectBothEngines(sc, Outcome::kDelivered, "opaque endpoint");
  const std::vector<Path> paths = testing::PathsOf(sc, "t");
  ASSERT_EQ(paths.size(), 1u);
  const std::string text = PathText(paths[0].hops);
  EXPECT_NE(text.find("cart-abc@192.0.2.10"), std::string::npos) << text;
  // The Service's waypoint still serves it (the endpoint has none of its
  // own): ztunnel sends to the waypoint, which sends to the address.
  const std::string labelled =
      "apiVersion: v1\nkind: Service\nmetadata:\n  name: cart\n"
      "  namespace: shop\n  labels: {istio.io/use-waypoint: waypoint}\n"
      "spec:\n  ports:\n  - {name: http, port: 80}\n";
  const Scenario via = World({labelled, testing::Waypoint("shop", "waypoint"),
                              Slice("{addresses: [192.0.2.10]}")});
  testing::ExpectBothEngines(via, Outcome::kDelivered, "through a waypoint");
  for (const Path& p : testing::PathsOf(via, "t"))
    EXPECT_NE(PathText(p.hops).find("waypoint shop/waypoint"),
              std::string::npos)
        << PathText(p.hops);
  // A client outside the mesh reaches it too (kube-proxy reads the slice).
  testing::ExpectBothEngines(
      World({SelectorlessCart(), Slice("{addresses: [192.0.2.10]}")}, false),
      Outcome::kDelivered, "uncaptured client");
  // Without a slice the Service has no endpoint: the simulator fails the
  // request and the encoding has none to send it to. Not ready, or not
  // labelled for the Service, the slice gives none either.
  const auto none = SliceBoth(World({SelectorlessCart()}));
  EXPECT_EQ(none.first, std::set<Outcome>{Outcome::kFailed});
  EXPECT_EQ(none.second.count(Outcome::kDelivered), 0u);
  for (const std::string& slice :
       {Slice("{addresses: [192.0.2.10], conditions: {ready: false}}"),
        Slice("{addresses: [192.0.2.10]}", ""),
        Slice("{addresses: [192.0.2.10]}", "other")})
    EXPECT_EQ(SliceBoth(World({SelectorlessCart(), slice})), none) << slice;
}

// A Service port with a named targetPort: an opaque endpoint serves it
// when its slice has a port of the Service port's name (istiod joins them
// by that name), else nothing does (ztunnel's fallback is a name). An
// unnamed slice port is named "" (the API server's default).
TEST(EndpointSliceCrossCheck, SlicePortsJoinTheServicePortsByName) {
  const std::string opaque = "{addresses: [192.0.2.10]}";
  testing::ExpectBothEngines(
      World({SelectorlessCart(false, "web"), Slice(opaque)}),
      Outcome::kDelivered, "slice port named like the Service port");
  Diagnostics d;
  const auto other =
      SliceBoth(World({SelectorlessCart(false, "web"),
                       Slice(opaque, "cart", "name: web, port: 8080")},
                      true, &d));
  EXPECT_EQ(other.first, std::set<Outcome>{Outcome::kFailed});
  EXPECT_EQ(other.second.count(Outcome::kDelivered), 0u);
  EXPECT_TRUE(Warned(d, "has no port named 'http'"));
  const std::string unnamed =
      "apiVersion: v1\nkind: Service\nmetadata:\n  name: cart\n"
      "  namespace: shop\nspec:\n  ports:\n  - {port: 80, targetPort: web}\n";
  testing::ExpectBothEngines(
      World({unnamed, Slice(opaque, "cart", "port: 8080")}),
      Outcome::kDelivered, "unnamed ports");
}

TEST(EndpointSliceCrossCheck, ATargetRefBringsThePodAndItsPolicies) {
  const std::string slice = Slice(
      "{addresses: [10.20.0.9], targetRef: {kind: Pod, namespace: shop, "
      "name: db-0}}");
  testing::ExpectBothEngines(World({SelectorlessCart(), kDbPod, slice}),
                             Outcome::kDelivered, "pod by targetRef");
  // The pod's own ztunnel enforces its policies: the endpoint is the pod.
  testing::ExpectBothEngines(
      World({SelectorlessCart(), kDbPod, slice, kDenyDb}), Outcome::kDenied,
      "pod by targetRef, denied");
  // The same address without a targetRef is opaque: no policy of the pod
  // applies (meshsim warns that it does not model the pod's ztunnel
  // receiving it).
  Diagnostics d;
  testing::ExpectBothEngines(World({SelectorlessCart(), kDbPod,
                                    Slice("{addresses: [10.20.0.9]}"), kDenyDb},
                                   true, &d),
                             Outcome::kDelivered,
                             "the pod's address without targetRef");
  EXPECT_TRUE(Warned(d, "but no targetRef naming it"));
  // istiod matches the pod by namespace and name: a targetRef without a
  // namespace names no pod, and meshsim says so.
  Diagnostics d2;
  const Scenario no_ns = World(
      {SelectorlessCart(), kDbPod,
       Slice("{addresses: [10.20.0.9], targetRef: {kind: Pod, name: db-0}}")},
      true, &d2);
  EXPECT_EQ(SliceBoth(no_ns), SliceBoth(World({SelectorlessCart(), kDbPod})));
  EXPECT_TRUE(Warned(d2, "without a namespace"));
}

TEST(EndpointSliceCrossCheck, EndpointsAreMirroredOnlyWithoutASelector) {
  const std::string endpoints =
      "apiVersion: v1\nkind: Endpoints\nmetadata:\n  name: cart\n"
      "  namespace: shop\nsubsets:\n- addresses: [{ip: 192.0.2.20}]\n"
      "  ports: [{name: http, port: 8080}]\n";
  testing::ExpectBothEngines(World({SelectorlessCart(), endpoints}),
                             Outcome::kDelivered, "mirrored Endpoints");
  // A Service with a selector (here matching no pod): its Endpoints are the
  // endpoints controller's, not mirrored, so they add nothing; nor do
  // Endpoints labelled to skip mirroring, or not-ready addresses.
  const auto selected = SliceBoth(World({SelectorlessCart(true)}));
  EXPECT_EQ(selected.second.count(Outcome::kDelivered), 0u);
  EXPECT_EQ(SliceBoth(World({SelectorlessCart(true), endpoints})), selected);
  const auto none = SliceBoth(World({SelectorlessCart()}));
  std::string skipped = endpoints;
  skipped.replace(skipped.find("  namespace: shop\n"), 18,
                  "  namespace: shop\n  labels: "
                  "{endpointslice.kubernetes.io/skip-mirror: \"true\"}\n");
  EXPECT_EQ(SliceBoth(World({SelectorlessCart(), skipped})), none);
  std::string not_ready = endpoints;
  not_ready.replace(not_ready.find("- addresses"), 11, "- notReadyAddresses");
  EXPECT_EQ(SliceBoth(World({SelectorlessCart(), not_ready})), none);
  // A dump lists the Endpoints and the slice mirroring made of it: each
  // address once.
  const std::string mirrored =
      "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n"
      "  name: cart-mirror\n  namespace: shop\n  labels:\n"
      "    kubernetes.io/service-name: cart\n"
      "    endpointslice.kubernetes.io/managed-by: "
      "endpointslicemirroring-controller.k8s.io\naddressType: IPv4\n"
      "ports: [{name: http, port: 8080}]\nendpoints:\n"
      "- addresses: [192.0.2.20]\n";
  const Scenario both = World({SelectorlessCart(), endpoints, mirrored});
  testing::ExpectBothEngines(both, Outcome::kDelivered, "dump with both");
  EXPECT_EQ(testing::PathsOf(both, "t").size(), 1u);
}

}  // namespace
}  // namespace meshsim
