// §15.2 (Solo's federatedservices.go `bucket`, controller.go, ztunnel's
// weighted pick): an importer reaches a peer on another network through one
// address-less WorkloadEntry weighing the peer's pod count, ready or not,
// rounded down to a power of two, healthy while that count is not 0. A peer
// whose pods are none of them ready is still picked, and its east-west
// gateway has no ready pod to send to. Asked of both engines.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "tests/crosscheck/both_engines.h"
#include "tests/test_world.h"

namespace meshsim {
namespace {

using testing::Ambient;

// Clusters a and b on networks of their own, each with an east-west
// gateway and Service shop/cart exported (traffic distribution Any); a runs
// one ready pod of it and the client, b runs `b_pods` pods, ready when
// `ready`.
Scenario PeerWorld(int b_pods, bool ready, bool denying_waypoint = false) {
  testing::World w(
      "{version: \"1.29\", distribution: solo, flags: "
      "{ENABLE_PEERING_DISCOVERY: true}}");
  w.Cluster("a", "net-a", 1).Cluster("b", "net-b", 1);
  for (const std::string c : {"a", "b"}) {
    testing::KV ns = {{Ambient(), "ambient"}};
    if (denying_waypoint && c == "a") ns["istio.io/use-waypoint"] = "waypoint";
    w.Add(c, testing::Ns("shop", ns));
    w.Add(c, testing::EastWest("net-" + c));
    w.Add(
        c,
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: cart\n"
        "  namespace: shop\n  labels: {solo.io/service-scope: global}\n"
        "  annotations: {networking.istio.io/traffic-distribution: Any}\n"
        "spec:\n  selector: {app: cart}\n  ports: [{name: http, port: 80}]\n");
  }
  w.Add("a", testing::Deploy("shop", "cart"));
  for (int i = 0; i < b_pods; ++i)
    w.Add("b", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: cart-b" +
                   std::to_string(i) +
                   "\n  namespace: shop\n  labels: {app: cart}\nspec:\n"
                   "  containers: [{name: c, image: x}]\nstatus:\n"
                   "  phase: Running\n  podIP: 10.99.0." +
                   std::to_string(10 + i) +
                   "\n  conditions: [{type: Ready, status: \"" +
                   (ready ? "True" : "False") + "\"}]\n");
  if (denying_waypoint) {  // a's shop behind a waypoint that denies all
    w.Add("a", testing::Waypoint("shop", "waypoint"));
    w.Add("a",
          "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
          "metadata: {name: deny, namespace: shop}\nspec:\n  targetRefs: "
          "[{kind: Gateway, group: gateway.networking.k8s.io, name: "
          "waypoint}]\n  action: DENY\n  rules: [{}]\n");
  }
  w.Add("a", testing::Ns("client", {{Ambient(), "ambient"}}));
  w.Add("a", testing::Deploy("client", "curl"));
  // HTTP, as the encoding's side of CurlOutcomes asks (GET /): plain TCP
  // to the HTTP port would be closed by a waypoint's codec (§8.6).
  w.Traffic("t", "{cluster: a, namespace: client, workload: curl}",
            "{host: cart.shop.mesh.internal, port: 80}",
            "{method: GET, path: /}");
  return w.Load();
}

TEST(PeerCapacityTest, APeerWithNoReadyPodIsPickedAndFailsAtItsGateway) {
  const auto [simulated, encoded] =
      testing::CurlOutcomes(PeerWorld(2, false), "shop/autogen.shop.cart", 80);
  const std::set<Outcome> both = {Outcome::kDelivered, Outcome::kFailed};
  EXPECT_EQ(simulated, both);
  EXPECT_EQ(encoded, both);
  // Its share: b's two pods weigh 2 against a's one pod.
  double failed = 0;
  for (const Path& p : testing::PathsOf(PeerWorld(2, false), "t"))
    if (p.outcome == Outcome::kFailed) failed += p.weight;
  EXPECT_NEAR(failed, 2.0 / 3, 1e-9);
}

// Through the client's waypoint, the waypoint decides first: its DENY
// ends every request there, the peer's pods ready or not.
TEST(PeerCapacityTest, TheClientsWaypointDeniesBeforeThePeerIsPicked) {
  const auto [simulated, encoded] = testing::CurlOutcomes(
      PeerWorld(2, false, true), "shop/autogen.shop.cart", 80);
  EXPECT_EQ(simulated, std::set<Outcome>{Outcome::kDenied});
  EXPECT_EQ(encoded, std::set<Outcome>{Outcome::kDenied});
}

TEST(PeerCapacityTest, APeerWithoutPodsIsNotPicked) {
  const auto [simulated, encoded] =
      testing::CurlOutcomes(PeerWorld(0, false), "shop/autogen.shop.cart", 80);
  EXPECT_EQ(simulated, std::set<Outcome>{Outcome::kDelivered});
  EXPECT_EQ(encoded, std::set<Outcome>{Outcome::kDelivered});
}

TEST(PeerCapacityTest, ReadyPodsOfThePeerServeEveryRequest) {
  const auto [simulated, encoded] =
      testing::CurlOutcomes(PeerWorld(3, true), "shop/autogen.shop.cart", 80);
  EXPECT_EQ(simulated, std::set<Outcome>{Outcome::kDelivered});
  EXPECT_EQ(encoded, std::set<Outcome>{Outcome::kDelivered});
}

}  // namespace
}  // namespace meshsim
