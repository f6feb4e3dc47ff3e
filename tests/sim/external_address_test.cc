// §16.7: a Service's external addresses (externalIPs, loadBalancerIP,
// status.loadBalancer.ingress) are in no proxy's table: kube-proxy sends a
// connection to one of the Service's pods, and an ingress pod reached that
// way (or through its Service) routes the request as one from outside.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "tests/sim/path_helpers.h"
#include "tests/test_world.h"

namespace meshsim {
namespace {

using testing::Ambient;

// ShopWorld with cart behind an external IP 192.0.2.10 (spec.externalIPs)
// and the classic ingress gateway at LoadBalancer 192.0.2.20 routing every
// Host to cart through an Istio Gateway.
testing::World ExternalWorld() {
  testing::World w = testing::ShopWorld({{Ambient(), "ambient"}});
  w.Add("east",
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: cart-public\n"
        "  namespace: shop\nspec:\n  selector: {app: cart}\n"
        "  externalIPs: [192.0.2.10]\n  ports:\n  - {port: 8000, "
        "targetPort: 80, name: http}\n");
  testing::AddIngressGateway(w);
  w.Add("east", testing::IstioGatewayShopGw());
  w.Add("east", testing::VirtualServiceToCart("all", "[\"*\"]"));
  return w;
}

std::vector<Path> Dial(testing::World w, const std::string& to) {
  w.Traffic("t", "{cluster: east, namespace: client, workload: curl}", to,
            "{method: GET, path: /}");
  return testing::PathsOf(w.Load(), "t");
}

TEST(ExternalAddressTest, AnExternalIpReachesTheServicesPodsThroughKubeProxy) {
  const std::vector<Path> paths =
      Dial(ExternalWorld(), "{ip: 192.0.2.10, port: 8000}");
  ASSERT_FALSE(paths.empty());
  for (const Path& p : paths) {
    EXPECT_EQ(p.outcome, Outcome::kDelivered) << p.reason;
    EXPECT_EQ(p.hops.back().name.rfind("shop/cart-", 0), 0u);
    bool said = false;
    for (const std::string& w : p.why)
      said |= w.find("external address of service shop/cart-public") !=
              std::string::npos;
    EXPECT_TRUE(said);
  }
}

TEST(ExternalAddressTest, TheIngressLoadBalancerAddressRoutesLikeFromOutside) {
  testing::World w = ExternalWorld();
  // The ingress Service's LoadBalancer address, as its status reports it.
  w.Add("east",
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: ingress-lb\n"
        "  namespace: istio-system\nspec:\n  type: LoadBalancer\n"
        "  selector: {istio: ingressgateway}\n  ports:\n"
        "  - {name: http2, port: 80, targetPort: 8080}\n"
        "status:\n  loadBalancer:\n    ingress:\n    - ip: 192.0.2.20\n");
  const std::vector<Path> paths = Dial(w, "{ip: 192.0.2.20, port: 80}");
  ASSERT_FALSE(paths.empty());
  for (const Path& p : paths) {
    EXPECT_EQ(p.outcome, Outcome::kDelivered) << p.reason;
    bool through_ingress = false;
    for (const Hop& h : p.hops) through_ingress |= h.kind == HopKind::kIngress;
    EXPECT_TRUE(through_ingress) << PathText(p.hops);
    EXPECT_EQ(p.hops.back().name.rfind("shop/cart-", 0), 0u);
    ASSERT_TRUE(p.route.has_value());
    EXPECT_EQ(p.route->name, "shop/all");
  }
}

// A WorkloadEntry whose address is a host name: istiod sends it as the
// workload's hostname, which ztunnel resolves when it connects; a Service's
// name resolves (kube-dns) to its ClusterIP, so the request reaches an
// ingress pod and is routed (TestServiceEntrySelectsWorkloadEntry's "DNS
// hostname" cases; found by an audit of 2026-12-07, meshsim ended it at
// the WorkloadEntry).
TEST(ExternalAddressTest,
     AWorkloadEntryNamedByAServicesHostNameReachesItsPods) {
  testing::World w = ExternalWorld();
  w.Add("east",
        "apiVersion: v1\nkind: Service\nmetadata: {name: cart-headless, "
        "namespace: shop}\nspec:\n  clusterIP: None\n  selector: {app: cart}"
        "\n  ports: [{port: 9999, name: tcp}]\n");
  // An absolute name ends in a dot; a headless Service resolves to its
  // pods, dialled on the port itself.
  for (const std::string address :
       {"istio-ingressgateway.istio-system.svc.cluster.local",
        "cart-public.shop.svc.cluster.local", "cart.shop.svc.cluster.local",
        "CART.shop.svc.cluster.local.",
        "cart-headless.shop.svc.cluster.local"}) {
    testing::World v = w;
    v.Add("east",
          "apiVersion: networking.istio.io/v1\nkind: WorkloadEntry\n"
          "metadata: {name: we, namespace: shop}\nspec:\n  address: " +
              address + "\n  labels: {app: selected}\n");
    v.Add("east",
          "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\n"
          "metadata: {name: dummy, namespace: shop}\nspec:\n"
          "  hosts: [dummy.example.com]\n  ports: [{number: 80, name: http, "
          "protocol: HTTP}]\n  resolution: DNS\n  location: MESH_EXTERNAL\n"
          "  workloadSelector: {labels: {app: selected}}\n");
    const bool ingress = address.rfind("istio-ingressgateway", 0) == 0;
    const std::vector<Path> paths =
        Dial(v, "{host: dummy.example.com, port: 80}");
    ASSERT_FALSE(paths.empty()) << address;
    if (address.rfind("cart-public", 0) == 0) {
      // Its one port is 8000: nothing is forwarded on 80.
      for (const Path& p : paths) {
        EXPECT_EQ(p.outcome, Outcome::kFailed) << PathText(p.hops);
        EXPECT_NE(p.reason.find("has no port 80"), std::string::npos)
            << p.reason;
      }
      continue;
    }
    for (const Path& p : paths) {
      EXPECT_EQ(p.outcome, Outcome::kDelivered) << p.reason;
      bool through_ingress = false;
      for (const Hop& h : p.hops)
        through_ingress |= h.kind == HopKind::kIngress;
      EXPECT_EQ(through_ingress, ingress) << PathText(p.hops);
      EXPECT_EQ(p.hops.back().name.rfind("shop/cart-", 0), 0u)
          << PathText(p.hops);
    }
  }
}

// A ServiceEntry's inline endpoint named by a Service's host name: istiod
// gives it a hostname workload too, which the client's proxy resolves to
// the ClusterIP; plain TCP reaches a pod of the Service (it was an external
// hop, so a STRICT or principal policy on those pods went unseen).
TEST(ExternalAddressTest,
     AnEntrysEndpointNamedByAServicesHostNameReachesItsPods) {
  testing::World w = ExternalWorld();
  w.Add("east",
        "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\n"
        "metadata: {name: alias, namespace: shop}\nspec:\n"
        "  hosts: [api.internal]\n  ports: [{number: 80, name: http, "
        "protocol: HTTP}]\n  resolution: DNS\n  location: MESH_INTERNAL\n"
        "  endpoints: [{address: cart.shop.svc.cluster.local}]\n");
  const std::vector<Path> paths = Dial(w, "{host: api.internal, port: 80}");
  ASSERT_FALSE(paths.empty());
  for (const Path& p : paths) {
    EXPECT_EQ(p.outcome, Outcome::kDelivered) << p.reason;
    EXPECT_NE(p.hops.back().kind, HopKind::kExternal) << PathText(p.hops);
    EXPECT_EQ(p.hops.back().name.rfind("shop/cart-", 0), 0u)
        << PathText(p.hops);
  }
}

// A sidecar client told ISTIO_MUTUAL for such an entry sends Istio mTLS to
// the address, which a STRICT sidecar pod behind it accepts; without the
// DestinationRule it sends plaintext, which STRICT refuses (the third
// review of 2026-12-07 found the identity always dropped).
TEST(ExternalAddressTest, ASidecarsMutualTlsToANamedEndpointKeepsItsIdentity) {
  for (const bool mutual : {true, false}) {
    testing::World w;
    w.Cluster("east", "net-east", 1);
    w.Add("east", testing::Ns("client", {{"istio-injection", "enabled"}}));
    w.Add("east", testing::Deploy("client", "curl"));
    w.Add("east", testing::Ns("shop", {{"istio-injection", "enabled"}}));
    w.Add("east", testing::Deploy("shop", "cart"));
    w.Add("east", testing::Svc("shop", "cart", 80));
    w.Add("east",
          "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\n"
          "metadata: {name: strict, namespace: shop}\nspec: {mtls: {mode: "
          "STRICT}}\n");
    w.Add("east",
          "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\n"
          "metadata: {name: alias, namespace: client}\nspec:\n"
          "  hosts: [api.internal]\n  ports: [{number: 80, name: http, "
          "protocol: HTTP}]\n  resolution: DNS\n  location: MESH_INTERNAL\n"
          "  endpoints: [{address: cart.shop.svc.cluster.local}]\n");
    if (mutual)
      w.Add("east",
            "apiVersion: networking.istio.io/v1\nkind: DestinationRule\n"
            "metadata: {name: alias, namespace: client}\nspec:\n"
            "  host: api.internal\n  trafficPolicy: {tls: {mode: "
            "ISTIO_MUTUAL}}\n");
    const std::vector<Path> paths = Dial(w, "{host: api.internal, port: 80}");
    ASSERT_FALSE(paths.empty());
    for (const Path& p : paths)
      EXPECT_EQ(p.outcome, mutual ? Outcome::kDelivered : Outcome::kDenied)
          << (mutual ? "ISTIO_MUTUAL: " : "plaintext: ") << p.reason;
  }
}

TEST(ExternalAddressTest, AnIngressPodsOwnPortIsThePodNotTheGateway) {
  // The status port (15021) is no server of the gateway: the pod answers.
  testing::World w = ExternalWorld();
  w.Add("east",
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: ingress-status\n"
        "  namespace: istio-system\nspec:\n"
        "  selector: {istio: ingressgateway}\n  ports:\n"
        "  - {name: status-port, port: 15021}\n");
  const std::vector<Path> paths = Dial(
      w, "{host: ingress-status.istio-system.svc.cluster.local, port: 15021}");
  ASSERT_FALSE(paths.empty());
  for (const Path& p : paths) {
    EXPECT_EQ(p.outcome, Outcome::kDelivered) << p.reason;
    EXPECT_EQ(p.hops.back().kind, HopKind::kWorkload);
    EXPECT_FALSE(p.route.has_value());
  }
}

}  // namespace
}  // namespace meshsim
