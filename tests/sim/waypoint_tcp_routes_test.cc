// §16.2 (listener_waypoint.go getWaypointTCPRoutes, getTLSRouteMatch; 1.26+,
// #55198): a waypoint routes a TCP connection by the `tls` rules of every
// VirtualService for the service before any `tcp` rule, and a `tls` match
// counts only when its sniHosts is the service's own hostname alone, in
// full: the waypoint reads no SNI. Before 1.26 its TCP chain sends to the
// service itself.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "tests/sim/path_helpers.h"
#include "tests/test_world.h"

namespace meshsim {
namespace {

using testing::Ambient;
using testing::World;

// Namespace shop behind waypoint shop/waypoint: Service db (a TCP port)
// over pods of v1 and v2, and one Service per version; the VirtualServices
// `vss` for db; a plain TCP connection from the ambient client.
std::set<std::string> Lands(const std::vector<std::string>& vss,
                            const std::string& version = "") {
  World w(version.empty() ? "" : "{version: \"" + version + "\"}");
  w.Cluster("east", "net-east", 1);
  w.Add("east", testing::Ns("client", {{Ambient(), "ambient"}}));
  w.Add("east", testing::Deploy("client", "curl"));
  w.Add("east", testing::Ns("shop", {{Ambient(), "ambient"},
                                     {"istio.io/use-waypoint", "waypoint"}}));
  w.Add("east", testing::Waypoint("shop", "waypoint"));
  for (const char* v : {"v1", "v2"}) {
    w.Add("east",
          testing::Deploy("shop", std::string("db-") + v, 1, {{"role", "db"}}));
    w.Add("east", "apiVersion: v1\nkind: Service\nmetadata: {name: db-" +
                      std::string(v) +
                      ", namespace: shop}\nspec:\n  selector: {app: db-" + v +
                      "}\n  ports: [{name: tcp, port: 9000}]\n");
  }
  w.Add("east",
        "apiVersion: v1\nkind: Service\nmetadata: {name: db, namespace: shop}\n"
        "spec:\n  selector: {role: db}\n  ports: [{name: tcp, port: 9000}]\n");
  for (const std::string& vs : vss) w.Add("east", vs);
  w.Traffic("tcp", testing::kFromCurl,
            "{host: db.shop.svc.cluster.local, port: 9000}");
  std::set<std::string> out;
  for (const Path& p : testing::PathsOf(w.Load(), "tcp"))
    out.insert(p.outcome == Outcome::kDelivered ? p.hops.back().name : "");
  return out;
}

std::string Vs(const std::string& name, const std::string& created,
               const std::string& sections) {
  return "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
         "metadata: {name: " +
         name + ", namespace: shop, creationTimestamp: \"" + created +
         "\"}\nspec:\n  hosts: [db]\n" + sections;
}

const char kTcpToV1[] = "  tcp:\n  - route: [{destination: {host: db-v1}}]\n";

std::string TlsToV2(const std::string& sni_hosts) {
  return "  tls:\n  - match: [{sniHosts: " + sni_hosts +
         "}]\n    route: [{destination: {host: db-v2}}]\n";
}

const std::set<std::string> kV1 = {"shop/db-v1-0"};
const std::set<std::string> kV2 = {"shop/db-v2-0"};
const std::set<std::string> kBoth = {"shop/db-v1-0", "shop/db-v2-0"};

TEST(WaypointTcpRoutesTest, EveryTlsRuleComesBeforeAnyTcpRule) {
  // The older VirtualService's tcp catch-all loses to the newer's tls rule.
  EXPECT_EQ(Lands({Vs("a-tcp", "2020-01-01T00:00:00Z", kTcpToV1),
                   Vs("b-tls", "2021-01-01T00:00:00Z",
                      TlsToV2("[db.shop.svc.cluster.local]"))}),
            kV2);
  // Without the tls rule the tcp one applies.
  EXPECT_EQ(Lands({Vs("a-tcp", "2020-01-01T00:00:00Z", kTcpToV1)}), kV1);
}

TEST(WaypointTcpRoutesTest, ATlsMatchNeedsTheServiceHostnameAlone) {
  for (const char* sni : {"[\"*.shop.svc.cluster.local\"]", "[db]",
                          "[db.shop.svc.cluster.local, db.shop]"})
    EXPECT_EQ(Lands({Vs("b-tls", "2021-01-01T00:00:00Z", TlsToV2(sni))}),
              kBoth)
        << sni;  // no rule applies: the service's own endpoints
}

// A GAMMA route on Service db: `kind` TCPRoute or TLSRoute to db-`to`,
// with `hostnames` (a YAML list, "" for none).
std::string Gamma(const std::string& kind, const std::string& name,
                  const std::string& created, const std::string& to,
                  const std::string& hostnames = "") {
  return "apiVersion: gateway.networking.k8s.io/v1alpha2\nkind: " + kind +
         "\nmetadata: {name: " + name +
         ", namespace: shop, creationTimestamp: \"" + created +
         "\"}\nspec:\n  parentRefs: [{group: '', kind: Service, name: db}]\n" +
         (hostnames.empty() ? "" : "  hostnames: " + hostnames + "\n") +
         "  rules:\n  - backendRefs: [{name: db-" + to + ", port: 9000}]\n";
}

// A GAMMA TLSRoute is a tls rule of its VirtualService: it comes before an
// older TCPRoute, and applies only when its hostnames leave the Service's
// own name alone (none; the name in full; of several, those covering it).
TEST(WaypointTcpRoutesTest, AGammaTlsRouteIsATlsRule) {
  const std::string tcp = Gamma("TCPRoute", "a", "2020-01-01T00:00:00Z", "v1");
  auto tls = [](const std::string& hostnames) {
    return Gamma("TLSRoute", "b", "2021-01-01T00:00:00Z", "v2", hostnames);
  };
  EXPECT_EQ(Lands({tcp, tls("")}), kV2);
  EXPECT_EQ(Lands({tcp, tls("[db.shop.svc.cluster.local]")}), kV2);
  EXPECT_EQ(Lands({tcp, tls("[db.shop.svc.cluster.local, foo.example.com]")}),
            kV2);
  // The TLS route never applies: the TCP one does, or none.
  for (const std::string h :
       {"[foo.example.com]", "[db]", "['*.shop.svc.cluster.local']",
        "['*.shop.svc.cluster.local', db.shop.svc.cluster.local]"}) {
    EXPECT_EQ(Lands({tcp, tls(h)}), kV1) << h;
    EXPECT_EQ(Lands({tls(h)}), kBoth) << h;
  }
}

// §8.6: on a port declared HTTP the waypoint has only its HTTP chain: a
// TCP connection meets no TCPRoute there (listener_waypoint.go).
TEST(WaypointTcpRoutesTest, AnHttpPortHasNoTcpRoutes) {
  for (const std::string port_name : {"tcp", "http"}) {
    World w;
    w.Cluster("east", "net-east", 1);
    w.Add("east", testing::Ns("client", {{Ambient(), "ambient"}}));
    w.Add("east", testing::Deploy("client", "curl"));
    w.Add("east", testing::Ns("shop", {{Ambient(), "ambient"},
                                       {"istio.io/use-waypoint", "waypoint"}}));
    w.Add("east", testing::Waypoint("shop", "waypoint"));
    for (const char* v : {"v1", "v2"})
      w.Add("east", testing::Deploy("shop", std::string("db-") + v, 1,
                                    {{"role", "db"}}));
    w.Add("east",
          "apiVersion: v1\nkind: Service\nmetadata: {name: db-v2, namespace: "
          "shop}\nspec:\n  selector: {app: db-v2}\n  ports: [{name: tcp, "
          "port: 9000}]\n");
    w.Add("east",
          "apiVersion: v1\nkind: Service\nmetadata: {name: db, "
          "namespace: shop}\nspec:\n  selector: {role: db}\n  ports: "
          "[{name: " +
              port_name + ", port: 9000}]\n");
    w.Add("east", Gamma("TCPRoute", "a", "2020-01-01T00:00:00Z", "v2"));
    w.Traffic("tcp", testing::kFromCurl,
              "{host: db.shop.svc.cluster.local, port: 9000}");
    std::set<std::string> lands;
    for (const Path& p : testing::PathsOf(w.Load(), "tcp"))
      lands.insert(p.hops.back().name);
    EXPECT_EQ(lands, port_name == "tcp" ? kV2 : kBoth) << port_name;
  }
}

// tls.go matchTCP: a waypoint passes no source labels or namespace
// (getTCPRouteMatch), so a tcp match on either never holds there; gateways
// naming `mesh` do.
TEST(WaypointTcpRoutesTest, ATcpMatchOnTheSourceNeverHoldsAtAWaypoint) {
  auto first_if = [](const std::string& match) {
    return Vs("db", "2024-01-01T00:00:00Z",
              "  tcp:\n  - match: [" + match +
                  "]\n    route: [{destination: {host: db-v2}}]\n"
                  "  - route: [{destination: {host: db-v1}}]\n");
  };
  const std::set<std::string> v1 = {"shop/db-v1-0"}, v2 = {"shop/db-v2-0"};
  EXPECT_EQ(Lands({first_if("{sourceNamespace: client}")}), v1);
  EXPECT_EQ(Lands({first_if("{sourceLabels: {app: curl}}")}), v1);
  EXPECT_EQ(Lands({first_if("{gateways: [mesh]}")}), v2);
  EXPECT_EQ(Lands({first_if("{gateways: [shop/ingress]}")}), v1);
}

TEST(WaypointTcpRoutesTest, BeforeOneTwentySixAWaypointRoutesNoTcp) {
  const std::vector<std::string> vss = {
      Vs("a-tcp", "2020-01-01T00:00:00Z", kTcpToV1)};
  EXPECT_EQ(Lands(vss, "1.25"), kBoth);
  EXPECT_EQ(Lands(vss, "1.26"), kV1);
}

}  // namespace
}  // namespace meshsim
