// §4.6: Kubernetes NetworkPolicy as the CNI enforces it in an ambient mesh:
// HBONE arrives on 15008, plain TCP and a sidecar's mTLS on the pod's own
// port; Kubernetes' peer, port and policyTypes rules; the paths a policy
// stops fail there with its name.
#include "model/network_policy.h"

#include <gtest/gtest.h>

#include <string>

#include "model/io/loader.h"
#include "tests/sim/path_helpers.h"
#include "tests/test_world.h"

namespace meshsim {
namespace {

using testing::Ambient;

// ShopWorld (client/curl ambient, shop/cart:80, the pod's port 80) plus an
// uncaptured curl in `legacy` and `policy` in cluster east.
testing::World NetPolWorld(const std::string& policy,
                           const testing::KV& cart_svc_labels = {}) {
  testing::World w =
      testing::ShopWorld({{Ambient(), "ambient"}}, cart_svc_labels);
  w.Add("east", testing::Ns("legacy"));
  w.Add("east", testing::Deploy("legacy", "curl"));
  if (!policy.empty()) w.Add("east", policy);
  return w;
}

std::string Policy(const std::string& spec, const std::string& ns = "shop") {
  return "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n"
         "  name: np\n  namespace: " +
         ns + "\nspec:\n" + spec;
}

// The outcomes of GET / from `from_ns`/curl to cart.
std::set<Outcome> ToCart(testing::World w, const std::string& from_ns,
                         std::string* reason = nullptr) {
  w.Traffic("t", "{cluster: east, namespace: " + from_ns + ", workload: curl}",
            "{host: cart.shop, port: 80}", "{method: GET, path: /}");
  std::set<Outcome> out;
  for (const Path& p : testing::PathsOf(w.Load(), "t")) {
    out.insert(p.outcome);
    if (reason && p.outcome == Outcome::kFailed) *reason = p.reason;
  }
  return out;
}

const std::set<Outcome> kDelivered = {Outcome::kDelivered};
const std::set<Outcome> kFailed = {Outcome::kFailed};

TEST(NetworkPolicyTest, AnAmbientPodReceivesHboneOn15008) {
  // Only the app's port 80 admitted: the mesh client's HBONE (15008) is
  // dropped, the uncaptured client's plain TCP (80) passes.
  const std::string only_app_port = Policy(
      "  podSelector: {matchLabels: {app: cart}}\n"
      "  ingress:\n  - ports:\n    - {port: 80, protocol: TCP}\n");
  std::string reason;
  EXPECT_EQ(ToCart(NetPolWorld(only_app_port), "client", &reason), kFailed);
  EXPECT_NE(reason.find("NetworkPolicy shop/np"), std::string::npos) << reason;
  EXPECT_NE(reason.find("TCP port 15008 from pod client/curl-0"),
            std::string::npos)
      << reason;
  EXPECT_EQ(ToCart(NetPolWorld(only_app_port), "legacy"), kDelivered);
  // With 15008 added, both pass.
  const std::string with_hbone = Policy(
      "  podSelector: {matchLabels: {app: cart}}\n"
      "  ingress:\n  - ports:\n    - {port: 80}\n    - {port: 15008}\n");
  EXPECT_EQ(ToCart(NetPolWorld(with_hbone), "client"), kDelivered);
  EXPECT_EQ(ToCart(NetPolWorld(with_hbone), "legacy"), kDelivered);
}

// §16.1, §4.6: a sidecar client reaches a sidecar pod over Istio mTLS on
// the pod's port; with PILOT_PREFER_SENDING_HBONE over HBONE, on 15008
// (endpoint_builder.go keeps the tunnel, the connect_originate cluster
// overrides the port), so the policy sees 15008. By pod IP never.
TEST(NetworkPolicyTest, ASidecarPreferringHboneReachesASidecarPodOn15008) {
  auto outcomes = [](bool prefer, int admitted, bool by_ip) {
    testing::World w(prefer ? "{flags: {PILOT_PREFER_SENDING_HBONE: true}}"
                            : "");
    w.Cluster("east", "net-east", 2);
    w.Add("east", testing::Ns("sc", {{"istio-injection", "enabled"}}));
    w.Add("east", testing::Deploy("sc", "curl"));
    w.Add("east", testing::Deploy("sc", "cart"));
    w.Add("east", testing::Svc("sc", "cart", 80));
    w.Add("east", Policy("  podSelector: {matchLabels: {app: cart}}\n"
                         "  ingress:\n  - ports: [{port: " +
                             std::to_string(admitted) + "}]\n",
                         "sc"));
    w.Traffic("t", "{cluster: east, namespace: sc, workload: curl}",
              by_ip ? "{pod: cart, port: 80}" : "{host: cart.sc, port: 80}",
              "{method: GET, path: /}");
    std::set<Outcome> out;
    for (const Path& p : testing::PathsOf(w.Load(), "t")) out.insert(p.outcome);
    return out;
  };
  EXPECT_EQ(outcomes(false, 80, false), kDelivered);
  EXPECT_EQ(outcomes(false, 15008, false), kFailed);
  EXPECT_EQ(outcomes(true, 80, false), kFailed);
  EXPECT_EQ(outcomes(true, 15008, false), kDelivered);
  EXPECT_EQ(outcomes(true, 80, true), kDelivered);
}

// Only the sidecar's own connection to a pod IP goes without HBONE: the
// ingress it reached that way tunnels on to the sidecar pod (15008).
TEST(NetworkPolicyTest, OnlyTheSidecarsOwnPodIpHopSkipsHbone) {
  Diagnostics d;
  auto sc = LoadScenarioFile(
      "tests/data/sim/sidecar-to-ingress-pod/scenario.yaml", d);
  ASSERT_TRUE(sc && !d.HasErrors());
  std::set<Outcome> out;
  for (const Path& p : testing::PathsOf(*sc, "t")) out.insert(p.outcome);
  EXPECT_EQ(out, kDelivered);
}

TEST(NetworkPolicyTest, PeersByNamespaceAndPodSelectors) {
  // From namespace client only (any port): the captured client passes, the
  // uncaptured one in legacy does not.
  const std::string from_client = Policy(
      "  podSelector: {}\n  ingress:\n  - from:\n"
      "    - namespaceSelector: {matchLabels: "
      "{kubernetes.io/metadata.name: client}}\n");
  // (Kubernetes labels every namespace kubernetes.io/metadata.name.)
  testing::World w = NetPolWorld(from_client);
  EXPECT_EQ(ToCart(w, "client"), kDelivered);
  EXPECT_EQ(ToCart(w, "legacy"), kFailed);
  // A podSelector alone names pods of the policy's own namespace: neither
  // client is one.
  const std::string same_ns = Policy(
      "  podSelector: {}\n  ingress:\n  - from:\n"
      "    - podSelector: {matchLabels: {app: curl}}\n");
  EXPECT_EQ(ToCart(NetPolWorld(same_ns), "client"), kFailed);
  EXPECT_EQ(ToCart(NetPolWorld(same_ns), "legacy"), kFailed);
}

TEST(NetworkPolicyTest, EgressIsTheSourcesAndPolicyTypesDefault) {
  // An egress-only policy on the client admitting port 80 only: its
  // HBONE to 15008 is dropped on the way out. Without policyTypes, a
  // policy with egress rules isolates both directions.
  const std::string egress_app_port = Policy(
      "  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n"
      "  - ports:\n    - {port: 80}\n",
      "client");
  std::string reason;
  EXPECT_EQ(ToCart(NetPolWorld(egress_app_port), "client", &reason), kFailed);
  EXPECT_NE(reason.find("for egress"), std::string::npos) << reason;
  // Egress rules only, no policyTypes: Ingress is isolated too, with no
  // ingress rule, so nothing reaches cart.
  const std::string both = Policy("  podSelector: {}\n  egress:\n  - {}\n");
  EXPECT_EQ(ToCart(NetPolWorld(both), "legacy"), kFailed);
  EXPECT_EQ(ToCart(NetPolWorld(both), "client"), kFailed);
}

TEST(NetworkPolicyTest, AWaypointPodNeeds15008FromItsClients) {
  // cart uses waypoint shop/waypoint; a policy isolating the waypoint's
  // pod admits only 8080: the client's HBONE to it is dropped there.
  testing::World w =
      NetPolWorld(Policy("  podSelector: {matchLabels: "
                         "{gateway.networking.k8s.io/gateway-name: waypoint}}\n"
                         "  ingress:\n  - ports:\n    - {port: 8080}\n"),
                  {{"istio.io/use-waypoint", "waypoint"}});
  w.Add("east", testing::Waypoint("shop", "waypoint"));
  std::string reason;
  EXPECT_EQ(ToCart(w, "client", &reason), kFailed);
  EXPECT_NE(reason.find("pod shop/waypoint-0"), std::string::npos) << reason;
}

TEST(NetworkPolicyTest, TheIngressPodsPolicySeesOutsideClientsOnItsOwnPort) {
  // The classic ingress gateway (Service 80 -> pod 8080) behind a policy
  // in istio-system admitting `port` from anywhere (an ipBlock 0.0.0.0/0):
  // the outside client's connection arrives on the pod's 8080.
  auto through = [](int port) {
    testing::World w = NetPolWorld("");
    testing::AddIngressGateway(w);
    w.Add("east", testing::IstioGatewayShopGw());
    w.Add("east", testing::VirtualServiceToCart("all", "[\"*\"]"));
    w.Add("east", Policy("  podSelector: {matchLabels: {istio: "
                         "ingressgateway}}\n  ingress:\n  - from:\n"
                         "    - ipBlock: {cidr: 0.0.0.0/0}\n    ports:\n"
                         "    - {port: " +
                             std::to_string(port) + "}\n",
                         "istio-system"));
    w.Traffic("t", "{cluster: east, ingress: shop/gw}",
              "{host: shop.example.com, port: 80}", "{method: GET, path: /}");
    std::set<Outcome> out;
    for (const Path& p : testing::PathsOf(w.Load(), "t")) out.insert(p.outcome);
    return out;
  };
  EXPECT_EQ(through(8080), kDelivered);
  EXPECT_EQ(through(80), kFailed);
}

TEST(NetworkPolicyTest, NamedPortsPortRangesAndIpBlocks) {
  Cluster c;
  c.name = "east";
  Workload dst;
  dst.kind = "Pod";
  dst.ns = "shop";
  dst.name = "cart-0";
  dst.ip = "10.0.0.5";
  dst.labels = {{"app", "cart"}};
  dst.ports = {{"http", 8080}};
  NetworkPolicy np;
  np.ns = "shop";
  np.name = "np";
  NetworkPolicyRule named;
  named.ports.push_back({"TCP", 0, "http", 0});
  np.ingress_rules.push_back(named);
  c.network_policies.push_back(np);
  EXPECT_TRUE(NetworkPolicyAllows(c, nullptr, "1.2.3.4", dst, 8080).allowed);
  EXPECT_FALSE(NetworkPolicyAllows(c, nullptr, "1.2.3.4", dst, 15008).allowed);

  NetworkPolicyRule range;
  range.ports.push_back({"TCP", 15000, "", 15010});
  c.network_policies[0].ingress_rules = {range};
  EXPECT_TRUE(NetworkPolicyAllows(c, nullptr, "1.2.3.4", dst, 15008).allowed);
  EXPECT_FALSE(NetworkPolicyAllows(c, nullptr, "1.2.3.4", dst, 8080).allowed);

  NetworkPolicyRule block;
  block.any_peer = false;
  NetworkPolicyPeer peer;
  peer.cidr = "10.1.0.0/16";
  peer.except = {"10.1.2.0/24"};
  block.peers.push_back(peer);
  c.network_policies[0].ingress_rules = {block};
  EXPECT_TRUE(NetworkPolicyAllows(c, nullptr, "10.1.1.1", dst, 80).allowed);
  EXPECT_FALSE(NetworkPolicyAllows(c, nullptr, "10.1.2.1", dst, 80).allowed);
  EXPECT_FALSE(NetworkPolicyAllows(c, nullptr, "10.2.0.1", dst, 80).allowed);
  // An address meshsim does not know (outside the cluster) matches any
  // ipBlock.
  EXPECT_TRUE(NetworkPolicyAllows(c, nullptr, "", dst, 80).allowed);
  // A pod of another namespace: not selected, so not isolated.
  dst.ns = "other";
  EXPECT_TRUE(NetworkPolicyAllows(c, nullptr, "10.2.0.1", dst, 80).allowed);
}

}  // namespace
}  // namespace meshsim
