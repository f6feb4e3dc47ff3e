// Path resolution: one test per rule of docs/semantics.md §1, §3, §5-§7,
// §15, the known cases of §10 (K1-K18) and Istio's own test cases of §13.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "tests/sim/path_helpers.h"
#include "tests/test_world.h"

namespace meshsim {
namespace {

using testing::Ambient;
using testing::Deploy;
using testing::EastWest;
using ::testing::ElementsAre;
using testing::HopKinds;
using testing::Ingress;
using testing::IngressRoute;
using testing::Ns;
using testing::PathsOf;
using testing::Summary;
using testing::Svc;
using ::testing::UnorderedElementsAre;
using testing::Waypoint;
using testing::World;

using testing::kFromCurl;
using testing::kToCart;

World Base(const testing::KV& shop_ns_labels = {{Ambient(), "ambient"}},
           const testing::KV& cart_svc_labels = {},
           const testing::KV& cart_pod_labels = {},
           const std::string& istio = "") {
  return testing::ShopWorld(shop_ns_labels, cart_svc_labels, cart_pod_labels,
                            istio);
}

// §13 case 1, §3.1: captured client to a VIP bound to a service waypoint.
TEST(PathsTest, Case01_CapturedClientToServiceWaypointVip) {
  World w =
      Base({{Ambient(), "ambient"}}, {{"istio.io/use-waypoint", "waypoint"}});
  w.Add("east", Waypoint("shop", "waypoint"));
  w.Traffic("t", kFromCurl, kToCart);
  auto paths = PathsOf(w.Load(), "t");
  ASSERT_EQ(paths.size(), 1u);
  EXPECT_EQ(HopKinds(paths[0]), "workload ztunnel waypoint ztunnel workload");
  EXPECT_THAT(paths[0].waypoints, ElementsAre("shop/waypoint"));
  EXPECT_EQ(paths[0].hops.back().name, "shop/cart-0");
  EXPECT_EQ(paths[0].outcome, Outcome::kDelivered);
  EXPECT_THAT(paths[0].why,
              ::testing::Contains(
                  "service shop/cart uses waypoint shop/waypoint (own label)"));
}

// §13 case 2, K1: an uncaptured client bypasses the waypoint; plaintext
// inbound through the destination ztunnel (§4.4).
TEST(PathsTest, Case02_K1_UncapturedClientBypasses) {
  World w =
      Base({{Ambient(), "ambient"}, {"istio.io/use-waypoint", "waypoint"}});
  w.Add("east", Waypoint("shop", "waypoint"));
  w.Add("east", Ns("legacy"));
  w.Add("east", Deploy("legacy", "curl"));
  w.Traffic("t", "{cluster: east, namespace: legacy, workload: curl}", kToCart);
  auto paths = PathsOf(w.Load(), "t");
  ASSERT_EQ(paths.size(), 1u);
  EXPECT_EQ(HopKinds(paths[0]), "workload ztunnel workload");
  EXPECT_TRUE(paths[0].waypoints.empty());
  EXPECT_EQ(paths[0].outcome, Outcome::kDelivered);
}

// §13 case 3, K6: pods with only a workload waypoint; the Service is called.
TEST(PathsTest, Case03_K6_ServiceCallSkipsWorkloadWaypoint) {
  World w = Base({{Ambient(), "ambient"}}, {},
                 {{"istio.io/use-waypoint", "wl-waypoint"}});
  w.Add("east", Waypoint("shop", "wl-waypoint", "workload"));
  w.Traffic("t", kFromCurl, kToCart);
  EXPECT_THAT(Summary(PathsOf(w.Load(), "t")), ElementsAre("|delivered"));
}

// §13 case 4, K5: pod-IP call to a pod whose service has a waypoint.
TEST(PathsTest, Case04_K5_PodIpSkipsServiceWaypoint) {
  World w =
      Base({{Ambient(), "ambient"}}, {{"istio.io/use-waypoint", "waypoint"}});
  w.Add("east", Waypoint("shop", "waypoint"));
  w.Traffic("t", kFromCurl, "{pod: shop/cart, port: 80}");
  auto paths = PathsOf(w.Load(), "t");
  EXPECT_THAT(Summary(paths), ElementsAre("|delivered"));
  EXPECT_EQ(HopKinds(paths[0]), "workload ztunnel ztunnel workload");
}

// §13 case 5, §3.2: pod-IP call to a pod with a workload waypoint.
TEST(PathsTest, Case05_PodIpUsesWorkloadWaypoint) {
  World w =
      Base({{Ambient(), "ambient"}}, {}, {{"istio.io/use-waypoint", "wl"}});
  w.Add("east", Waypoint("shop", "wl", "workload"));
  w.Traffic("t", kFromCurl, "{pod: shop/cart, port: 80}");
  auto paths = PathsOf(w.Load(), "t");
  EXPECT_THAT(Summary(paths), ElementsAre("shop/wl|delivered"));
  EXPECT_EQ(HopKinds(paths[0]), "workload ztunnel waypoint ztunnel workload");
}

// §3.2: a host-network pod's address is the node's, which ztunnel does not
// index: dialled directly, it passes through without its workload waypoint.
TEST(PathsTest, HostNetworkPodIpPassesThrough) {
  World w =
      Base({{Ambient(), "ambient"}}, {}, {{"istio.io/use-waypoint", "wl"}});
  w.Add("east", Waypoint("shop", "wl", "workload"));
  w.Add("east",
        testing::Deploy("shop", "agent", 1, {{"istio.io/use-waypoint", "wl"}},
                        "      hostNetwork: true\n"));
  w.Traffic("t", kFromCurl, "{pod: shop/agent, port: 80}");
  auto paths = PathsOf(w.Load(), "t");
  EXPECT_THAT(Summary(paths), ElementsAre("|delivered"));
  EXPECT_NE(paths[0].why.back().find("uses the host network"),
            std::string::npos);
}

// §13 case 6: uncaptured client to the pod IP of a waypoint-bound pod.
TEST(PathsTest, Case06_UncapturedPodIpBypassesWorkloadWaypoint) {
  World w =
      Base({{Ambient(), "ambient"}}, {}, {{"istio.io/use-waypoint", "wl"}});
  w.Add("east", Waypoint("shop", "wl", "all"));
  w.Add("east", Ns("legacy"));
  w.Add("east", Deploy("legacy", "curl"));
  w.Traffic("t", "{cluster: east, namespace: legacy, workload: curl}",
            "{pod: shop/cart, port: 80}");
  EXPECT_THAT(Summary(PathsOf(w.Load(), "t")), ElementsAre("|delivered"));
}

// §13 case 7, §3.2: a pod calling its own pod IP is not captured.
TEST(PathsTest, Case07_SelfCallNotCaptured) {
  World w =
      Base({{Ambient(), "ambient"}}, {}, {{"istio.io/use-waypoint", "wl"}});
  w.Add("east", Waypoint("shop", "wl", "workload"));
  w.Traffic("t", "{cluster: east, namespace: shop, workload: cart}",
            "{pod: shop/cart, port: 80}");
  auto paths = PathsOf(w.Load(), "t");
  ASSERT_EQ(paths.size(), 1u);
  EXPECT_EQ(HopKinds(paths[0]), "workload");
  EXPECT_EQ(paths[0].outcome, Outcome::kDelivered);
}

// §13 case 8: a sidecar client applies L7 itself and never sends to a waypoint
// (§6, K2); with the label the captured client does.
TEST(PathsTest, Case08_K2_SidecarClientBypassesWaypoint) {
  World w = Base({{Ambient(), "ambient"}},
                 {{"istio.io/use-waypoint", "captured-waypoint"}});
  w.Add("east", Waypoint("shop", "captured-waypoint"));
  w.Add("east", Ns("mesh", {{"istio-injection", "enabled"}}));
  w.Add("east", Deploy("mesh", "curl"));
  w.Traffic("sidecar", "{cluster: east, namespace: mesh, workload: curl}",
            kToCart);
  w.Traffic("captured", kFromCurl, kToCart);
  Scenario s = w.Load();
  auto sc = PathsOf(s, "sidecar");
  EXPECT_THAT(Summary(sc), ElementsAre("|delivered"));
  EXPECT_EQ(HopKinds(sc[0]), "workload sidecar ztunnel workload");
  EXPECT_THAT(Summary(PathsOf(s, "captured")),
              ElementsAre("shop/captured-waypoint|delivered"));
}

// §13 case 9, K7, §3.6: a label naming a missing Gateway fails open.
TEST(PathsTest, Case09_K7_BogusWaypointFailsOpen) {
  World w = Base({{Ambient(), "ambient"}},
                 {{"istio.io/use-waypoint", "bogus-waypoint"}});
  w.Traffic("t", kFromCurl, kToCart);
  auto paths = PathsOf(w.Load(), "t");
  EXPECT_THAT(Summary(paths), ElementsAre("|delivered"));
  EXPECT_NE(paths[0].why[1].find("names waypoint shop/bogus-waypoint"),
            std::string::npos);
  EXPECT_NE(paths[0].why[1].find("fail open"), std::string::npos);
}

// §13 case 10, §2.1: a plain `istio`-class Gateway can serve as a waypoint.
TEST(PathsTest, Case10_SandwichGatewayClassIstioIsAWaypoint) {
  // As in TestSimpleHTTPSandwich, the Gateway asks for ambient capture of
  // its pods: their ztunnel terminates HBONE in front of the ingress Envoy.
  World w = Base({{Ambient(), "ambient"}},
                 {{"istio.io/use-waypoint", "simple-http-waypoint"}});
  w.Add("east", Waypoint("shop", "simple-http-waypoint", "", "", "istio", "",
                         {{"istio.io/dataplane-mode", "ambient"}}));
  w.Traffic("t", kFromCurl, kToCart);
  EXPECT_THAT(Summary(PathsOf(w.Load(), "t")),
              ElementsAre("shop/simple-http-waypoint|delivered"));
}

// §2.1: the same Gateway without that label binds (istiod makes a Waypoint
// of any Gateway with an address) but an ingress has no HBONE listener of
// its own: in a namespace ambient does not enrol, the connection fails; in
// an ambient namespace istio-cni captures the pod anyway (the ingress
// template sets no dataplane-mode), and its ztunnel takes HBONE for it.
TEST(PathsTest, IngressNamedAsWaypointTakesHboneOnlyWhenCaptured) {
  for (const bool ambient_ns : {false, true}) {
    SCOPED_TRACE(ambient_ns ? "ambient namespace" : "plain namespace");
    World w =
        Base(ambient_ns ? testing::KV{{Ambient(), "ambient"}} : testing::KV{},
             {{"istio.io/use-waypoint", "simple-http-waypoint"}});
    w.Add("east", Waypoint("shop", "simple-http-waypoint", "", "", "istio"));
    w.Traffic("t", kFromCurl, kToCart);
    const auto paths = PathsOf(w.Load(), "t");
    if (ambient_ns) {
      EXPECT_THAT(Summary(paths),
                  ElementsAre("shop/simple-http-waypoint|delivered"));
    } else {
      ASSERT_THAT(Summary(paths), ElementsAre("|failed"));
      EXPECT_NE(paths[0].reason.find("no HBONE listener"), std::string::npos)
          << paths[0].reason;
    }
  }
}

// §13 cases 12-14, K3, §5: ingress bypasses unless ingress-use-waypoint on the
// Service or its Namespace.
TEST(PathsTest, Case12to14_IngressUseWaypoint) {
  for (int variant = 0; variant < 3; ++variant) {
    testing::KV ns = {{Ambient(), "ambient"},
                      {"istio.io/use-waypoint", "waypoint"}};
    testing::KV svc;
    if (variant == 1) svc["istio.io/ingress-use-waypoint"] = "true";
    if (variant == 2) ns["istio.io/ingress-use-waypoint"] = "true";
    World w = Base(ns, svc);
    w.Add("east", Waypoint("shop", "waypoint"));
    w.Add("east", Ingress("shop", "gw"));
    w.Add("east", IngressRoute("shop", "r", "shop", "gw", "cart", 80));
    w.Traffic("t", "{cluster: east, ingress: shop/gw}",
              "{host: shop.example.com, port: 80}");
    auto paths = PathsOf(w.Load(), "t");
    ASSERT_EQ(paths.size(), 1u) << variant;
    if (variant == 0) {
      EXPECT_TRUE(paths[0].waypoints.empty());
      EXPECT_EQ(HopKinds(paths[0]), "ingress ztunnel workload");
    } else {
      EXPECT_THAT(paths[0].waypoints, ElementsAre("shop/waypoint")) << variant;
      EXPECT_EQ(HopKinds(paths[0]), "ingress waypoint ztunnel workload");
    }
  }
}

// §5: the Service label overrides the Namespace label; an invalid value is
// false.
TEST(PathsTest, IngressServiceLabelOverridesNamespace) {
  World w = Base({{Ambient(), "ambient"},
                  {"istio.io/use-waypoint", "waypoint"},
                  {"istio.io/ingress-use-waypoint", "true"}},
                 {{"istio.io/ingress-use-waypoint", "nope"}});
  w.Add("east", Waypoint("shop", "waypoint"));
  w.Add("east", Ingress("shop", "gw"));
  w.Add("east", IngressRoute("shop", "r", "shop", "gw", "cart", 80));
  w.Traffic("t", "{cluster: east, ingress: shop/gw}", "{host: a, port: 80}");
  EXPECT_THAT(Summary(PathsOf(w.Load(), "t")), ElementsAre("|delivered"));
}

// §5: ingress-use-waypoint on a Namespace needs 1.25; on a Service 1.24.
TEST(PathsTest, IngressUseWaypointVersionGates) {
  auto run = [](const std::string& version, bool on_namespace) {
    testing::KV ns = {{Ambient(), "ambient"},
                      {"istio.io/use-waypoint", "waypoint"}};
    testing::KV svc;
    (on_namespace ? ns : svc)["istio.io/ingress-use-waypoint"] = "true";
    World w = Base(ns, svc, {}, "{version: \"" + version + "\"}");
    w.Add("east", Waypoint("shop", "waypoint"));
    w.Add("east", Ingress("shop", "gw"));
    w.Add("east", IngressRoute("shop", "r", "shop", "gw", "cart", 80));
    w.Traffic("t", "{cluster: east, ingress: shop/gw}", "{host: a, port: 80}");
    return Summary(PathsOf(w.Load(), "t"));
  };
  EXPECT_THAT(run("1.23", false), ElementsAre("|delivered"));
  EXPECT_THAT(run("1.24", false), ElementsAre("shop/waypoint|delivered"));
  EXPECT_THAT(run("1.24", true), ElementsAre("|delivered"));
  EXPECT_THAT(run("1.25", true), ElementsAre("shop/waypoint|delivered"));
}

// §5 (endpoint_builder.go FromServiceEndpoints): an ingress opted in to a
// ServiceEntry's waypoint uses it for an entry its EDS serves (STATIC); a
// DNS-resolved entry is a DNS cluster at the ingress, built without the
// waypoint, so the ingress goes direct.
TEST(PathsTest, IngressSkipsTheWaypointOfADnsServiceEntry) {
  auto run = [](const std::string& resolution) {
    World w = Base();
    w.Add("east", Waypoint("shop", "egress"));
    w.Add(
        "east",
        "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n"
        "  name: api\n  namespace: shop\n  labels: {istio.io/use-waypoint: "
        "egress, istio.io/ingress-use-waypoint: \"true\"}\nspec:\n"
        "  hosts: [api.example.com]\n  addresses: [240.0.0.9]\n"
        "  ports: [{number: 80, name: http, protocol: HTTP}]\n"
        "  location: MESH_EXTERNAL\n  resolution: " +
            resolution +
            (resolution == "STATIC" ? "\n  endpoints: [{address: 198.51.100.7}]"
                                    : "") +
            "\n");
    w.Add("east", Ingress("shop", "gw"));
    w.Add("east",
          "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\n"
          "metadata: {name: r, namespace: shop}\nspec:\n"
          "  parentRefs: [{name: gw}]\n  rules:\n  - backendRefs: [{group: "
          "networking.istio.io, kind: Hostname, name: api.example.com, port: "
          "80}]\n");
    w.Traffic("t", "{cluster: east, ingress: shop/gw}",
              "{host: shop.example.com, port: 80}");
    return Summary(PathsOf(w.Load(), "t"));
  };
  EXPECT_THAT(run("STATIC"), ElementsAre("shop/egress|delivered"));
  EXPECT_THAT(run("DNS"), ElementsAre("|delivered"));
  EXPECT_THAT(run("DNS_ROUND_ROBIN"), ElementsAre("|delivered"));
}

// §3.3: an ExternalName Service is a CNAME (a sidecar's alias) to its
// externalName: one naming a mesh Service reaches that Service's address,
// waypoint included; any other name is dialled as it is.
TEST(PathsTest, AnExternalNameServiceAddressesItsTarget) {
  World w =
      Base({{Ambient(), "ambient"}, {"istio.io/use-waypoint", "waypoint"}});
  w.Add("east", Waypoint("shop", "waypoint"));
  w.Add("east",
        "apiVersion: v1\nkind: Service\nmetadata: {name: alias, namespace: "
        "shop}\nspec: {type: ExternalName, externalName: "
        "cart.shop.svc.cluster.local}\n");
  w.Add("east",
        "apiVersion: v1\nkind: Service\nmetadata: {name: outside, "
        "namespace: shop}\nspec: {type: ExternalName, externalName: "
        "api.example.com}\n");
  w.Traffic("in", "{cluster: east, namespace: client, workload: curl}",
            "{host: alias.shop, port: 80}");
  w.Traffic("out", "{cluster: east, namespace: client, workload: curl}",
            "{host: outside.shop, port: 80}");
  const Scenario sc = w.Load();
  EXPECT_THAT(Summary(PathsOf(sc, "in")),
              ElementsAre("shop/waypoint|delivered"));
  const std::vector<Path> out = PathsOf(sc, "out");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_NE(out[0].hops.back().name.find("api.example.com"), std::string::npos)
      << out[0].hops.back().name;
}

// §13 case 15, K4: ingress never uses workload waypoints.
TEST(PathsTest, Case15_K4_IngressIgnoresWorkloadWaypoint) {
  World w =
      Base({{Ambient(), "ambient"}, {"istio.io/ingress-use-waypoint", "true"}},
           {}, {{"istio.io/use-waypoint", "wl"}});
  w.Add("east", Waypoint("shop", "wl", "workload"));
  w.Add("east", Ingress("shop", "gw"));
  w.Add("east", IngressRoute("shop", "r", "shop", "gw", "cart", 80));
  w.Traffic("t", "{cluster: east, ingress: shop/gw}", "{host: a, port: 80}");
  EXPECT_THAT(Summary(PathsOf(w.Load(), "t")), ElementsAre("|delivered"));
}

// §13 case 20, K9, §3.4: egress waypoint through a ServiceEntry address; the
// real IP without a ServiceEntry is passed through.
TEST(PathsTest, Case20_K9_EgressWaypointViaServiceEntry) {
  World w = Base();
  w.Add("east", Ns("egress"));
  w.Add("east",
        Waypoint("egress", "egress-gateway", "",
                 "    allowedRoutes:\n      namespaces:\n        from: "
                 "Selector\n        selector:\n          matchLabels:\n        "
                 "    kubernetes.io/metadata.name: client\n"));
  w.Add("east",
        "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n  "
        "name: ext\n  namespace: client\n"
        "  labels:\n    istio.io/use-waypoint: egress-gateway\n    "
        "istio.io/use-waypoint-namespace: egress\n"
        "spec:\n  hosts: [ext.example.com]\n  addresses: [203.0.113.7]\n  "
        "resolution: NONE\n  ports:\n  - number: 80\n    name: http\n    "
        "protocol: HTTP\n");
  w.Traffic("via-se", kFromCurl, "{ip: 203.0.113.7, port: 80}");
  w.Traffic("real-ip", kFromCurl, "{ip: 198.51.100.9, port: 80}");
  Scenario s = w.Load();
  auto via = PathsOf(s, "via-se");
  EXPECT_THAT(Summary(via), ElementsAre("egress/egress-gateway|delivered"));
  EXPECT_EQ(via[0].hops.back().kind, HopKind::kExternal);
  EXPECT_EQ(via[0].hops.back().name, "203.0.113.7:80");
  auto real = PathsOf(s, "real-ip");
  EXPECT_THAT(Summary(real), ElementsAre("|delivered"));
  EXPECT_EQ(HopKinds(real[0]), "workload ztunnel external");
}

// §3.4: a ServiceEntry's inline endpoints with an IP address are workloads:
// each reached on its own port for the entry's, one on a network without a
// gateway picked and refused, one's own use-waypoint label taken when its
// address is dialled and not when the entry is; a hostname endpoint stays a
// name.
TEST(PathsTest, ServiceEntryInlineEndpointsAreWorkloads) {
  World w = Base();
  w.Add("east", Waypoint("client", "wl", "workload"));
  const std::string vms =
      "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n  "
      "name: vms\n  namespace: client\nspec:\n  hosts: [vms.example.com]\n"
      "  addresses: [240.0.0.9]\n  resolution: STATIC\n  ports:\n"
      "  - {number: 80, name: http, protocol: HTTP, targetPort: 8080}\n"
      "  endpoints:\n"
      "  - address: 192.0.2.1\n    labels: {istio.io/use-waypoint: wl}\n"
      "  - address: 192.0.2.2\n    ports: {http: 9090}\n"
      "  - address: 192.0.2.3\n    network: net-elsewhere\n";
  w.Add("east", vms);
  w.Add("east",
        "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n  "
        "name: api\n  namespace: client\nspec:\n  hosts: [api.example.com]\n"
        "  resolution: DNS\n  ports:\n"
        "  - {number: 443, name: tls, protocol: TLS}\n"
        "  endpoints:\n  - address: api.example.net\n    ports: {tls: 8443}\n");
  w.Traffic("entry", kFromCurl, "{host: vms.example.com, port: 80}");
  w.Traffic("address", kFromCurl, "{ip: 192.0.2.1, port: 8080}");
  w.Traffic("name", kFromCurl, "{host: api.example.com, port: 443}");
  Scenario s = w.Load();
  auto entry = PathsOf(s, "entry");
  ASSERT_EQ(entry.size(), 3u);
  std::set<std::string> ends, ports;
  int refused = 0;  // 192.0.2.3's network has no gateway
  for (const Path& p : entry) {
    EXPECT_TRUE(p.waypoints.empty());  // §3.1: not the endpoint's waypoint
    if (p.outcome == Outcome::kFailed) {
      ++refused;
      EXPECT_NE(p.reason.find("NoValidDestination"), std::string::npos);
      continue;
    }
    EXPECT_EQ(p.outcome, Outcome::kDelivered);
    ends.insert(p.hops.back().name);
    for (const std::string& y : p.why)
      for (const char* port : {"on port 8080", "on port 9090"})
        if (y.find(port) != std::string::npos) ports.insert(port);
  }
  EXPECT_EQ(ends, (std::set<std::string>{"client/vms@192.0.2.1",
                                         "client/vms@192.0.2.2"}));
  EXPECT_EQ(ports, (std::set<std::string>{"on port 8080", "on port 9090"}));
  EXPECT_EQ(refused, 1);
  auto address = PathsOf(s, "address");
  EXPECT_THAT(Summary(address), ElementsAre("client/wl|delivered"));
  EXPECT_EQ(address[0].hops.back().name, "client/vms@192.0.2.1");
  auto name = PathsOf(s, "name");
  ASSERT_EQ(name.size(), 1u);
  EXPECT_EQ(name[0].hops.back().kind, HopKind::kExternal);
  EXPECT_EQ(name[0].hops.back().name, "api.example.net:8443");
  // §3.4, §7.2: with the multicluster view (AMBIENT_ENABLE_MULTI_NETWORK)
  // istiod sends ztunnel its own network's workloads only: 192.0.2.3 is not
  // there, so none fails (ztunnel test build_request_wrong_network's flag).
  World mc = Base({{Ambient(), "ambient"}}, {}, {},
                  "{version: \"1.31\", flags: {AMBIENT_ENABLE_MULTI_NETWORK: "
                  "true}}");
  mc.Add("east", vms);
  mc.Traffic("entry", kFromCurl, "{host: vms.example.com, port: 80}");
  std::set<std::string> mc_ends;
  for (const Path& p : PathsOf(mc.Load(), "entry")) {
    EXPECT_EQ(p.outcome, Outcome::kDelivered) << p.reason;
    mc_ends.insert(p.hops.back().name);
  }
  EXPECT_EQ(mc_ends, (std::set<std::string>{"client/vms@192.0.2.1",
                                            "client/vms@192.0.2.2"}));
}

// §3.4, §8.1: the policies a ServiceEntry's inline endpoint's ztunnel
// enforces are chosen by the entry's labels (istiod's buildWorkloadPolicies
// gets se.Labels), not by the endpoint's own: a DENY selecting the entry's
// labels denies, one selecting only the endpoint's labels does not apply.
TEST(PathsTest, InlineEndpointPoliciesFollowTheEntryLabels) {
  World w = Base();
  for (const char* name : {"db", "cache"})
    w.Add("east",
          std::string("apiVersion: networking.istio.io/v1\nkind: ServiceEntry\n"
                      "metadata:\n  name: ") +
              name + "\n  namespace: client\n  labels: {app: " + name +
              ", networking.istio.io/tunnel: http}\nspec:\n  hosts: [" + name +
              ".example.com]\n  addresses: [240.0.0." +
              (std::string(name) == "db" ? "21" : "22") +
              "]\n  resolution: STATIC\n  ports:\n"
              "  - {number: 5432, name: tcp, protocol: TCP}\n"
              "  endpoints:\n  - address: 192.0.2." +
              (std::string(name) == "db" ? "21" : "22") +
              "\n    labels: {tier: vm-" + name + "}\n");
  for (const char* sel : {"app: db", "tier: vm-cache"})
    w.Add("east",
          std::string("apiVersion: security.istio.io/v1\nkind: "
                      "AuthorizationPolicy\nmetadata:\n  name: deny-") +
              (sel[0] == 'a' ? "db" : "cache") +
              "\n  namespace: client\nspec:\n  selector:\n    matchLabels: {" +
              sel + "}\n  action: DENY\n  rules: [{}]\n");
  w.Traffic("db", kFromCurl, "{host: db.example.com, port: 5432}");
  w.Traffic("cache", kFromCurl, "{host: cache.example.com, port: 5432}");
  Scenario s = w.Load();
  auto db = PathsOf(s, "db");
  ASSERT_EQ(db.size(), 1u);
  EXPECT_EQ(db[0].outcome, Outcome::kDenied);
  auto cache = PathsOf(s, "cache");
  ASSERT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache[0].outcome, Outcome::kDelivered);
  EXPECT_EQ(cache[0].hops.back().name, "client/cache@192.0.2.22");
}

// §3.4: an endpoint naming a pod's address does not take the address over,
// whichever comes first: dialling it reaches the pod (through its ztunnel); the
// entry's traffic reaches the endpoint.
TEST(PathsTest, APodKeepsItsAddressFromAServiceEntryEndpoint) {
  World w = Base();
  w.Add("east",
        "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n  "
        "name: db\n  namespace: client\nspec:\n  hosts: [db.example.com]\n"
        "  addresses: [240.0.0.8]\n  resolution: STATIC\n  ports:\n"
        "  - {number: 5432, name: tcp, protocol: TCP}\n"
        "  endpoints:\n  - address: 10.9.9.9\n");
  w.Add("east",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: db-0\n  namespace: "
        "shop\n  labels: {app: db}\nspec:\n  containers: [{name: db, "
        "image: db}]\nstatus: {phase: Running, podIP: 10.9.9.9, conditions: "
        "[{type: Ready, status: \"True\"}]}\n");
  w.Traffic("address", kFromCurl, "{ip: 10.9.9.9, port: 5432}");
  w.Traffic("entry", kFromCurl, "{host: db.example.com, port: 5432}");
  Scenario s = w.Load();
  auto address = PathsOf(s, "address");
  ASSERT_EQ(address.size(), 1u);
  EXPECT_EQ(address[0].hops.back().name, "shop/db-0");
  auto entry = PathsOf(s, "entry");
  ASSERT_EQ(entry.size(), 1u);
  EXPECT_EQ(entry[0].hops.back().name, "client/db@10.9.9.9");
}

// §3.4: a CIDR address on a ServiceEntry matches any address in it.
TEST(PathsTest, ServiceEntryCidrAddress) {
  World w = Base();
  w.Add("east", Waypoint("client", "egress"));
  w.Add("east",
        "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n  "
        "name: ext\n  namespace: client\n"
        "  labels:\n    istio.io/use-waypoint: egress\nspec:\n  hosts: "
        "[ext.example.com]\n  addresses: [203.0.113.0/24]\n"
        "  resolution: NONE\n  ports:\n  - number: 443\n    name: tls\n    "
        "protocol: TLS\n");
  w.Traffic("t", kFromCurl, "{ip: 203.0.113.99, port: 443}");
  EXPECT_THAT(Summary(PathsOf(w.Load(), "t")),
              ElementsAre("client/egress|delivered"));
}

// §13 case 21, §2.6: an invalid canary falls back to the primary.
TEST(PathsTest, Case21_InvalidCanaryFallsBackToPrimary) {
  World w = Base({{Ambient(), "ambient"}},
                 {{"istio.io/use-waypoint", "waypoint"},
                  {"istio.io/use-waypoint-canary", "missing"}});
  w.Add("east", Waypoint("shop", "waypoint"));
  w.Traffic("t", kFromCurl, kToCart);
  EXPECT_THAT(Summary(PathsOf(w.Load(), "t")),
              ElementsAre("shop/waypoint|delivered"));
}

// §2.6: a valid canary takes a share; each connection passes exactly one.
TEST(PathsTest, WeightedCanaryEachPathPassesOne) {
  World w = Base();
  w.Add("east", Waypoint("shop", "waypoint"));
  w.Add("east", Waypoint("shop", "canary"));
  w.Add("east",
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: api\n  namespace: "
        "shop\n  labels:\n"
        "    istio.io/use-waypoint: waypoint\n    "
        "istio.io/use-waypoint-canary: canary\n  annotations:\n"
        "    istio.io/use-waypoint-canary-weight: \"30\"\nspec:\n  selector: "
        "{app: cart}\n  ports: [{port: 80}]\n");
  w.Traffic("t", kFromCurl, "{host: api.shop, port: 80}");
  EXPECT_THAT(
      Summary(PathsOf(w.Load(), "t")),
      UnorderedElementsAre("shop/waypoint|delivered", "shop/canary|delivered"));
}

// §2.6, waypoints.go ResolveUseWaypointCanary / getCanaryWeight: the
// namespace's canary label and weight annotation count only when the
// object names no use-waypoint of its own; the weight is Go's Atoi.
TEST(PathsTest, CanaryFollowsThePrimarysLevelAndGoWeights) {
  auto world = [](const std::string& svc_labels, const std::string& weight,
                  const std::string& svc_weight = "") {
    World w;
    w.Cluster("east", "net-east", 2);
    w.Add("east", Ns("client", {{Ambient(), "ambient"}}));
    w.Add("east", Deploy("client", "curl"));
    w.Add("east",
          "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n"
          "  labels:\n    istio.io/dataplane-mode: ambient\n"
          "    istio.io/use-waypoint: waypoint\n"
          "    istio.io/use-waypoint-canary: canary\n"
          "  annotations:\n    istio.io/use-waypoint-canary-weight: \"" +
              weight + "\"\n");
    w.Add("east", Deploy("shop", "cart"));
    w.Add("east",
          "apiVersion: v1\nkind: Service\nmetadata:\n  name: cart\n"
          "  namespace: shop\n  labels: {" +
              svc_labels + "}\n" +
              (svc_weight.empty()
                   ? ""
                   : "  annotations: {istio.io/use-waypoint-canary-"
                     "weight: \"" +
                         svc_weight + "\"}\n") +
              "spec:\n  selector: {app: cart}\n"
              "  ports: [{port: 80}]\n");
    w.Add("east", Waypoint("shop", "waypoint"));
    w.Add("east", Waypoint("shop", "canary"));
    w.Traffic("t", kFromCurl, kToCart);
    return Summary(PathsOf(w.Load(), "t"));
  };
  // Namespace primary: its canary and weight apply.
  EXPECT_THAT(world("x: y", "100"), ElementsAre("shop/canary|delivered"));
  EXPECT_THAT(world("x: y", "0100"), ElementsAre("shop/canary|delivered"));
  // The Service names its own primary: the namespace's canary is not read.
  EXPECT_THAT(world("istio.io/use-waypoint: waypoint", "100"),
              ElementsAre("shop/waypoint|delivered"));
  EXPECT_THAT(world("istio.io/use-waypoint: waypoint", "100", "100"),
              ElementsAre("shop/waypoint|delivered"));
  // The Service's own weight wins over the namespace's.
  EXPECT_THAT(world("x: y", "100", "0"),
              ElementsAre("shop/waypoint|delivered"));
  // Not a Go integer, or out of 0..100: the canary is ignored.
  EXPECT_THAT(world("x: y", " 50"), ElementsAre("shop/waypoint|delivered"));
  EXPECT_THAT(world("x: y", "101"), ElementsAre("shop/waypoint|delivered"));
}

// §2.6, endpoint_builder.go weightedWaypointEndpoints: an ingress that uses
// the waypoint splits requests over the primary and the canary by weight;
// a waypoint without pods is dropped, the other takes all.
TEST(PathsTest, IngressSplitsOverTheCanaryByWeight) {
  auto world = [](bool canary_up) {
    World w = Base({{Ambient(), "ambient"}},
                   {{"istio.io/use-waypoint", "waypoint"},
                    {"istio.io/use-waypoint-canary", "canary"},
                    {"istio.io/ingress-use-waypoint", "true"}});
    w.Add("east", Waypoint("shop", "waypoint"));
    w.Add("east", Waypoint("shop", "canary"));
    if (!canary_up)  // the canary's Deployment scaled to zero
      w.Add("east",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: canary, "
            "namespace: shop, labels: "
            "{gateway.networking.k8s.io/gateway-name: canary}}\n"
            "spec:\n  replicas: 0\n  selector: "
            "{matchLabels: {gateway.networking.k8s.io/gateway-name: canary}}\n"
            "  template:\n    metadata: {labels: "
            "{gateway.networking.k8s.io/gateway-name: canary}}\n"
            "    spec: {containers: [{name: istio-proxy, image: proxyv2}]}\n");
    w.Add("east", Ingress("shop", "gw"));
    w.Add("east", IngressRoute("shop", "r", "shop", "gw", "cart", 80));
    w.Traffic("t", "{cluster: east, ingress: shop/gw}",
              "{host: shop.example.com, port: 80}");
    std::string text = w.Text();
    const std::string svc =
        "kind: Service\n    metadata:\n      name: cart\n"
        "      namespace: shop\n";
    text.replace(text.find(svc), svc.size(),
                 svc +
                     "      annotations: "
                     "{istio.io/use-waypoint-canary-weight: \"30\"}\n");
    Diagnostics d;
    auto sc = LoadScenarioText(text, "world.yaml", ".", d);
    EXPECT_TRUE(sc && !d.HasErrors()) << text;
    std::map<std::string, double> share;
    for (const Path& p : PathsOf(*sc, "t")) share[Summary({p})[0]] += p.weight;
    return share;
  };
  const std::map<std::string, double> both = world(true);
  ASSERT_EQ(both.size(), 2u);
  EXPECT_NEAR(both.at("shop/waypoint|delivered"), 0.7, 1e-9);
  EXPECT_NEAR(both.at("shop/canary|delivered"), 0.3, 1e-9);
  EXPECT_EQ(world(false),
            (std::map<std::string, double>{{"shop/waypoint|delivered", 1.0}}));
}

// §13 case 23: global service with no local replicas fails over through E/W.
TEST(PathsTest, Case23_MulticlusterFailoverWithoutWaypoint) {
  World w;
  w.Cluster("east", "net-east").Cluster("west", "net-west");
  for (const char* c : {"east", "west"}) {
    w.Add(c, Ns("istio-system"));
    w.Add(c, EastWest(std::string("net-") + c));
    w.Add(c, Ns("sample", {{Ambient(), "ambient"}}));
    w.Add(c, Svc("sample", "hello", 80, {{"istio.io/global", "true"}}));
  }
  w.Add("east", Deploy("sample", "curl"));
  w.Add("west", Deploy("sample", "hello"));
  w.Traffic("t", "{cluster: east, namespace: sample, workload: curl}",
            "{host: hello.sample, port: 80}");
  auto paths = PathsOf(w.Load(), "t");
  ASSERT_THAT(Summary(paths), ElementsAre("|delivered"));
  EXPECT_EQ(HopKinds(paths[0]), "workload ztunnel eastwest ztunnel workload");
  EXPECT_EQ(paths[0].hops.back().cluster, "west");
}

// §7.2: istiod builds the split-horizon workload with the first east-west
// gateway of a network (multicluster.go, istio/istio#56960). Clusters mid
// and west share net-west and each has a gateway: every request to west's
// pods goes through one gateway, the first cluster's (mid), which reaches
// its whole network's pods (mid's and west's, half each).
TEST(PathsTest, OneEastWestGatewayPerNetworkTheFirstClusters) {
  World w;
  w.Cluster("east", "net-east")
      .Cluster("mid", "net-west")
      .Cluster("west", "net-west");
  for (const char* c : {"east", "mid", "west"}) {
    w.Add(c, Ns("istio-system"));
    w.Add(c, EastWest(c == std::string("east") ? "net-east" : "net-west"));
    w.Add(c, Ns("sample", {{Ambient(), "ambient"}}));
    w.Add(c, Svc("sample", "hello", 80, {{"istio.io/global", "true"}}));
  }
  w.Add("mid", Deploy("sample", "hello"));
  w.Add("west", Deploy("sample", "hello"));
  w.Add("east", Deploy("sample", "curl"));
  w.Traffic("t", "{cluster: east, namespace: sample, workload: curl}",
            "{host: hello.sample, port: 80}");
  const std::vector<Path> paths = PathsOf(w.Load(), "t");
  ASSERT_FALSE(paths.empty());
  std::set<std::string> landed;
  for (const Path& p : paths) {
    EXPECT_EQ(p.outcome, Outcome::kDelivered);
    for (const Hop& h : p.hops)
      if (h.kind == HopKind::kEastWest) {
        EXPECT_EQ(h.cluster, "mid");
      }
    landed.insert(p.hops.back().cluster);
  }
  EXPECT_EQ(landed, (std::set<std::string>{"mid", "west"}));
}

// §13 case 24: waypoint in both clusters, scaled to 0 in east (a kubectl dump
// carries the generated Deployment), waypoint Service global: east uses west's.
TEST(PathsTest, Case24_RemoteWaypointWhenLocalScaledToZero) {
  World w;
  w.Cluster("east", "net-east").Cluster("west", "net-west");
  for (const char* c : {"east", "west"}) {
    w.Add(c, Ns("istio-system"));
    w.Add(c, EastWest(std::string("net-") + c));
    w.Add(c, Ns("sample", {{Ambient(), "ambient"},
                           {"istio.io/use-waypoint", "waypoint"}}));
    w.Add(c, Waypoint("sample", "waypoint", "", "", "istio-waypoint", "",
                      {{"istio.io/global", "true"}}));
    w.Add(c, Svc("sample", "hello", 80, {{"istio.io/global", "true"}}));
    w.Add(c, Deploy("sample", "hello"));
  }
  w.Add("east", Deploy("sample", "curl"));
  w.Add("east",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: waypoint\n  "
        "namespace: sample\n  labels:\n"
        "    gateway.networking.k8s.io/gateway-name: waypoint\nspec:\n  "
        "replicas: 0\n  selector: {matchLabels: "
        "{gateway.networking.k8s.io/gateway-name: waypoint}}\n  template:\n    "
        "metadata:\n"
        "      labels:\n        gateway.networking.k8s.io/gateway-name: "
        "waypoint\n    spec:\n      containers:\n      - name: istio-proxy\n   "
        "     image: x\n");
  w.Traffic("t", "{cluster: east, namespace: sample, workload: curl}",
            "{host: hello.sample, port: 80}");
  auto paths = PathsOf(w.Load(), "t");
  ASSERT_FALSE(paths.empty());
  for (const Path& p : paths) {
    EXPECT_EQ(p.outcome, Outcome::kDelivered);
    EXPECT_EQ(p.waypoints.size(), 1u) << HopKinds(p);
    EXPECT_EQ(p.hops[2].kind, HopKind::kEastWest);
    EXPECT_EQ(p.hops[3].kind, HopKind::kWaypoint);
    EXPECT_EQ(p.hops[3].cluster, "west");
  }
}

// §7.2 table row 3, K13: only the remote cluster binds the service: 0 or 1.
TEST(PathsTest, K13_WaypointInOneClusterOnly) {
  World w;
  w.Cluster("east", "net-east").Cluster("west", "net-west");
  for (const char* c : {"east", "west"}) {
    w.Add(c, Ns("istio-system"));
    w.Add(c, EastWest(std::string("net-") + c));
    w.Add(c, Svc("sample", "hello", 80, {{"istio.io/global", "true"}}));
    w.Add(c, Deploy("sample", "hello"));
  }
  w.Add("east", Ns("sample", {{Ambient(), "ambient"}}));
  w.Add("west", Ns("sample", {{Ambient(), "ambient"},
                              {"istio.io/use-waypoint", "waypoint"}}));
  w.Add("west", Waypoint("sample", "waypoint"));
  w.Add("east", Deploy("sample", "curl"));
  w.Traffic("t", "{cluster: east, namespace: sample, workload: curl}",
            "{host: hello.sample, port: 80}");
  // Local endpoints are reached without a waypoint; west's endpoints (and
  // whatever west's waypoint then picks) with exactly one.
  auto s = Summary(PathsOf(w.Load(), "t"));
  EXPECT_EQ(std::set<std::string>(s.begin(), s.end()),
            (std::set<std::string>{"|delivered", "sample/waypoint|delivered"}));
}

// K14, §7.2: a 1.27 east-west gateway does not skip after a waypoint, while a
// 1.28+ waypoint routes cross-network: two waypoint passes.
TEST(PathsTest, K14_MixedVersionsDoublePass) {
  World w;
  w.Cluster("east", "net-east").Cluster("west", "net-west");
  for (const char* c : {"east", "west"}) {
    w.Add(c, Ns("istio-system"));
    w.Add(c, EastWest(std::string("net-") + c));
    w.Add(c, Ns("sample", {{Ambient(), "ambient"},
                           {"istio.io/use-waypoint", "waypoint"}}));
    w.Add(c, Waypoint("sample", "waypoint"));
    w.Add(c, Svc("sample", "hello", 80, {{"istio.io/global", "true"}}));
    w.Add(c, Deploy("sample", "hello"));
  }
  w.Add("east", Deploy("sample", "curl"));
  w.Traffic("t", "{cluster: east, namespace: sample, workload: curl}",
            "{host: hello.sample, port: 80}");
  std::string text = w.Text();
  text.insert(text.find("  resources:", text.find("name: west")),
              "  istio: {version: \"1.27\"}\n");
  Diagnostics d;
  auto s = LoadScenarioText(text, "w.yaml", ".", d);
  ASSERT_FALSE(d.HasErrors());
  EXPECT_THAT(
      Summary(PathsOf(*s, "t")),
      UnorderedElementsAre("sample/waypoint|delivered",
                           "sample/waypoint,sample/waypoint|delivered"));
}

// K17, §3.6: a valid binding whose waypoint has no pods fails closed at the
// client's ztunnel.
TEST(PathsTest, K17_WaypointWithoutPodsFailsClosed) {
  World w =
      Base({{Ambient(), "ambient"}}, {{"istio.io/use-waypoint", "waypoint"}});
  w.Add("east", Waypoint("shop", "waypoint"));
  w.Add("east",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: waypoint\n  "
        "namespace: shop\n  labels:\n"
        "    gateway.networking.k8s.io/gateway-name: waypoint\nspec:\n  "
        "replicas: 0\n  selector: {matchLabels: "
        "{gateway.networking.k8s.io/gateway-name: waypoint}}\n  template:\n    "
        "metadata: {labels: {gateway.networking.k8s.io/gateway-name: "
        "waypoint}}\n    spec:\n      containers: []\n");
  w.Traffic("t", kFromCurl, kToCart);
  auto paths = PathsOf(w.Load(), "t");
  ASSERT_THAT(Summary(paths), ElementsAre("|failed"));
  EXPECT_EQ(HopKinds(paths[0]), "workload ztunnel");
  EXPECT_NE(paths[0].reason.find("fail closed"), std::string::npos);
}

// §2.1: a Gateway whose status has no addresses is not ready: fail open.
TEST(PathsTest, GatewayStatusWithoutAddressesIsNotReady) {
  World w =
      Base({{Ambient(), "ambient"}}, {{"istio.io/use-waypoint", "waypoint"}});
  w.Add("east", Waypoint("shop", "waypoint", "", "", "istio-waypoint",
                         "status:\n  conditions: []\n"));
  w.Traffic("t", kFromCurl, kToCart);
  auto paths = PathsOf(w.Load(), "t");
  EXPECT_THAT(Summary(paths), ElementsAre("|delivered"));
}

// K11, §3.7: a route at waypoint A to service B does not pass B's waypoint.
TEST(PathsTest, K11_RouteToServiceWithOwnWaypoint) {
  World w = Base({{Ambient(), "ambient"}}, {{"istio.io/use-waypoint", "wa"}});
  w.Add("east", Waypoint("shop", "wa"));
  w.Add("east", Waypoint("shop", "wb"));
  w.Add("east", Deploy("shop", "other"));
  w.Add("east", Svc("shop", "other", 80, {{"istio.io/use-waypoint", "wb"}}));
  w.Add(
      "east",
      "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata:\n  "
      "name: to-other\n  namespace: shop\n"
      "spec:\n  parentRefs:\n  - group: \"\"\n    kind: Service\n    name: "
      "cart\n  rules:\n  - backendRefs:\n    - name: other\n      port: 80\n");
  w.Traffic("t", kFromCurl, kToCart, "{method: GET, path: /}");
  auto paths = PathsOf(w.Load(), "t");
  ASSERT_THAT(Summary(paths), ElementsAre("shop/wa|delivered"));
  EXPECT_EQ(paths[0].hops.back().name, "shop/other-0");
}

// K12: pods of one Deployment with mixed pod labels (some bound).
TEST(PathsTest, K12_MixedPodLabels) {
  World w = Base();
  w.Add("east", Waypoint("shop", "wl", "workload"));
  w.Add("east",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: api-a\n  namespace: "
        "shop\n  labels:\n    app: api\n    istio.io/use-waypoint: wl\nspec:\n "
        " containers: [{name: app, image: x}]\n");
  w.Add("east",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: api-b\n  namespace: "
        "shop\n  labels:\n    app: api\nspec:\n  containers: [{name: app, "
        "image: x}]\n");
  w.Traffic("a", kFromCurl, "{pod: shop/api-a, port: 80}");
  w.Traffic("b", kFromCurl, "{pod: shop/api-b, port: 80}");
  Scenario s = w.Load();
  EXPECT_THAT(Summary(PathsOf(s, "a")), ElementsAre("shop/wl|delivered"));
  EXPECT_THAT(Summary(PathsOf(s, "b")), ElementsAre("|delivered"));
}

// K10, §3.3: a headless service is workload-addressed: the service waypoint
// does not apply; one path per pod.
TEST(PathsTest, K10_HeadlessServiceSkipsServiceWaypoint) {
  World w =
      Base({{Ambient(), "ambient"}, {"istio.io/use-waypoint", "waypoint"}});
  w.Add("east", Waypoint("shop", "waypoint"));
  w.Add("east", Deploy("shop", "db", 2));
  w.Add("east", Svc("shop", "db", 5432, {}, "  clusterIP: None\n"));
  w.Traffic("t", kFromCurl, "{host: db.shop, port: 5432}");
  EXPECT_THAT(Summary(PathsOf(w.Load(), "t")),
              ElementsAre("|delivered", "|delivered"));
}

// §3.1, §13 case 41: a VIP with no endpoints and no waypoint fails.
TEST(PathsTest, Case41_EmptyServiceFails) {
  World w = Base();
  w.Add("east", Svc("shop", "empty", 80, {}, "", "nothing"));
  w.Traffic("t", kFromCurl, "{host: empty.shop, port: 80}");
  auto paths = PathsOf(w.Load(), "t");
  ASSERT_THAT(Summary(paths), ElementsAre("|failed"));
  EXPECT_NE(paths[0].reason.find("no healthy endpoints"), std::string::npos);
}

// §13 case 43: a service whose only endpoints are on a network no
// east-west gateway serves fails: they are left out (§7.2).
TEST(PathsTest, Case43_RemoteNetworkWithoutGatewayFails) {
  World w;
  w.Cluster("east", "net-east").Cluster("west", "net-west");
  for (const char* c : {"east", "west"}) {
    w.Add(c, Ns("sample", {{Ambient(), "ambient"}}));
    w.Add(c, Svc("sample", "hello", 80, {{"istio.io/global", "true"}}));
  }
  w.Add("east", Deploy("sample", "curl"));
  w.Add("west", Deploy("sample", "hello"));
  w.Traffic("t", "{cluster: east, namespace: sample, workload: curl}",
            "{host: hello.sample, port: 80}");
  auto paths = PathsOf(w.Load(), "t");
  ASSERT_THAT(Summary(paths), ElementsAre("|failed"));
  EXPECT_NE(paths[0].reason.find("no east-west gateway"), std::string::npos);
}

// §7.2 (multicluster.go): the split-horizon workload ztunnel picks for
// another network counts the service's pods there ready or not, and has no
// health of its own; the east-west gateway then sends only to the ready
// ones. One ready pod in east, one ready and two starting in west: 1/4 stay,
// 3/4 cross and land on west's ready pod; with only the two starting pods
// there, 2/3 cross and fail at west's gateway.
TEST(PathsTest, NotReadyPodsOfAnotherNetworkCountInItsShare) {
  auto world = [](bool one_ready) {
    World w;
    w.Cluster("east", "net-east").Cluster("west", "net-west");
    for (const char* c : {"east", "west"}) {
      w.Add(c, Ns("istio-system"));
      w.Add(c, EastWest(std::string("net-") + c));
      w.Add(c, Ns("sample", {{Ambient(), "ambient"}}));
      w.Add(c, Svc("sample", "hello", 80, {{"istio.io/global", "true"}}));
    }
    w.Add("east", Deploy("sample", "hello"));
    w.Add("east", Deploy("sample", "curl"));
    if (one_ready) w.Add("west", Deploy("sample", "hello"));
    for (const char* name : {"starting-a", "starting-b"})
      w.Add("west",
            std::string("apiVersion: v1\nkind: Pod\nmetadata:\n  name: ") +
                name +
                "\n  namespace: sample\n  labels: {app: hello}\nspec:\n"
                "  containers: [{name: c, image: c}]\nstatus:\n  phase: "
                "Running\n  podIP: 10.9.0." +
                (name[9] == 'a' ? "1" : "2") +
                "\n  conditions: [{type: Ready, status: \"False\"}]\n");
    w.Traffic("t", "{cluster: east, namespace: sample, workload: curl}",
              "{host: hello.sample, port: 80}");
    return w.Load();
  };
  std::map<std::string, double> by_cluster;  // delivered share per cluster
  for (const Path& p : PathsOf(world(true), "t")) {
    ASSERT_EQ(p.outcome, Outcome::kDelivered);
    by_cluster[p.hops.back().cluster] += p.weight;
  }
  EXPECT_NEAR(by_cluster["east"], 0.25, 1e-6);
  EXPECT_NEAR(by_cluster["west"], 0.75, 1e-6);
  double failed = 0;
  const Scenario none = world(false);
  for (const Path& p : PathsOf(none, "t"))
    if (p.outcome == Outcome::kFailed) failed += p.weight;
  EXPECT_NEAR(failed, 2.0 / 3.0, 1e-6);
}

// §7.2: istiod gives other networks a network's pods only behind its
// east-west gateway (a split-horizon endpoint); without one they are left
// out, so east's requests all go to east's own pod, none fail.
TEST(PathsTest, PodsOnANetworkWithoutGatewayAreLeftOutNotFailed) {
  World w;
  w.Cluster("east", "net-east").Cluster("west", "net-west");
  for (const char* c : {"east", "west"}) {
    w.Add(c, Ns("sample", {{Ambient(), "ambient"}}));
    w.Add(c, Svc("sample", "hello", 80, {{"istio.io/global", "true"}}));
    w.Add(c, Deploy("sample", "hello"));
  }
  w.Add("east", Ns("istio-system"));
  w.Add("east", EastWest("net-east"));
  w.Add("east", Deploy("sample", "curl"));
  w.Traffic("t", "{cluster: east, namespace: sample, workload: curl}",
            "{host: hello.sample, port: 80}");
  auto paths = PathsOf(w.Load(), "t");
  ASSERT_EQ(paths.size(), 1u);
  EXPECT_EQ(paths[0].outcome, Outcome::kDelivered);
  EXPECT_EQ(paths[0].hops.back().cluster, "east");
  EXPECT_DOUBLE_EQ(paths[0].weight, 1.0);
}

// §7.1: a non-global service is not shared across clusters.
TEST(PathsTest, NonGlobalServiceStaysLocal) {
  World w;
  w.Cluster("east", "net-east").Cluster("west", "net-west");
  for (const char* c : {"east", "west"}) {
    w.Add(c, Ns("istio-system"));
    w.Add(c, EastWest(std::string("net-") + c));
    w.Add(c, Ns("sample", {{Ambient(), "ambient"}}));
    w.Add(c, Svc("sample", "hello"));
    w.Add(c, Deploy("sample", "hello"));
  }
  w.Add("east", Deploy("sample", "curl"));
  w.Traffic("t", "{cluster: east, namespace: sample, workload: curl}",
            "{host: hello.sample, port: 80}");
  auto paths = PathsOf(w.Load(), "t");
  ASSERT_EQ(paths.size(), 1u);
  EXPECT_EQ(paths[0].hops.back().cluster, "east");
}

// §15: Solo sidecars send service traffic to the waypoint; community's don't.
TEST(PathsTest, SoloSidecarInteropUsesServiceWaypoint) {
  for (const char* dist : {"community", "solo"}) {
    World w =
        Base({{Ambient(), "ambient"}}, {{"istio.io/use-waypoint", "waypoint"}},
             {}, std::string("{distribution: ") + dist + "}");
    w.Add("east", Waypoint("shop", "waypoint"));
    w.Add("east", Ns("mesh", {{"istio-injection", "enabled"}}));
    w.Add("east", Deploy("mesh", "curl"));
    w.Traffic("vip", "{cluster: east, namespace: mesh, workload: curl}",
              kToCart);
    w.Traffic("pod", "{cluster: east, namespace: mesh, workload: curl}",
              "{pod: shop/cart, port: 80}");
    Scenario s = w.Load();
    if (std::string(dist) == "solo") {
      EXPECT_THAT(Summary(PathsOf(s, "vip")),
                  ElementsAre("shop/waypoint|delivered"));
    } else {
      EXPECT_THAT(Summary(PathsOf(s, "vip")), ElementsAre("|delivered"));
    }
    EXPECT_THAT(Summary(PathsOf(s, "pod")), ElementsAre("|delivered")) << dist;
  }
}

// §15.1: Solo's `auto` creates <ns>/auto; in community `auto` is just a name.
TEST(PathsTest, SoloAutoWaypoint) {
  for (const char* dist : {"community", "solo"}) {
    World w = Base({{Ambient(), "ambient"}, {"istio.io/use-waypoint", "auto"}},
                   {}, {}, std::string("{distribution: ") + dist + "}");
    w.Traffic("t", kFromCurl, kToCart);
    auto s = Summary(PathsOf(w.Load(), "t"));
    if (std::string(dist) == "solo") {
      EXPECT_THAT(s, ElementsAre("shop/auto|delivered"));
    } else {
      EXPECT_THAT(s, ElementsAre("|delivered"));
    }
  }
}

// §9: a route with a path match at the waypoint; unmatched requests get 404.
TEST(PathsTest, WaypointRouteMatchAndNoMatch) {
  World w =
      Base({{Ambient(), "ambient"}}, {{"istio.io/use-waypoint", "waypoint"}});
  w.Add("east", Waypoint("shop", "waypoint"));
  w.Add("east", Deploy("shop", "cart-v2", 1, {}));
  w.Add("east", Svc("shop", "cart-v2", 80));
  w.Add("east",
        "apiVersion: gateway.networking.k8s.io/v1\nkind: "
        "HTTPRoute\nmetadata:\n  name: split\n  namespace: shop\n"
        "spec:\n  parentRefs:\n  - {group: \"\", kind: Service, name: cart, "
        "port: 80}\n  rules:\n"
        "  - matches:\n    - path: {type: PathPrefix, value: /api}\n    "
        "backendRefs:\n    - {name: cart, port: 80, weight: 90}\n    - {name: "
        "cart-v2, port: 80, weight: 10}\n");
  w.Traffic("api", kFromCurl, kToCart, "{method: GET, path: /api/items}");
  w.Traffic("other", kFromCurl, kToCart, "{method: GET, path: /apix}");
  Scenario s = w.Load();
  auto api = PathsOf(s, "api");
  ASSERT_EQ(api.size(), 2u);
  EXPECT_EQ(api[0].hops.back().name, "shop/cart-0");
  EXPECT_EQ(api[1].hops.back().name, "shop/cart-v2-0");
  auto other = PathsOf(s, "other");
  ASSERT_THAT(Summary(other), ElementsAre("shop/waypoint|failed"));
  EXPECT_NE(other[0].reason.find("(404)"), std::string::npos);
}

// §9: a GAMMA route on a service without a waypoint is ignored by ambient
// clients (the route is not respected).
TEST(PathsTest, RouteOnServiceWithoutWaypointIgnored) {
  World w = Base();
  w.Add("east",
        "apiVersion: gateway.networking.k8s.io/v1\nkind: "
        "HTTPRoute\nmetadata:\n  name: r\n  namespace: shop\n"
        "spec:\n  parentRefs:\n  - {group: \"\", kind: Service, name: cart}\n  "
        "rules:\n"
        "  - matches:\n    - path: {type: Exact, value: /only}\n    "
        "backendRefs:\n    - {name: cart, port: 80}\n");
  w.Traffic("t", kFromCurl, kToCart, "{method: GET, path: /elsewhere}");
  const std::vector<Path> paths = PathsOf(w.Load(), "t");
  EXPECT_THAT(Summary(paths), ElementsAre("|delivered"));
  ASSERT_EQ(paths.size(), 1u);
  bool said = false;  // the route named by its kind
  for (const std::string& why : paths[0].why)
    said = said || why.find(
                       "HTTPRoute shop/r on service shop/cart is not "
                       "respected") != std::string::npos;
  EXPECT_TRUE(said);
}

// The forwarding graph is a Boost graph; paths are enumerated on it and an
// ordinary mesh has no loop.
TEST(ForwardingGraphTest, GraphHasVerticesAndNoLoop) {
  World w =
      Base({{Ambient(), "ambient"}}, {{"istio.io/use-waypoint", "waypoint"}});
  w.Add("east", Waypoint("shop", "waypoint"));
  w.Traffic("t", kFromCurl, kToCart);
  Scenario s = w.Load();
  ForwardingGraph g = BuildForwardingGraph(s.mesh, s.traffic[0]);
  EXPECT_EQ(g.vertex_count(), 5u);  // curl, zt, waypoint, zt, cart
  EXPECT_EQ(g.edge_count(), 4u);
  EXPECT_FALSE(g.HasLoop());
}

// §1.1: pod label beats namespace label for capture; hostNetwork is never
// captured.
TEST(PathsTest, CapturePodLabelOverridesNamespace) {
  World w = Base();
  w.Add("east", Deploy("client", "optout", 1, {{Ambient(), "none"}}));
  w.Add("east", Ns("plain"));
  w.Add("east", Deploy("plain", "optin", 1, {{Ambient(), "ambient"}}));
  w.Add("east",
        Deploy("client", "hostnet", 1, {}, "      hostNetwork: true\n"));
  w.Traffic("optout", "{cluster: east, namespace: client, workload: optout}",
            kToCart);
  w.Traffic("optin", "{cluster: east, namespace: plain, workload: optin}",
            kToCart);
  w.Traffic("hostnet", "{cluster: east, namespace: client, workload: hostnet}",
            kToCart);
  Scenario s = w.Load();
  EXPECT_EQ(PathsOf(s, "optout")[0].hops[1].kind,
            HopKind::kZtunnel);  // dst zt only
  EXPECT_EQ(PathsOf(s, "optout")[0].hops.size(), 3u);
  EXPECT_EQ(PathsOf(s, "optin")[0].hops[1].name,
            PathsOf(s, "optin")[0].hops[0].node);
  EXPECT_EQ(
      PathsOf(s, "hostnet")[0].why[0].find("hostNetwork") != std::string::npos,
      true);
}

}  // namespace
}  // namespace meshsim

namespace meshsim {
namespace {

// §13 case 39 (ztunnel build_request_source_waypoint): the source's own
// workload waypoint is ignored; the destination has none, so it goes direct.
TEST(PathsTest, Case39_SourceWaypointIsIgnored) {
  testing::World w = testing::ShopWorld();
  w.Add("east", testing::Waypoint("client", "client-wp", "workload"));
  w.Add("east", testing::Deploy("client", "bound", 1,
                                {{"istio.io/use-waypoint", "client-wp"}}));
  w.Traffic("t", "{cluster: east, namespace: client, workload: bound}",
            "{pod: shop/cart, port: 80}");
  EXPECT_THAT(testing::Summary(testing::PathsOf(w.Load(), "t")),
              ::testing::ElementsAre("|delivered"));
}

// §13 case 40 (build_request_passthrough_svc_with_waypoint): a resolution
// NONE ServiceEntry with a waypoint goes through it to the original address;
// without one, straight to the original address.
TEST(PathsTest, Case40_PassthroughServiceEntryWithAndWithoutWaypoint) {
  for (bool bound : {true, false}) {
    testing::World w = testing::ShopWorld();
    w.Add("east", testing::Waypoint("client", "egress"));
    w.Add("east",
          std::string(
              "apiVersion: networking.istio.io/v1\nkind: "
              "ServiceEntry\nmetadata:\n  name: ext\n  namespace: client\n") +
              (bound ? "  labels:\n    istio.io/use-waypoint: egress\n" : "") +
              "spec:\n  hosts: [ext.example.com]\n  addresses: [192.0.2.10]\n  "
              "resolution: NONE\n"
              "  ports: [{number: 443, name: tls, protocol: TLS}]\n");
    w.Traffic("t", "{cluster: east, namespace: client, workload: curl}",
              "{ip: 192.0.2.10, port: 443}");
    auto paths = testing::PathsOf(w.Load(), "t");
    ASSERT_EQ(paths.size(), 1u);
    EXPECT_EQ(paths[0].waypoints.size(), bound ? 1u : 0u);
    EXPECT_EQ(paths[0].hops.back().kind, HopKind::kExternal);
    EXPECT_EQ(paths[0].hops.back().name, "192.0.2.10:443");
  }
}

}  // namespace
}  // namespace meshsim

namespace meshsim {
namespace {

// §13 case 25 (TestMulticlusterFailover "ingress-use-waypoint"): with the
// namespace opted in, the ingress in east sends through the waypoint, and
// every path (local endpoints, or west's through its east-west gateway,
// which skips west's waypoint) passes it exactly once.
TEST(PathsTest, Case25_MulticlusterIngressUseWaypoint) {
  testing::World w("{flags: {AMBIENT_ENABLE_MULTI_NETWORK: true}}");
  w.Cluster("east", "net-east").Cluster("west", "net-west");
  for (const char* c : {"east", "west"}) {
    w.Add(c, testing::Ns("istio-system"));
    w.Add(c, testing::EastWest(std::string("net-") + c));
    w.Add(c,
          testing::Ns("sample", {{testing::Ambient(), "ambient"},
                                 {"istio.io/use-waypoint", "waypoint"},
                                 {"istio.io/ingress-use-waypoint", "true"}}));
    w.Add(c, testing::Waypoint("sample", "waypoint", "", "", "istio-waypoint",
                               "", {{"istio.io/global", "true"}}));
    w.Add(c,
          testing::Svc("sample", "hello", 80, {{"istio.io/global", "true"}}));
    w.Add(c, testing::Deploy("sample", "hello"));
  }
  w.Add("east", testing::Ingress("sample", "gw"));
  w.Add("east",
        testing::IngressRoute("sample", "r", "sample", "gw", "hello", 80));
  w.Traffic("t", "{cluster: east, ingress: sample/gw}",
            "{host: hello.example.com, port: 80}");
  auto paths = testing::PathsOf(w.Load(), "t");
  ASSERT_FALSE(paths.empty());
  for (const Path& p : paths) {
    EXPECT_EQ(p.outcome, Outcome::kDelivered);
    EXPECT_EQ(p.waypoints, std::vector<std::string>{"sample/waypoint"});
    EXPECT_EQ(p.hops[1].kind, HopKind::kWaypoint);
  }
}

}  // namespace
}  // namespace meshsim

namespace meshsim {
namespace {

// §3.5, K18: a captured ("sandwich") gateway that is the egress waypoint of
// a ServiceEntry passed through to its original address dials that address
// itself; its ztunnel sends the connection back to the waypoint: a loop
// (two passes, then the request returns to a component already on its path).
// The same ServiceEntry behind an ordinary, uncaptured waypoint goes out once.
TEST(PathsTest, K18_SandwichWaypointPassthroughLoops) {
  auto paths = [](const std::string& file) {
    Diagnostics d;
    auto sc = LoadScenarioFile(file, d);
    EXPECT_TRUE(sc && !d.HasErrors()) << file;
    TrafficEntry t;
    t.name = "out";
    t.from.cluster = "east";
    t.from.ns = "client";
    t.from.workload = "curl";
    t.to.ip = "203.0.113.7";
    t.to.port = 443;
    return EnumeratePaths(BuildForwardingGraph(sc->mesh, t));
  };
  auto loop = paths("scenarios/verify/k18-sandwich-loop/flagged.yaml");
  ASSERT_EQ(loop.size(), 1u);
  EXPECT_EQ(loop[0].outcome, Outcome::kFailed);
  EXPECT_THAT(loop[0].waypoints,
              ElementsAre("egress/egress-gateway", "egress/egress-gateway"));
  EXPECT_NE(loop[0].reason.find("loop"), std::string::npos) << loop[0].reason;
  auto once = paths("scenarios/verify/k18-sandwich-loop/fixed.yaml");
  EXPECT_THAT(testing::Summary(once),
              ElementsAre("egress/egress-gateway|delivered"));
  ASSERT_FALSE(once.empty());
  EXPECT_EQ(once[0].hops.back().kind, HopKind::kExternal);
}

}  // namespace
}  // namespace meshsim

namespace meshsim {
namespace {

// A Service answers only on its declared ports: a request to another port
// fails with the reason (lint reports it as port-not-on-service).
TEST(PathsTest, PortNotOnServiceFails) {
  testing::World w = testing::ShopWorld();
  w.Traffic("wrong", "{cluster: east, namespace: client, workload: curl}",
            "{host: cart.shop.svc.cluster.local, port: 8080}");
  w.Traffic("right", "{cluster: east, namespace: client, workload: curl}",
            "{host: cart.shop.svc.cluster.local, port: 80}");
  const Scenario s = w.Load();
  const std::vector<Path> wrong = testing::PathsOf(s, "wrong");
  ASSERT_EQ(wrong.size(), 1u);
  EXPECT_EQ(wrong[0].outcome, Outcome::kFailed);
  // §3.1: an ambient client's ztunnel has no upstream for the port.
  EXPECT_EQ(wrong[0].reason,
            "service shop/cart has no port 8080: ztunnel has no upstream for "
            "it (NoHealthyUpstream, §3.1)");
  const std::vector<Path> right = testing::PathsOf(s, "right");
  ASSERT_EQ(right.size(), 1u);
  EXPECT_EQ(right[0].outcome, Outcome::kDelivered);
  // Bound to a waypoint: ztunnel sends it there, which has no filter chain
  // for the port; a client outside the mesh meets kube-proxy's refusal.
  testing::World bound = testing::ShopWorld(
      {{testing::Ambient(), "ambient"}, {"istio.io/use-waypoint", "waypoint"}});
  bound.Add("east", testing::Waypoint("shop", "waypoint"));
  bound.Add("east", testing::Ns("outside"));
  bound.Add("east", testing::Deploy("outside", "curl"));
  bound.Traffic("wrong", "{cluster: east, namespace: client, workload: curl}",
                "{host: cart.shop.svc.cluster.local, port: 8080}");
  bound.Traffic("plain", "{cluster: east, namespace: outside, workload: curl}",
                "{host: cart.shop.svc.cluster.local, port: 8080}");
  const Scenario b = bound.Load();
  EXPECT_EQ(testing::PathsOf(b, "wrong")[0].reason,
            "service shop/cart has no port 8080: its waypoint shop/waypoint "
            "has no filter chain for it and closes the connection (§3.1)");
  EXPECT_EQ(testing::PathsOf(b, "plain")[0].reason,
            "service shop/cart has no port 8080: nothing listens there and "
            "the connection is refused");
}

}  // namespace
}  // namespace meshsim
