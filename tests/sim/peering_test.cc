// Solo's peering multicluster in path resolution (docs/semantics.md §15.2).
// Each test states the rule and where it comes from in Solo's public fork
// (PetrMc/istio-petrmc-upstream-fork, branch petrmc/add-source_workload):
// platform/discovery/peering/{controller.go,watcher.go,segment.go},
// pilot/pkg/model/peering.go, pilot/pkg/xds/endpoints/endpoint_builder.go.
#include <gtest/gtest.h>

#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "model/io/loader.h"
#include "sim/simulator.h"
#include "tests/sim/path_helpers.h"
#include "tests/test_world.h"

namespace meshsim {
namespace {

using testing::Ambient;
using testing::Deploy;
using testing::EastWest;
using testing::KV;
using testing::Landings;
using testing::Ns;
using testing::PathsOf;
using testing::Svc;
using testing::World;

const char* kPeering =
    "{version: \"1.29\", distribution: solo, flags: "
    "{ENABLE_PEERING_DISCOVERY: true}}";

// Clusters a and b on networks `net_a` and `net_b`, each with an east-west
// gateway, namespace shop (labels `ns_labels`) running Deployment cart-<c>
// behind Service shop/cart (labels `svc_a` / `svc_b`), and a client curl in
// an ambient namespace of a. `any`: traffic distribution Any on both.
World TwoClusters(const KV& svc_a, const KV& svc_b, const KV& ns_labels = {},
                  const std::string& net_b = "net-b", bool any = false,
                  const std::string& istio = kPeering) {
  World w(istio);
  w.Cluster("a", "net-a", 1).Cluster("b", net_b, 1);
  for (const std::string c : {"a", "b"}) {
    KV ns = ns_labels;
    ns[Ambient()] = "ambient";
    w.Add(c, Ns("shop", ns));
    w.Add(c, EastWest(c == std::string("a") ? "net-a" : net_b));
    w.Add(c, Deploy("shop", "cart-" + c, 1, {{"svc", "cart"}}));
    std::string svc =
        Svc("shop", "cart", 80, c == std::string("a") ? svc_a : svc_b, "",
            "cart-" + c);
    // Traffic distribution Any, as Solo's tests set it (annotation).
    if (any)
      svc.replace(svc.find("  namespace: shop\n"), 18,
                  "  namespace: shop\n  annotations:\n"
                  "    networking.istio.io/traffic-distribution: Any\n");
    w.Add(c, svc);
  }
  w.Add("a", Ns("client", {{Ambient(), "ambient"}}));
  w.Add("a", Deploy("client", "curl"));
  return w;
}

const KV kGlobal = {{"solo.io/service-scope", "global"}};

TEST(PeeringTest, ExportedServiceIsReachedByItsMeshInternalName) {
  // controller.go reconcileServiceEntryForSegment: autogen.<ns>.<svc> with
  // host <svc>.<ns>.mesh.internal, a's own pods and b's behind its gateway.
  World w = TwoClusters(kGlobal, kGlobal);
  w.Traffic("t", "{cluster: a, namespace: client, workload: curl}",
            "{host: cart.shop.mesh.internal, port: 80}");
  Scenario sc = w.Load();
  const Service* se =
      sc.mesh.FindCluster("a")->FindService("shop/autogen.shop.cart");
  ASSERT_NE(se, nullptr);
  EXPECT_EQ(se->hosts, std::vector<std::string>{"cart.shop.mesh.internal"});
  // Default PreferNetwork: a's own endpoint; b's is the failover.
  EXPECT_EQ(se->traffic_distribution, "PreferNetwork");
  EXPECT_EQ(Landings(sc, "t"),
            (std::map<std::string, double>{{"shop/cart-a-0", 1.0}}));
}

TEST(PeeringTest, ServiceScopeBeatsNamespaceScope) {
  // watcher.go CalculateScope: the Service's label wins whenever present.
  World w = TwoClusters({}, {{"solo.io/service-scope", "cluster"}},
                        {{"solo.io/service-scope", "global"}});
  Scenario sc = w.Load();
  const Service* se =
      sc.mesh.FindCluster("a")->FindService("shop/autogen.shop.cart");
  ASSERT_NE(se, nullptr);
  ASSERT_TRUE(se->peered);
  // a exports through its namespace; b's Service says cluster.
  ASSERT_EQ(se->peered->exporters.size(), 1u);
  EXPECT_EQ(se->peered->exporters[0].cluster, 0);
}

TEST(PeeringTest, UnknownScopeValueExportsNothing) {
  World w = TwoClusters({{"solo.io/service-scope", "Global"}},
                        {{"solo.io/service-scope", "mesh"}});
  w.Traffic("t", "{cluster: a, namespace: client, workload: curl}",
            "{host: cart.shop.mesh.internal, port: 80}");
  Scenario sc = w.Load();  // not bad input: the request fails
  std::vector<Path> p = PathsOf(sc, "t");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].outcome, Outcome::kFailed);
  EXPECT_NE(p[0].reason.find("no peer exports cart.shop.mesh.internal"),
            std::string::npos)
      << p[0].reason;
}

TEST(PeeringTest, FlatPeerIsReachedDirectlyRoutedPeerThroughItsGateway) {
  // PEERING_ENABLE_FLAT_NETWORKS: a same-network peer's pods are entries of
  // their own; another network's pods sit behind its east-west gateway.
  for (const std::string net_b : {"net-a", "net-b"}) {
    World w = TwoClusters(kGlobal, kGlobal, {}, net_b, /*any=*/true);
    w.Traffic("t", "{cluster: a, namespace: client, workload: curl}",
              "{host: cart.shop.mesh.internal, port: 80}");
    Scenario sc = w.Load();
    bool through_gateway = false;
    for (const Path& p : PathsOf(sc, "t"))
      for (const Hop& h : p.hops)
        through_gateway |= h.kind == HopKind::kEastWest;
    EXPECT_EQ(through_gateway, net_b == "net-b") << net_b;
    EXPECT_EQ(Landings(sc, "t"),
              (std::map<std::string, double>{{"shop/cart-a-0", 0.5},
                                             {"shop/cart-b-0", 0.5}}));
  }
}

TEST(PeeringTest, WithoutFlatNetworksASameNetworkPeerIsBehindItsGateway) {
  // PEERING_ENABLE_FLAT_NETWORKS=false: a peer on the client's own network
  // gets one WorkloadEntry behind its east-west gateway, like another
  // network's; the client's own cluster's pods stay direct.
  World w = TwoClusters(kGlobal, kGlobal, {}, "net-a", /*any=*/true,
                        "{version: \"1.29\", distribution: solo, flags: "
                        "{ENABLE_PEERING_DISCOVERY: true, "
                        "PEERING_ENABLE_FLAT_NETWORKS: false}}");
  w.Traffic("t", "{cluster: a, namespace: client, workload: curl}",
            "{host: cart.shop.mesh.internal, port: 80}");
  std::map<std::string, std::string> via;  // landing pod -> hop kinds
  for (const Path& p : PathsOf(w.Load(), "t")) {
    EXPECT_EQ(p.outcome, Outcome::kDelivered);
    via[p.hops.back().name] = testing::HopKinds(p);
  }
  EXPECT_EQ(
      via,
      (std::map<std::string, std::string>{
          {"shop/cart-a-0", "workload ztunnel workload"},  // one node
          {"shop/cart-b-0", "workload ztunnel eastwest ztunnel workload"}}));
}

TEST(PeeringTest, AClientOutsideTheMeshCannotResolveAPeeringName) {
  // Only the mesh's DNS proxies (ztunnel's, a sidecar's) answer for
  // mesh.internal; no real DNS has the name.
  World w = TwoClusters(kGlobal, kGlobal);
  w.Add("a", Ns("plain"));
  w.Add("a", Deploy("plain", "curl"));
  w.Traffic("t", "{cluster: a, namespace: plain, workload: curl}",
            "{host: cart.shop.mesh.internal, port: 80}");
  std::vector<Path> p = PathsOf(w.Load(), "t");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].outcome, Outcome::kFailed);
  EXPECT_NE(p[0].reason.find("only the mesh's DNS proxies resolve"),
            std::string::npos)
      << p[0].reason;
}

TEST(PeeringTest, AnExporterIsReachedThroughItsOwnGateway) {
  // The WorkloadEntry autogen.<cluster>.<ns>.<svc> carries the exporter's
  // own east-west gateway address: b (no gateway) is not reached through c's
  // gateway although both are on net-b. a runs no cart pod, so its client
  // fails over to net-b (PreferNetwork). Every gateway hop is c's.
  World w(kPeering);
  w.Cluster("a", "net-a", 1).Cluster("b", "net-b", 1).Cluster("c", "net-b", 1);
  for (const std::string c : {"a", "b", "c"}) {
    w.Add(c, Ns("shop", {{Ambient(), "ambient"}}));
    if (c != "b") w.Add(c, EastWest(c == "a" ? "net-a" : "net-b"));
    if (c != "a") w.Add(c, Deploy("shop", "cart-" + c, 1, {{"svc", "cart"}}));
    w.Add(c, Svc("shop", "cart", 80, kGlobal, "", "cart-" + c));
  }
  w.Add("a", Ns("client", {{Ambient(), "ambient"}}));
  w.Add("a", Deploy("client", "curl"));
  w.Traffic("t", "{cluster: a, namespace: client, workload: curl}",
            "{host: cart.shop.mesh.internal, port: 80}");
  std::map<std::string, int> seen;  // outcome and last cluster
  for (const Path& p : PathsOf(w.Load(), "t")) {
    if (p.outcome == Outcome::kFailed) {
      EXPECT_NE(p.reason.find("cluster b has no ready east-west gateway"),
                std::string::npos)
          << p.reason;
      ++seen["failed"];
    } else {
      EXPECT_EQ(p.outcome, Outcome::kDelivered);
      ++seen["delivered in " + p.hops.back().cluster];
      for (const Hop& h : p.hops)
        if (h.kind == HopKind::kEastWest) {
          EXPECT_EQ(h.cluster, "c");
        }
    }
  }
  // b's own endpoint fails; c's gateway routes with c's entry, which
  // lists its flat peer b's pod too.
  EXPECT_EQ(seen,
            (std::map<std::string, int>{
                {"delivered in b", 1}, {"delivered in c", 1}, {"failed", 1}}));
}

TEST(PeeringTest, TakeoverGivesTheClusterLocalNameRemoteEndpoints) {
  // watcher.go shouldTakeoverInternal: global-only takes over; an explicit
  // solo.io/service-takeover=false on the local Service wins.
  for (const bool explicit_false : {false, true}) {
    KV a = {{"solo.io/service-scope", "global-only"}};
    if (explicit_false) a["solo.io/service-takeover"] = "false";
    World w = TwoClusters(a, {{"solo.io/service-scope", "global"}});
    w.Traffic("t", "{cluster: a, namespace: client, workload: curl}",
              "{host: cart.shop.svc.cluster.local, port: 80}");
    Scenario sc = w.Load();
    std::map<std::string, double> want = {{"shop/cart-a-0", 1.0}};
    if (!explicit_false)
      want = {{"shop/cart-a-0", 0.5}, {"shop/cart-b-0", 0.5}};
    EXPECT_EQ(Landings(sc, "t"), want) << explicit_false;
  }
}

TEST(PeeringTest, DrainingWeightScalesOrRemovesAPeer) {
  // endpoint_builder.go generate: weight x (100 - w); 100 removes the peer;
  // the proxy's own cluster is never drained.
  for (const int weight : {50, 100}) {
    World w = TwoClusters(kGlobal, kGlobal, {}, "net-b", /*any=*/true);
    w.Add("a",
          "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\n"
          "metadata:\n  name: istio-remote-peer-b\n"
          "  namespace: istio-system\n  labels:\n"
          "    topology.istio.io/cluster: b\n"
          "    topology.istio.io/network: net-b\n  annotations:\n"
          "    solo.io/draining-weight: \"" +
              std::to_string(weight) +
              "\"\nspec:\n  gatewayClassName: istio-remote\n"
              "  addresses:\n  - value: 192.0.2.10\n  listeners:\n"
              "  - name: cross-network\n    port: 15008\n"
              "    protocol: HBONE\n");
    w.Traffic("t", "{cluster: a, namespace: client, workload: curl}",
              "{host: cart.shop.mesh.internal, port: 80}");
    Scenario sc = w.Load();
    std::map<std::string, double> got = Landings(sc, "t");
    if (weight == 100) {
      EXPECT_EQ(got, (std::map<std::string, double>{{"shop/cart-a-0", 1.0}}));
    } else {
      ASSERT_EQ(got.size(), 2u);
      EXPECT_NEAR(got["shop/cart-a-0"], 2.0 / 3, 1e-9);
      EXPECT_NEAR(got["shop/cart-b-0"], 1.0 / 3, 1e-9);
    }
  }
}

// A bare pod of cart in cluster b (app cart-b), ready or not.
std::string PodOfCartB(int n, bool ready) {
  return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: cart-b-x" +
         std::to_string(n) +
         "\n  namespace: shop\n  labels: {app: cart-b, svc: cart}\nspec:\n"
         "  containers: [{name: c, image: x}]\nstatus:\n  phase: Running\n"
         "  podIP: 10.99.0." +
         std::to_string(10 + n) + "\n  conditions: [{type: Ready, status: \"" +
         (ready ? "True" : "False") + "\"}]\n";
}

// Where a's client's requests to cart land, by share ("" failed), with
// `ready` and `unready` extra pods of cart in b.
std::map<std::string, double> CapacityShares(int ready, int unready) {
  World w = TwoClusters(kGlobal, kGlobal, {}, "net-b", /*any=*/true);
  int n = 0;
  for (int i = 0; i < ready; ++i) w.Add("b", PodOfCartB(n++, true));
  for (int i = 0; i < unready; ++i) w.Add("b", PodOfCartB(n++, false));
  w.Traffic("t", "{cluster: a, namespace: client, workload: curl}",
            "{host: cart.shop.mesh.internal, port: 80}");
  Scenario sc = w.Load();
  std::map<std::string, double> out;
  for (const Path& p : PathsOf(sc, "t")) {
    const std::string at = p.outcome == Outcome::kDelivered
                               ? p.hops.back().name.substr(0, 11)
                               : "";
    out[at] += p.weight;
  }
  return out;
}

TEST(PeeringTest, APeerOnAnotherNetworkWeighsItsPodCountRoundedDown) {
  // federatedservices.go: Capacity = bucket(pods), a power of two; the
  // importer's WorkloadEntry for the peer weighs that, a local pod 1.
  // b runs its Deployment's pod plus these: 3 pods weigh 2, 5 weigh 4.
  std::map<std::string, double> three = CapacityShares(2, 0);
  EXPECT_NEAR(three["shop/cart-a"], 1.0 / 3, 1e-9);
  EXPECT_NEAR(three["shop/cart-b"], 2.0 / 3, 1e-9);
  std::map<std::string, double> five = CapacityShares(4, 0);
  EXPECT_NEAR(five["shop/cart-a"], 1.0 / 5, 1e-9);
  EXPECT_NEAR(five["shop/cart-b"], 4.0 / 5, 1e-9);
  // Pods that are not ready count too: 1 ready + 2 not weighs 2, and
  // the peer's gateway sends all of it to the ready pods.
  std::map<std::string, double> mixed = CapacityShares(0, 2);
  EXPECT_NEAR(mixed["shop/cart-a"], 1.0 / 3, 1e-9);
  EXPECT_NEAR(mixed["shop/cart-b"], 2.0 / 3, 1e-9);
  EXPECT_EQ(mixed.count(""), 0u);
}

TEST(PeeringTest, SegmentDomainNamesTheServiceAndSegmentScopeStaysInside) {
  // segment.go: a cluster joins through admin.solo.io/segment on its system
  // namespace; the Segment's domain replaces mesh.internal; `segment` scope
  // exports only within it. b is in the default segment.
  World w = TwoClusters({{"solo.io/service-scope", "segment"}},
                        {{"solo.io/service-scope", "segment"}});
  w.Add("a", Ns("istio-system", {{"admin.solo.io/segment", "west"}}));
  w.Add("a",
        "apiVersion: admin.solo.io/v1alpha1\nkind: Segment\nmetadata:\n"
        "  name: west\n  namespace: istio-system\nspec:\n"
        "  domain: west.internal\n");
  Scenario sc = w.Load();
  // ServiceEntryName: a segment other than the default is in the entry's
  // name, in the segment's own clusters too.
  EXPECT_EQ(sc.mesh.FindCluster("a")->FindService("shop/autogen.shop.cart"),
            nullptr);
  const Service* se =
      sc.mesh.FindCluster("a")->FindService("shop/autogen.west.shop.cart");
  ASSERT_NE(se, nullptr);
  EXPECT_EQ(se->hosts, std::vector<std::string>{"cart.shop.west.internal"});
  ASSERT_EQ(se->peered->exporters.size(), 1u);  // b is in another segment
  EXPECT_EQ(se->peered->exporters[0].cluster, 0);
}

TEST(PeeringTest, SoloEastWestGatewayCostsWhatAZtunnelCosts) {
  // §15.2: class istio-eastwest renders ztunnel in gateway mode
  // (kube-eastwest.yaml), unless upstream AMBIENT_ENABLE_MULTI_NETWORK is
  // set; the community istio-east-west class is Envoy.
  for (const std::string cls : {"istio-eastwest", "istio-east-west"}) {
    World w = TwoClusters(kGlobal, kGlobal, {}, "net-b", /*any=*/true);
    std::string text = w.Text();
    for (size_t at = text.find("gatewayClassName: istio-east-west");
         at != std::string::npos;
         at = text.find("gatewayClassName: istio-east-west", at + 1))
      text.replace(at, 33, "gatewayClassName: " + cls);
    text += "  rate: 100\n  duration: 1s\n";
    text.insert(text.find("traffic:\n") + 9,
                "- name: t\n  from: {cluster: a, namespace: client, "
                "workload: curl}\n  to: {host: cart.shop.mesh.internal, "
                "port: 80}\n");
    Diagnostics d;
    auto sc = LoadScenarioText(text, "world.yaml", ".", d);
    std::ostringstream msg;
    d.Print(msg);
    ASSERT_TRUE(sc && !d.HasErrors()) << msg.str();
    SimModel m = BuildSimModel(*sc);
    double ew = -1, zt = -1;
    for (const StationSpec& st : m.net.stations()) {
      if (st.kind == "eastwest") ew = st.service.mean_s;
      if (st.kind == "ztunnel") zt = st.service.mean_s;
    }
    ASSERT_GT(ew, 0) << cls;
    if (cls == "istio-eastwest")
      EXPECT_DOUBLE_EQ(ew, zt);
    else
      EXPECT_GT(ew, 2 * zt);
  }
}

TEST(PeeringTest, PeersKeyNamesOnlyClustersOfTheScenario) {
  World w = TwoClusters(kGlobal, kGlobal);
  std::string text = w.Text();
  text.replace(text.find("- name: a\n"), 10, "- name: a\n  peers: [c]\n");
  Diagnostics d;
  LoadScenarioText(text, "world.yaml", ".", d);
  ASSERT_TRUE(d.HasErrors());
  std::ostringstream msg;
  d.Print(msg);
  EXPECT_NE(msg.str().find("peers names 'c', which is not a cluster"),
            std::string::npos)
      << msg.str();
}

}  // namespace
}  // namespace meshsim
