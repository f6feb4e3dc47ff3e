// §7.2: a ztunnel's view holds every pod of its network, each with the
// Services its own cluster's istiod gives it (services.go drops another
// cluster's non-global Service; multicluster.go networkLocalWorkloads keeps
// the network's pods): a Service local in the client's cluster still has
// the same-network pods of a cluster where it is global, and one global
// here lacks those of a cluster where it is local. A waypoint's Envoy
// keeps its own cluster's endpoints of a local Service. Asked of both
// engines: a DENY-all policy in west tells west's pods apart.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <utility>

#include "tests/crosscheck/both_engines.h"
#include "tests/test_world.h"

namespace meshsim {
namespace {

using testing::Ambient;

// client/curl in east calls shop/cart, which both clusters (one network)
// run; `global` says which clusters' cart is labelled istio.io/global.
Scenario World(bool east_global, bool west_global, bool east_waypoint) {
  testing::World w("{flags: {AMBIENT_ENABLE_MULTI_NETWORK: true}}");
  w.Cluster("east", "net").Cluster("west", "net");
  for (const char* c : {"east", "west"}) {
    const bool east = std::string(c) == "east";
    testing::KV ns = {{Ambient(), "ambient"}};
    if (east && east_waypoint) {
      ns["istio.io/use-waypoint"] = "waypoint";
      w.Add(c, testing::Waypoint("shop", "waypoint"));
    }
    w.Add(c, testing::Ns("client", {{Ambient(), "ambient"}}));
    w.Add(c, testing::Ns("shop", ns));
    testing::KV svc;
    if (east ? east_global : west_global) svc["istio.io/global"] = "true";
    w.Add(c, testing::Svc("shop", "cart", 80, svc));
    w.Add(c, testing::Deploy("shop", "cart"));
  }
  w.Add("west",
        "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
        "metadata: {name: deny-all, namespace: shop}\n"
        "spec:\n  action: DENY\n  rules: [{}]\n");
  w.Add("east", testing::Deploy("client", "curl"));
  w.Traffic("t", testing::kFromCurl, testing::kToCart,
            "{method: GET, path: /}");
  return w.Load();
}

std::set<Outcome> Simulated(const Scenario& sc) {
  std::set<Outcome> out;
  for (const Path& p : testing::PathsOf(sc, "t")) out.insert(p.outcome);
  return out;
}

std::set<Outcome> Encoded(const Scenario& sc) {
  std::set<Outcome> out;
  OutcomeOracle oracle(sc);
  for (const SourceClass& src : SourceClasses(sc))
    if (src.workload.rfind("client/curl", 0) == 0)
      for (const auto& [passes, o] :
           oracle.Outcomes(src, "shop/cart", "", 80, "GET", "/").outcomes)
        out.insert(o);
  return out;
}

const std::set<Outcome> kBoth = {Outcome::kDelivered, Outcome::kDenied};
const std::set<Outcome> kEastOnly = {Outcome::kDelivered};

TEST(MixedScopeCrossCheck, ALocalServiceHasTheNetworksGlobalPodsElsewhere) {
  const Scenario sc = World(false, true, false);
  EXPECT_EQ(Simulated(sc), kBoth);
  EXPECT_EQ(Encoded(sc), kBoth);
}

TEST(MixedScopeCrossCheck, AGlobalServiceLacksThePodsWhereItIsLocal) {
  const Scenario sc = World(true, false, false);
  EXPECT_EQ(Simulated(sc), kEastOnly);
  EXPECT_EQ(Encoded(sc), kEastOnly);
}

TEST(MixedScopeCrossCheck, AWaypointKeepsALocalServicesOwnPods) {
  const Scenario sc = World(false, true, true);
  EXPECT_EQ(Simulated(sc), kEastOnly);
  EXPECT_EQ(Encoded(sc), kEastOnly);
}

}  // namespace
}  // namespace meshsim
