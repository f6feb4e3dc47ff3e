// §3.4 (endpointSlicesBuilder, matchingServicesWithoutSelectors;
// TestPodWorkloads "pod as part of selectorless service",
// TestEndpointSliceWorkloads): a Service without a selector takes its
// endpoints from the EndpointSlices labelled with its name, and from its
// Endpoints, which are mirrored only for such a Service. An endpoint
// without a Pod targetRef is an opaque host-network workload reached in
// plain TCP on its slice's port of the Service port's name; one naming a
// pod is that pod, with its ztunnel and policies. Asked of both engines.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "tests/crosscheck/both_engines.h"
#include "tests/test_world.h"

namespace meshsim {
namespace {

using testing::Ambient;

// Service shop/cart, port 80 named http, without a selector unless
// `selector`.
std::string SelectorlessCart(bool selector = false) {
  return std::string(
             "apiVersion: v1\nkind: Service\nmetadata:\n  name: cart\n"
             "  namespace: shop\nspec:\n") +
         (selector ? "  selector: {app: cart}\n" : "") +
         "  ports:\n  - {name: http, port: 80}\n";
}

// An EndpointSlice of shop/cart (unless `service` names another, "" for no
// label) with one endpoint `endpoint` (YAML, a list item's fields).
std::string Slice(const std::string& endpoint,
                  const std::string& service = "cart") {
  return "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\n"
         "metadata:\n  name: cart-abc\n  namespace: shop\n" +
         (service.empty()
              ? std::string()
              : "  labels: {kubernetes.io/service-name: " + service + "}\n") +
         "addressType: IPv4\nports:\n- {name: http, port: 8080, protocol: "
         "TCP}\nendpoints:\n- " +
         endpoint + "\n";
}

// An ambient client/curl calling shop/cart:80, with `objects` in shop.
Scenario World(const std::vector<std::string>& objects) {
  testing::World w;
  w.Cluster("east", "net-east", 2);
  w.Add("east", testing::Ns("client", {{Ambient(), "ambient"}}));
  w.Add("east", testing::Deploy("client", "curl"));
  w.Add("east", testing::Ns("shop", {{Ambient(), "ambient"}}));
  for (const std::string& o : objects) w.Add("east", o);
  w.Traffic("t", testing::kFromCurl, testing::kToCart,
            "{method: GET, path: /}");
  return w.Load();
}

// Pod shop/db-0 (app: db, not cart), ambient, at 10.20.0.9.
const char kDbPod[] =
    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: db-0\n  namespace: shop\n"
    "  labels: {app: db}\nspec:\n  containers:\n  - name: app\n    image: x\n"
    "    ports: [{containerPort: 80}]\nstatus:\n  phase: Running\n"
    "  podIP: 10.20.0.9\n";
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
  // Without a slice the Service has no endpoint.
  EXPECT_EQ(testing::Simulated(World({SelectorlessCart()}))
                .count(Outcome::kDelivered),
            0u);
  // Not ready, or not labelled for the Service: no endpoint either.
  for (const std::string& slice :
       {Slice("{addresses: [192.0.2.10], conditions: {ready: false}}"),
        Slice("{addresses: [192.0.2.10]}", ""),
        Slice("{addresses: [192.0.2.10]}", "other")}) {
    const std::set<Outcome> got =
        testing::Simulated(World({SelectorlessCart(), slice}));
    EXPECT_FALSE(got.empty()) << slice;
    EXPECT_EQ(got.count(Outcome::kDelivered), 0u) << slice;
  }
}

TEST(EndpointSliceCrossCheck, ATargetRefBringsThePodAndItsPolicies) {
  const std::string slice =
      Slice("{addresses: [10.20.0.9], targetRef: {kind: Pod, name: db-0}}");
  testing::ExpectBothEngines(World({SelectorlessCart(), kDbPod, slice}),
                             Outcome::kDelivered, "pod by targetRef");
  // The pod's own ztunnel enforces its policies: the endpoint is the pod.
  testing::ExpectBothEngines(
      World({SelectorlessCart(), kDbPod, slice, kDenyDb}), Outcome::kDenied,
      "pod by targetRef, denied");
  // The same address without a targetRef is opaque: no policy of the pod
  // applies (and the loader warns that meshsim does not model the pod's
  // ztunnel receiving it).
  testing::ExpectBothEngines(
      World({SelectorlessCart(), kDbPod, Slice("{addresses: [10.20.0.9]}"),
             kDenyDb}),
      Outcome::kDelivered, "the pod's address without targetRef");
}

TEST(EndpointSliceCrossCheck, EndpointsAreMirroredOnlyWithoutASelector) {
  const std::string endpoints =
      "apiVersion: v1\nkind: Endpoints\nmetadata:\n  name: cart\n"
      "  namespace: shop\nsubsets:\n- addresses: [{ip: 192.0.2.20}]\n"
      "  ports: [{name: http, port: 8080}]\n";
  testing::ExpectBothEngines(World({SelectorlessCart(), endpoints}),
                             Outcome::kDelivered, "mirrored Endpoints");
  // A Service with a selector (here matching no pod): its Endpoints are the
  // endpoints controller's, not mirrored, so they add nothing.
  const std::set<Outcome> got =
      testing::Simulated(World({SelectorlessCart(true), endpoints}));
  EXPECT_FALSE(got.empty());
  EXPECT_EQ(got.count(Outcome::kDelivered), 0u);
  // Not-ready addresses are no endpoint.
  const std::string not_ready =
      "apiVersion: v1\nkind: Endpoints\nmetadata:\n  name: cart\n"
      "  namespace: shop\nsubsets:\n- notReadyAddresses: [{ip: 192.0.2.20}]\n"
      "  ports: [{name: http, port: 8080}]\n";
  EXPECT_EQ(testing::Simulated(World({SelectorlessCart(), not_ready}))
                .count(Outcome::kDelivered),
            0u);
}

}  // namespace
}  // namespace meshsim
