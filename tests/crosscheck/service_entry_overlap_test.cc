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

}  // namespace
}  // namespace meshsim
