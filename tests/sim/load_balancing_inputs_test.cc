// §3.8: a Service's load-balancing inputs: the effective traffic
// distribution (spec field, the object's annotation, its namespace's) and
// internalTrafficPolicy Local (every proxy keeps its own node's endpoints).
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "model/io/loader.h"
#include "tests/sim/path_helpers.h"
#include "tests/test_world.h"

namespace meshsim {
namespace {

using testing::Ambient;

const Service& Find(const Scenario& sc, const std::string& key) {
  const Service* s = sc.mesh.clusters[0].FindService(key);
  EXPECT_NE(s, nullptr) << key;
  static const Service none;
  return s ? *s : none;
}

std::string Annotated(const std::string& kind_yaml, const std::string& value) {
  return kind_yaml +
         "  annotations:\n    networking.istio.io/"
         "traffic-distribution: \"" +
         value + "\"\n";
}

// Namespace `shop` annotated PreferClose, with Services that each set (or
// not) the field and the annotation.
testing::World DistributionWorld(const std::string& istio = "") {
  testing::World w(istio);
  w.Cluster("east", "net-east", 2);
  w.Add("east",
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels: "
        "{istio.io/dataplane-mode: ambient}\n  annotations:\n    "
        "networking.istio.io/traffic-distribution: PreferClose\n");
  auto svc = [&](const std::string& name, const std::string& annotation,
                 const std::string& spec_value) {
    std::string y =
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: " + name +
        "\n  namespace: shop\n";
    if (!annotation.empty()) y = Annotated(y, annotation);
    y += "spec:\n  selector: {app: cart}\n  ports: [{port: 80, name: http}]\n";
    if (!spec_value.empty()) y += "  trafficDistribution: " + spec_value + "\n";
    w.Add("east", y);
  };
  svc("inherits", "", "");
  svc("own-annotation", "preferSameNode", "");
  svc("unknown-annotation", "Nearest", "");
  svc("spec-wins", "PreferSameNode", "PreferSameZone");
  svc("unknown-spec", "", "SomethingNew");
  svc("close-annotation", "preferclose", "");
  w.Add("east", testing::Deploy("shop", "cart"));
  w.Add("east", testing::Ns("plain", {{Ambient(), "ambient"}}));
  w.Add("east", testing::Svc("plain", "cart", 80));
  auto entry = [&](const std::string& name, const std::string& resolution) {
    w.Add("east", Annotated("apiVersion: networking.istio.io/v1\nkind: "
                            "ServiceEntry\nmetadata:\n  name: " +
                                name + "\n  namespace: plain\n",
                            "PreferSameNode") +
                      "spec:\n  hosts: [" + name +
                      ".example.com]\n  ports: [{number: 80, name: http, "
                      "protocol: HTTP}]\n  resolution: " +
                      resolution + "\n");
  };
  entry("by-dns", "DNS");
  entry("passthrough", "NONE");
  return w;
}

TEST(LoadBalancingInputsTest,
     TrafficDistributionFollowsSpecThenAnnotationThenNamespace) {
  const Scenario sc = DistributionWorld().Load();
  ASSERT_FALSE(sc.mesh.clusters.empty());
  // The namespace's annotation, when the Service says nothing.
  EXPECT_EQ(Find(sc, "shop/inherits").traffic_distribution, "PreferClose");
  // The Service's annotation, in any case, over the namespace's.
  EXPECT_EQ(Find(sc, "shop/own-annotation").traffic_distribution,
            "PreferSameNode");
  // An annotation Istio does not know means Any: the namespace's is not
  // consulted.
  EXPECT_EQ(Find(sc, "shop/unknown-annotation").traffic_distribution, "Any");
  // The spec field over both annotations.
  EXPECT_EQ(Find(sc, "shop/spec-wins").traffic_distribution, "PreferSameZone");
  // A spec value Istio does not know falls through to the annotations.
  EXPECT_EQ(Find(sc, "shop/unknown-spec").traffic_distribution, "PreferClose");
  // Nothing anywhere: no distribution.
  EXPECT_EQ(Find(sc, "plain/cart").traffic_distribution, "");
  // A ServiceEntry reads its annotation; one passing through has none.
  EXPECT_EQ(Find(sc, "plain/by-dns").traffic_distribution, "PreferSameNode");
  EXPECT_EQ(Find(sc, "plain/passthrough").traffic_distribution, "");
}

TEST(LoadBalancingInputsTest, TrafficDistributionByRelease) {
  // 1.27 to 1.29: every value, but no namespace annotation (#58701, 1.30).
  Scenario sc = DistributionWorld("{version: \"1.29\"}").Load();
  ASSERT_FALSE(sc.mesh.clusters.empty());
  EXPECT_EQ(Find(sc, "shop/inherits").traffic_distribution, "");
  EXPECT_EQ(Find(sc, "shop/own-annotation").traffic_distribution,
            "PreferSameNode");
  EXPECT_EQ(Find(sc, "shop/unknown-spec").traffic_distribution, "");
  // Before 1.27 only PreferClose; a spec value set decides alone.
  sc = DistributionWorld("{version: \"1.26\"}").Load();
  ASSERT_FALSE(sc.mesh.clusters.empty());
  EXPECT_EQ(Find(sc, "shop/inherits").traffic_distribution, "");
  EXPECT_EQ(Find(sc, "shop/own-annotation").traffic_distribution, "");
  EXPECT_EQ(Find(sc, "shop/spec-wins").traffic_distribution, "");
  EXPECT_EQ(Find(sc, "plain/by-dns").traffic_distribution, "");
  EXPECT_EQ(Find(sc, "shop/close-annotation").traffic_distribution,
            "PreferClose");
}

// curl and cart pods on two nodes; cart's Service is node-local.
testing::World NodeLocalWorld(int cart_replicas) {
  testing::World w;
  w.Cluster("east", "net-east", 2);
  w.Add("east", testing::Ns("client", {{Ambient(), "ambient"}}));
  w.Add("east", testing::Deploy("client", "curl"));
  w.Add("east", testing::Ns("shop", {{Ambient(), "ambient"}}));
  w.Add("east", testing::Deploy("shop", "cart", cart_replicas));
  w.Add("east", testing::Svc("shop", "cart", 80, {},
                             "  internalTrafficPolicy: Local\n"));
  w.Traffic("t", testing::kFromCurl, testing::kToCart,
            "{method: GET, path: /}");
  return w;
}

std::string NodeOf(const Scenario& sc, const std::string& pod_key) {
  const Workload* w = sc.mesh.clusters[0].FindWorkload(pod_key);
  return w ? w->node : "";
}

TEST(LoadBalancingInputsTest, NodeLocalServiceReachesOnlyTheClientsNode) {
  const Scenario sc = NodeLocalWorld(4).Load();
  ASSERT_FALSE(sc.mesh.clusters.empty());
  const std::vector<Path> paths = testing::PathsOf(sc, "t");
  ASSERT_FALSE(paths.empty());
  const std::string client_node = NodeOf(sc, paths[0].hops.front().name);
  ASSERT_FALSE(client_node.empty());
  std::set<std::string> reached;
  for (const Path& p : paths) {
    ASSERT_EQ(p.outcome, Outcome::kDelivered) << p.reason;
    reached.insert(p.hops.back().name);
    EXPECT_EQ(NodeOf(sc, p.hops.back().name), client_node) << PathText(p.hops);
  }
  // Two of the four replicas share the client's node (round robin).
  EXPECT_EQ(reached.size(), 2u);
}

TEST(LoadBalancingInputsTest, NodeLocalServiceWithNoPodOnTheNodeFails) {
  testing::World w = NodeLocalWorld(1);
  const Scenario sc = w.Load();
  ASSERT_FALSE(sc.mesh.clusters.empty());
  const std::vector<Path> paths = testing::PathsOf(sc, "t");
  ASSERT_FALSE(paths.empty());
  // The one cart pod is on the other node (round robin after curl).
  const std::string client_node = NodeOf(sc, paths[0].hops.front().name);
  for (const Workload& wl : sc.mesh.clusters[0].workloads) {
    if (wl.ns == "shop") {
      EXPECT_NE(wl.node, client_node) << wl.Key();
    }
  }
  for (const Path& p : paths) {
    EXPECT_EQ(p.outcome, Outcome::kFailed) << PathText(p.hops);
    bool said = false;
    for (const std::string& why : p.why)
      said |= why.find("internalTrafficPolicy Local") != std::string::npos;
    EXPECT_TRUE(said) << p.reason;
  }
}

// kube-proxy keeps a node-local Service's pods on the client's node also
// for a Service istiod does not discover (review finding).
TEST(LoadBalancingInputsTest, KubeProxyKeepsTheNodeForUndiscoveredServices) {
  testing::World w(
      "{meshConfig: {discoverySelectors: [{matchLabels: {mesh: \"yes\"}}]}}");
  w.Cluster("east", "net-east", 2);
  w.Add("east",
        testing::Ns("client", {{Ambient(), "ambient"}, {"mesh", "yes"}}));
  w.Add("east", testing::Deploy("client", "curl"));
  w.Add("east", testing::Ns("shop"));
  w.Add("east", testing::Deploy("shop", "cart", 1));
  w.Add("east", testing::Svc("shop", "cart", 80, {},
                             "  internalTrafficPolicy: Local\n"));
  w.Traffic("t", testing::kFromCurl, testing::kToCart,
            "{method: GET, path: /}");
  const Scenario sc = w.Load();
  ASSERT_FALSE(sc.mesh.clusters.empty());
  const std::vector<Path> paths = testing::PathsOf(sc, "t");
  ASSERT_FALSE(paths.empty());
  for (const Path& p : paths) {
    EXPECT_EQ(p.outcome, Outcome::kFailed) << PathText(p.hops);
    EXPECT_NE(p.reason.find("internalTrafficPolicy Local"), std::string::npos)
        << p.reason;
  }
}

// §3.8: a client's ztunnel picks among the waypoint's replicas by the
// waypoint Service's traffic distribution: PreferClose as generated, or
// what the Gateway's annotation says (it is copied to the Service).
TEST(LoadBalancingInputsTest, WaypointReplicasFollowTheGatewaysDistribution) {
  auto replicas = [](const std::string& file) {
    Diagnostics d;
    auto sc =
        LoadScenarioFile("tests/data/sim/waypoint-distribution/" + file, d);
    EXPECT_TRUE(sc && !d.HasErrors()) << file;
    std::set<std::string> out;
    if (!sc) return out;
    for (const Path& p : testing::PathsOf(*sc, "t"))
      for (const Hop& h : p.hops)
        if (h.kind == HopKind::kWaypoint) out.insert(h.node);
    return out;
  };
  // The waypoint's pods run on n-a1, n-a2 (the client's zone) and n-b1.
  EXPECT_EQ(replicas("default.yaml"), (std::set<std::string>{"n-a1", "n-a2"}));
  EXPECT_EQ(replicas("same-node.yaml"), (std::set<std::string>{"n-a1"}));
}

}  // namespace
}  // namespace meshsim
