// §3.4 (selectWorkloadServices): per namespace and host one service is in
// WDS: a Kubernetes Service, else the oldest ServiceEntry. The other
// entry's address, waypoint and endpoints take no traffic for that host;
// clients in other namespaces get the canonical (oldest) one. Asked of the
// simulator, the encoding and lint.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "lint/lint.h"
#include "tests/sim/path_helpers.h"
#include "tests/test_world.h"
#include "verify/source_class.h"
#include "verify/verifier.h"

namespace meshsim {
namespace {

using testing::Ambient;

// ServiceEntry `name` in namespace shop for host foo.com at 10.255.0.<i>,
// created at second `t`, selecting the cart pods; `waypoint` labels it.
std::string Entry(const std::string& name, int i, int t,
                  const std::string& ns = "shop", bool waypoint = false) {
  return "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n"
         "  name: " +
         name + "\n  namespace: " + ns +
         "\n  creationTimestamp: \"2026-01-01T00:00:0" + std::to_string(t) +
         "Z\"\n" +
         (waypoint ? "  labels: {istio.io/use-waypoint: waypoint}\n" : "") +
         "spec:\n  hosts: [foo.com]\n  addresses: [10.255.0." +
         std::to_string(i) +
         "]\n  location: MESH_INTERNAL\n  resolution: STATIC\n"
         "  workloadSelector: {labels: {app: cart}}\n"
         "  ports: [{number: 80, name: http, protocol: HTTP}]\n";
}

// An older entry `old` without waypoint and a newer `late` with one.
testing::World OverlapWorld() {
  testing::World w;
  w.Cluster("east", "net-east", 2);
  w.Add("east", testing::Ns("client", {{Ambient(), "ambient"}}));
  w.Add("east", testing::Deploy("client", "curl"));
  w.Add("east", testing::Ns("shop", {{Ambient(), "ambient"}}));
  w.Add("east", testing::Deploy("shop", "cart"));
  w.Add("east", testing::Waypoint("shop", "waypoint"));
  w.Add("east", Entry("late", 2, 3, "shop", true));
  w.Add("east", Entry("old", 1, 2));
  w.Traffic("by-host", testing::kFromCurl, "{host: foo.com, port: 80}",
            "{method: GET, path: /}");
  w.Traffic("late-address", testing::kFromCurl, "{ip: 10.255.0.2, port: 80}",
            "{method: GET, path: /}");
  return w;
}

TEST(ServiceEntryOverlapCrossCheck, TheOlderEntryHoldsTheHost) {
  const Scenario sc = OverlapWorld().Load();
  ASSERT_FALSE(sc.mesh.clusters.empty());
  const Cluster& c = sc.mesh.clusters[0];
  ASSERT_NE(c.FindService("shop/late"), nullptr);
  EXPECT_TRUE(c.FindService("shop/late")->Shadowed());
  EXPECT_FALSE(c.FindService("shop/old")->Shadowed());
  // By name: the old entry, which has no waypoint.
  EXPECT_EQ(testing::Summary(testing::PathsOf(sc, "by-host")),
            std::vector<std::string>{"|delivered"});
  // The late entry's address is in no one's view: passed through.
  const std::vector<Path> late = testing::PathsOf(sc, "late-address");
  ASSERT_EQ(late.size(), 1u);
  EXPECT_EQ(late[0].hops.back().kind, HopKind::kExternal);
  EXPECT_TRUE(late[0].waypoints.empty());
  // The encoding has no request to the late entry, and some to the old.
  OutcomeOracle oracle(sc);
  for (const SourceClass& src : SourceClasses(sc)) {
    if (src.workload.rfind("client/curl", 0) != 0) continue;
    EXPECT_TRUE(
        oracle.Outcomes(src, "shop/late", "", 80, "GET", "/").outcomes.empty());
    EXPECT_EQ(oracle.Outcomes(src, "shop/old", "", 80, "GET", "/").outcomes,
              (std::set<std::pair<int, Outcome>>{{0, Outcome::kDelivered}}));
  }
  // Lint names the entry that loses and the one that holds the host.
  bool said = false;
  for (const LintFinding& f : Lint(sc).findings)
    said |= f.rule == "service-entry-shadowed" &&
            f.message.find("shop/late") != std::string::npos &&
            f.message.find("shop/old") != std::string::npos;
  EXPECT_TRUE(said);
}

TEST(ServiceEntryOverlapCrossCheck, OtherNamespacesGetTheOldestEntry) {
  testing::World w = OverlapWorld();
  // A younger entry for foo.com in the client's namespace wins there; the
  // oldest of all, in namespace a-first, is canonical for the others.
  w.Add("east", testing::Ns("a-first"));
  w.Add("east", Entry("first", 3, 1, "a-first"));
  w.Traffic("from-shop", "{cluster: east, namespace: shop, workload: cart}",
            "{host: foo.com, port: 80}", "{method: GET, path: /}");
  const Scenario sc = w.Load();
  ASSERT_FALSE(sc.mesh.clusters.empty());
  const Cluster& c = sc.mesh.clusters[0];
  const std::vector<size_t> from_client =
      c.ServicesForHost("foo.com", "client");
  ASSERT_FALSE(from_client.empty());
  EXPECT_EQ(c.services[from_client[0]].Key(), "a-first/first");
  const std::vector<size_t> from_shop = c.ServicesForHost("foo.com", "shop");
  ASSERT_FALSE(from_shop.empty());
  EXPECT_EQ(c.services[from_shop[0]].Key(), "shop/old");
}

// Review findings: a shadowed entry raises no verify finding of its own (it
// is out of WDS), a host listed twice is still one host, and an
// ExternalName Service (no WDS service) shadows nothing.
TEST(ServiceEntryOverlapCrossCheck, EdgeCasesOfTheHostHolder) {
  {
    // `late` has no address and a waypoint: without shadowing it would be
    // a K9 bypass (§3.4); out of WDS, it concerns no request.
    testing::World w = OverlapWorld();
    w.Add("east",
          "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:"
          "\n  name: later\n  namespace: shop\n  creationTimestamp: "
          "\"2026-01-01T00:00:05Z\"\n  labels: {istio.io/use-waypoint: "
          "waypoint}\nspec:\n  hosts: [foo.com, foo.com]\n  resolution: NONE\n"
          "  ports: [{number: 80, name: http, protocol: HTTP}]\n");
    const Scenario sc = w.Load();
    ASSERT_FALSE(sc.mesh.clusters.empty());
    ASSERT_NE(sc.mesh.clusters[0].FindService("shop/later"), nullptr);
    EXPECT_TRUE(sc.mesh.clusters[0].FindService("shop/later")->Shadowed());
    VerifyOptions o;
    o.jobs = 1;
    for (const Finding& f : Verify(sc, o).findings)
      EXPECT_EQ(f.message.find("shop/later"), std::string::npos) << f.message;
  }
  {
    testing::World w;
    w.Cluster("east", "net-east", 1);
    w.Add("east", testing::Ns("shop", {{Ambient(), "ambient"}}));
    w.Add("east",
          "apiVersion: v1\nkind: Service\nmetadata: {name: foo, namespace: "
          "shop}\nspec: {type: ExternalName, externalName: example.com}\n");
    w.Add("east",
          "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:"
          "\n  name: se\n  namespace: shop\nspec:\n  hosts: "
          "[foo.shop.svc.cluster.local]\n  addresses: [10.255.0.1]\n"
          "  resolution: STATIC\n  ports: [{number: 80, name: http}]\n");
    const Scenario sc = w.Load();
    ASSERT_FALSE(sc.mesh.clusters.empty());
    EXPECT_FALSE(sc.mesh.clusters[0].FindService("shop/se")->Shadowed());
    const std::vector<size_t> by_name = sc.mesh.clusters[0].ServicesForHost(
        "foo.shop.svc.cluster.local", "shop");
    ASSERT_FALSE(by_name.empty());
    EXPECT_EQ(sc.mesh.clusters[0].services[by_name[0]].Key(), "shop/se");
  }
}

}  // namespace
}  // namespace meshsim
