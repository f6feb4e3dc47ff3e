// §16.2: which VirtualServices a waypoint applies to an HTTP request, by
// release (listener_waypoint.go buildWaypointInboundHTTPRouteConfig): before
// the merge of #59484 (1.28.6, 1.29.2, 1.30) only the first, from 1.26 the
// first with HTTP rules, and when that one keeps no route on the port the
// service's default route, whatever a later one says; hosts compared as
// written, a wildcard on either side covering the other (host.Name.Matches).
// §16.1: a DestinationRule's host as written too. Found by a review of
// 2026-12-07 against Istio's code.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "tests/sim/path_helpers.h"
#include "tests/test_world.h"

namespace meshsim {
namespace vs_release {  // named: the test program may be a unity build

using testing::Ambient;
using testing::World;

using Pods = std::set<std::string>;

// Namespace shop behind waypoint shop/waypoint: Service echo (HTTP ports 80
// and 8081) over pods echo-v1 and echo-v2, and a Service per version; the
// objects `extra`; the ambient client's GET `path` to echo:80. The pods the
// paths land on ("" for a path that fails).
Pods Lands(const std::vector<std::string>& extra, const std::string& version,
           const std::string& path = "/") {
  World w("{version: \"" + version + "\"}");
  w.Cluster("east", "net-east", 1);
  w.Add("east", testing::Ns("client", {{Ambient(), "ambient"}}));
  w.Add("east", testing::Deploy("client", "curl"));
  w.Add("east", testing::Ns("shop", {{Ambient(), "ambient"},
                                     {"istio.io/use-waypoint", "waypoint"}}));
  w.Add("east", testing::Waypoint("shop", "waypoint"));
  for (const char* v : {"v1", "v2"}) {
    w.Add("east", testing::Deploy("shop", std::string("echo-") + v, 1,
                                  {{"role", "echo"}, {"version", v}}));
    w.Add("east", "apiVersion: v1\nkind: Service\nmetadata: {name: echo-" +
                      std::string(v) +
                      ", namespace: shop}\nspec:\n  selector: {app: echo-" + v +
                      "}\n  ports: [{name: http, port: 80}]\n");
  }
  w.Add("east",
        "apiVersion: v1\nkind: Service\nmetadata: {name: echo, namespace: "
        "shop}\nspec:\n  selector: {role: echo}\n  ports: [{name: http, port: "
        "80}, {name: http-alt, port: 8081}]\n");
  for (const std::string& x : extra) w.Add("east", x);
  w.Traffic("t", testing::kFromCurl,
            "{host: echo.shop.svc.cluster.local, port: 80}",
            "{method: GET, path: " + path + "}");
  Pods out;
  for (const Path& p : testing::PathsOf(w.Load(), "t"))
    out.insert(p.outcome == Outcome::kDelivered ? p.hops.back().name : "");
  return out;
}

// A VirtualService of shop for `hosts`, created at `created`, of `http`.
std::string Vs(const std::string& name, const std::string& created,
               const std::string& body, const std::string& hosts = "[echo]") {
  return "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
         "metadata: {name: " +
         name + ", namespace: shop, creationTimestamp: \"" + created +
         "\"}\nspec:\n  hosts: " + hosts + "\n" + body;
}

std::string To(const std::string& version, const std::string& match = "") {
  return "  - " + (match.empty() ? "" : "match: [" + match + "]\n    ") +
         "route: [{destination: {host: echo-" + version + "}}]\n";
}

const Pods kBoth = {"shop/echo-v1-0", "shop/echo-v2-0"};
const Pods kV1 = {"shop/echo-v1-0"}, kV2 = {"shop/echo-v2-0"};

TEST(WaypointVsReleaseTest, AFirstOneWithoutARouteHereLeavesTheDefaultRoute) {
  const std::vector<std::string> vss = {
      Vs("a-old", "2024-01-01T00:00:00Z",
         "  http:\n" + To("v1", "{port: 8081}")),
      Vs("b-new", "2024-02-01T00:00:00Z", "  http:\n" + To("v2"))};
  EXPECT_EQ(Lands(vss, "1.27"), kBoth);
  EXPECT_EQ(Lands(vss, "1.28.5"), kBoth);
  EXPECT_EQ(Lands(vss, "1.30"), kV2);
}

TEST(WaypointVsReleaseTest, FromOneTwentySixOneWithoutHttpRulesIsPassedOver) {
  const std::vector<std::string> vss = {
      Vs("a-tcp", "2024-01-01T00:00:00Z",
         "  tcp:\n  - route: [{destination: {host: echo-v1}}]\n"),
      Vs("b-http", "2024-02-01T00:00:00Z", "  http:\n" + To("v2"))};
  EXPECT_EQ(Lands(vss, "1.25"), kBoth);
  EXPECT_EQ(Lands(vss, "1.26"), kV2);
}

TEST(WaypointVsReleaseTest, TheMergeCameWithPatches) {
  const std::vector<std::string> vss = {
      Vs("a-old", "2024-01-01T00:00:00Z",
         "  http:\n" + To("v1", "{uri: {prefix: /a}}")),
      Vs("b-new", "2024-02-01T00:00:00Z",
         "  http:\n" + To("v2", "{uri: {prefix: /b}}"))};
  for (const char* v : {"1.28.0", "1.28.5", "1.29.1"})
    EXPECT_EQ(Lands(vss, v, "/b"), Pods{""}) << v;  // no route: 404
  for (const char* v : {"1.28.6", "1.29.2", "1.28", "1.30"})
    EXPECT_EQ(Lands(vss, v, "/b"), kV2) << v;
}

TEST(WaypointVsReleaseTest, HostsAreComparedAsWritten) {
  EXPECT_EQ(Lands({Vs("caps", "2024-01-01T00:00:00Z", "  http:\n" + To("v2"),
                      "[Echo.shop.svc.cluster.local]")},
                  "1.30"),
            kBoth);
  EXPECT_EQ(Lands({Vs("lower", "2024-01-01T00:00:00Z", "  http:\n" + To("v2"),
                      "[echo.shop.svc.cluster.local]")},
                  "1.30"),
            kV2);
}

// §16.1 (config.go MostSpecificHostMatch): a DestinationRule host in
// capitals names no service, so its subsets do not exist: 503.
TEST(WaypointVsReleaseTest, ADestinationRuleHostIsMatchedAsWritten) {
  auto with_dr = [](const std::string& host) {
    return Lands(
        {"apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
         "metadata: {name: to-v2, namespace: shop}\nspec:\n  hosts: [echo]\n"
         "  http:\n  - route: [{destination: {host: echo, subset: v2}}]\n",
         "apiVersion: networking.istio.io/v1\nkind: DestinationRule\n"
         "metadata: {name: echo, namespace: shop}\nspec:\n  host: " +
             host + "\n  subsets: [{name: v2, labels: {version: v2}}]\n"},
        "1.30");
  };
  EXPECT_EQ(with_dr("echo.shop.svc.cluster.local"), kV2);
  EXPECT_EQ(with_dr("Echo.shop.svc.cluster.local"), Pods{""});
}

}  // namespace vs_release
}  // namespace meshsim
