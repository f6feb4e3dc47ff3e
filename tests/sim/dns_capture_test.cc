// §3.4: an ambient pod whose lookups ztunnel's DNS proxy does not answer
// (annotation ambient.istio.io/dns-capture, else istio-cni's
// ambient.dnsCapture: on by default from 1.25) learns no address istiod
// allocated to a ServiceEntry, and kube-dns knows its own cluster's
// Services only.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/sim/path_helpers.h"
#include "tests/test_world.h"

namespace meshsim {
namespace {

using testing::Ambient;
using ::testing::ElementsAre;

// A client pod `curl` (with `annotation` when given) and ServiceEntry
// ext.example.com (no spec.addresses: istiod allocates one) bound to an
// egress waypoint; `istio` is the scenario's istio section.
testing::World EgressWorld(const std::string& annotation,
                           const std::string& istio = "") {
  testing::World w(istio);
  w.Cluster("east", "net-east", 2);
  w.Add("east", testing::Ns("client", {{Ambient(), "ambient"}}));
  std::string curl = testing::Deploy("client", "curl");
  if (!annotation.empty()) {
    const std::string at = "      labels:";
    curl.replace(curl.find(at), at.size(),
                 "      annotations: {ambient.istio.io/dns-capture: \"" +
                     annotation + "\"}\n" + at);
  }
  w.Add("east", curl);
  w.Add("east", testing::Ns("egress"));
  w.Add("east", testing::Waypoint("egress", "egress-gateway", "",
                                  "    allowedRoutes:\n      namespaces:\n"
                                  "        from: All\n"));
  w.Add("east",
        "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n"
        "  name: ext\n  namespace: client\n  labels:\n"
        "    istio.io/use-waypoint: egress-gateway\n"
        "    istio.io/use-waypoint-namespace: egress\n"
        "spec:\n  hosts: [ext.example.com]\n  resolution: DNS\n"
        "  ports:\n  - {number: 80, name: http, protocol: HTTP}\n");
  w.Traffic("t", testing::kFromCurl, "{host: ext.example.com, port: 80}",
            "{method: GET, path: /}");
  return w;
}

bool Says(const Path& p, const std::string& text) {
  for (const std::string& why : p.why)
    if (why.find(text) != std::string::npos) return true;
  return p.reason.find(text) != std::string::npos;
}

TEST(DnsCaptureTest, WithTheDnsProxyTheClientDialsTheAllocatedAddress) {
  const std::vector<Path> paths = testing::PathsOf(EgressWorld("").Load(), "t");
  EXPECT_THAT(testing::Summary(paths),
              ElementsAre("egress/egress-gateway|delivered"));
}

TEST(DnsCaptureTest, WithoutItTheClientDialsTheRealAddressAndSkipsTheWaypoint) {
  const std::vector<Path> paths =
      testing::PathsOf(EgressWorld("false").Load(), "t");
  EXPECT_THAT(testing::Summary(paths), ElementsAre("|delivered"));
  ASSERT_EQ(paths.size(), 1u);
  EXPECT_EQ(paths[0].hops.back().kind, HopKind::kExternal);
  EXPECT_TRUE(Says(paths[0], "ambient.istio.io/dns-capture=false"))
      << PathText(paths[0].hops);
}

TEST(DnsCaptureTest, TheDefaultIsOffBefore125AndTheAnnotationOrFlagDecides) {
  // 1.24 with allocation switched on: istio-cni captures no DNS by default.
  const std::string v124 =
      "{version: \"1.24\", flags: {PILOT_ENABLE_IP_AUTOALLOCATE: true}}";
  std::vector<Path> paths = testing::PathsOf(EgressWorld("", v124).Load(), "t");
  EXPECT_THAT(testing::Summary(paths), ElementsAre("|delivered"));
  ASSERT_EQ(paths.size(), 1u);
  EXPECT_TRUE(Says(paths[0], "off by default before 1.25"));
  // The pod's annotation turns it on.
  paths = testing::PathsOf(EgressWorld("true", v124).Load(), "t");
  EXPECT_THAT(testing::Summary(paths),
              ElementsAre("egress/egress-gateway|delivered"));
  // So does istio-cni's setting.
  paths = testing::PathsOf(
      EgressWorld("",
                  "{version: \"1.24\", flags: {PILOT_ENABLE_IP_AUTOALLOCATE:"
                  " true, AMBIENT_DNS_CAPTURE: true}}")
          .Load(),
      "t");
  EXPECT_THAT(testing::Summary(paths),
              ElementsAre("egress/egress-gateway|delivered"));
  // A value that is no Go bool is ignored (the default applies).
  paths = testing::PathsOf(EgressWorld("no").Load(), "t");
  EXPECT_THAT(testing::Summary(paths),
              ElementsAre("egress/egress-gateway|delivered"));
}

// Namespace shop in cluster `c` of `w` with Deployment cart and a global
// Service cart.
void AddGlobalCart(testing::World& w, const std::string& c) {
  w.Add(c, testing::Ns("shop", {{Ambient(), "ambient"}}));
  w.Add(c, testing::Deploy("shop", "cart"));
  w.Add(c, testing::Svc("shop", "cart", 80, {{"istio.io/global", "true"}}));
}

TEST(DnsCaptureTest, KubernetesServicesStillResolveButOnlyInTheOwnCluster) {
  // cart runs in `west` only and is global: the DNS proxy answers for it,
  // kube-dns in `east` does not know it. One network: the multicluster view
  // needs AMBIENT_ENABLE_MULTI_NETWORK (§7.1).
  auto world = [](const std::string& annotation) {
    testing::World w("{flags: {AMBIENT_ENABLE_MULTI_NETWORK: true}}");
    w.Cluster("east", "net", 1).Cluster("west", "net", 1);
    std::string curl = testing::Deploy("client", "curl");
    if (!annotation.empty())
      curl.replace(curl.find("      labels:"), 13,
                   "      annotations: {ambient.istio.io/dns-capture: \"" +
                       annotation + "\"}\n      labels:");
    w.Add("east", testing::Ns("client", {{Ambient(), "ambient"}}));
    w.Add("east", curl);
    w.Add("east", testing::Ns("shop", {{Ambient(), "ambient"}}));
    w.Add("east", testing::Svc("shop", "local", 80, {}, "", "cart"));
    AddGlobalCart(w, "west");
    w.Traffic("remote", testing::kFromCurl, testing::kToCart,
              "{method: GET, path: /}");
    return w.Load();
  };
  std::vector<Path> paths = testing::PathsOf(world(""), "remote");
  EXPECT_THAT(testing::Summary(paths), ElementsAre("|delivered"));
  paths = testing::PathsOf(world("false"), "remote");
  ASSERT_EQ(paths.size(), 1u);
  EXPECT_EQ(paths[0].outcome, Outcome::kFailed);
  EXPECT_TRUE(Says(paths[0], "does not resolve")) << paths[0].reason;
}

// ztunnel's DNS proxy answers with the VIPs on the client's network only
// (src/dns/server.rs test "no vip on client network returns no records"):
// a Service only on another network fails, and the reason says why.
TEST(DnsCaptureTest, AServiceOnlyOnAnotherNetworkHasNoRecord) {
  // An ambient client asks ztunnel's DNS proxy; one outside the mesh asks
  // kube-dns, which knows its own cluster's Services only.
  for (const bool ambient : {true, false}) {
    testing::World w("{flags: {AMBIENT_ENABLE_MULTI_NETWORK: true}}");
    w.Cluster("east", "net-east", 1).Cluster("west", "net-west", 1);
    w.Add("east",
          testing::Ns("client", ambient ? testing::KV{{Ambient(), "ambient"}}
                                        : testing::KV{}));
    w.Add("east", testing::Deploy("client", "curl"));
    AddGlobalCart(w, "west");
    w.Traffic("remote", testing::kFromCurl, testing::kToCart,
              "{method: GET, path: /}");
    std::vector<Path> paths = testing::PathsOf(w.Load(), "remote");
    ASSERT_EQ(paths.size(), 1u);
    EXPECT_EQ(paths[0].outcome, Outcome::kFailed);
    EXPECT_TRUE(Says(paths[0],
                     ambient ? "no DNS record for cart.shop.svc.cluster.local "
                               "in cluster east: its global Service is in "
                               "cluster(s) west on other networks"
                             : "no DNS record for cart.shop.svc.cluster.local "
                               "in cluster east: kube-dns, which this client "
                               "asks, knows only cluster east's Services"))
        << paths[0].reason;
  }
}

// A ServiceEntry in the client's namespace that names a Service's
// cluster.local host: the DNS proxy answers with the entry, kube-dns with the
// Service's ClusterIP (review finding).
TEST(DnsCaptureTest, KubeDnsAnswersAServicesOwnNameWithItsClusterIp) {
  auto world = [](const std::string& annotation) {
    testing::World w = EgressWorld(annotation);
    w.Add("east", testing::Ns("shop", {{Ambient(), "ambient"}}));
    w.Add("east", testing::Deploy("shop", "cart"));
    w.Add("east", testing::Svc("shop", "cart", 80));
    w.Add("east",
          "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:"
          "\n  name: override\n  namespace: client\nspec:\n  hosts: "
          "[cart.shop.svc.cluster.local]\n  addresses: [10.255.0.9]\n"
          "  resolution: STATIC\n  ports: [{number: 80, name: http}]\n"
          "  endpoints: [{address: 192.0.2.9}]\n");
    w.Traffic("by-name", testing::kFromCurl, testing::kToCart,
              "{method: GET, path: /}");
    return w.Load();
  };
  std::vector<Path> paths = testing::PathsOf(world(""), "by-name");
  ASSERT_FALSE(paths.empty());
  for (const Path& p : paths)
    EXPECT_EQ(p.hops.back().name, "client/override@192.0.2.9")
        << PathText(p.hops);
  paths = testing::PathsOf(world("false"), "by-name");
  ASSERT_FALSE(paths.empty());
  for (const Path& p : paths)
    EXPECT_EQ(p.hops.back().name.rfind("shop/cart-", 0), 0u)
        << PathText(p.hops);
}

}  // namespace
}  // namespace meshsim
