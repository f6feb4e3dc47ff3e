// §16.2, §9: a VirtualService rule the proxy answers itself. A redirect is
// delivered by the waypoint with no backend reached; an abort fails there,
// for every request (100%) or for a share of them (either outcome). The
// simulator states it in Builder::Route, the verifier's encoding in
// PlanChain (RouteChain::redirected, ::aborted); both must agree, and a
// request the proxy answers has still passed the waypoint.
#include <gtest/gtest.h>

#include "tests/sim/path_helpers.h"
#include "tests/test_world.h"
#include "verify/source_class.h"
#include "verify/verifier.h"

namespace meshsim {
namespace {

using testing::Ambient;

TEST(RouteAnswersCrossCheck, RedirectsAndAbortsEndAtTheWaypointInBothEngines) {
  struct Case {
    const char* name;
    std::string rule;  // the VirtualService's first rule, matching /old
    std::set<std::pair<int, Outcome>> at_old;  // GET /old: (passes, outcome)
  };
  const std::vector<Case> cases = {
      {"redirect", "redirect: {uri: /new}", {{1, Outcome::kDelivered}}},
      {"abort all",
       "route: [{destination: {host: cart}}]\n"
       "    fault: {abort: {percentage: {value: 100}, httpStatus: 503}}",
       {{1, Outcome::kFailed}}},
      {"abort half",
       "route: [{destination: {host: cart}}]\n"
       "    fault: {abort: {percentage: {value: 50}, httpStatus: 503}}",
       {{1, Outcome::kFailed}, {1, Outcome::kDelivered}}},
  };
  for (const Case& c : cases) {
    testing::World w = testing::ShopWorld(
        {{Ambient(), "ambient"}, {"istio.io/use-waypoint", "waypoint"}});
    w.Add("east", testing::Waypoint("shop", "waypoint"));
    w.Add("east",
          "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
          "metadata:\n  name: cart\n  namespace: shop\nspec:\n"
          "  hosts: [cart]\n  http:\n  - match: [{uri: {prefix: /old}}]\n"
          "    " +
              c.rule + "\n  - route: [{destination: {host: cart}}]\n");
    for (const char* path : {"/old", "/"})
      w.Traffic(std::string("t") + path,
                "{cluster: east, namespace: client, workload: curl}",
                "{host: cart.shop, port: 80}",
                std::string("{method: GET, path: ") + path + "}");
    Scenario sc = w.Load();
    ASSERT_FALSE(sc.mesh.clusters.empty()) << c.name;
    OutcomeOracle oracle(sc);
    const SourceClass* curl = nullptr;
    const std::vector<SourceClass> classes = SourceClasses(sc);
    for (const SourceClass& k : classes)
      if (k.kind == ClientKind::kAmbient && k.ns == "client") curl = &k;
    ASSERT_NE(curl, nullptr);
    for (const std::string path : {"/old", "/"}) {
      const std::set<std::pair<int, Outcome>> want =
          path == "/old"
              ? c.at_old
              : std::set<std::pair<int, Outcome>>{{1, Outcome::kDelivered}};
      std::set<std::pair<int, Outcome>> simulated;
      for (const Path& p : testing::PathsOf(sc, "t" + path)) {
        simulated.insert({static_cast<int>(p.waypoints.size()), p.outcome});
        // A request the waypoint answers reaches no pod.
        if (path == "/old" && c.at_old.size() == 1) {
          EXPECT_NE(p.hops.back().kind, HopKind::kWorkload) << c.name;
        }
      }
      EXPECT_EQ(simulated, want) << "simulator: " << c.name << " " << path;
      const EncodedOutcomes got =
          oracle.Outcomes(*curl, "shop/cart", "", 80, "GET", path);
      ASSERT_FALSE(got.unknown) << c.name;
      std::set<std::pair<int, Outcome>> encoded(got.outcomes.begin(),
                                                got.outcomes.end());
      EXPECT_EQ(encoded, want) << "encoding: " << c.name << " " << path;
    }
  }
}

// §16.1 (AugmentLabels): a subset picks endpoints by the topology labels
// istiod gives them too (the cluster, the node's zone, the hostname): the
// simulator's SubsetMatches and the encoding's InSubset must agree (a
// review of 2026-12-07 found both reading the pod's own labels only).
TEST(RouteAnswersCrossCheck, SubsetsByTopologyLabelsInBothEngines) {
  const std::vector<std::pair<std::string, Outcome>> cases = {
      {"topology.istio.io/cluster: east", Outcome::kDelivered},
      {"topology.istio.io/cluster: west", Outcome::kFailed},
      {"topology.istio.io/network: net-east", Outcome::kDelivered},
      {"app: cart", Outcome::kDelivered},
      {"app: crat", Outcome::kFailed},
  };
  for (const auto& [labels, want] : cases) {
    testing::World w = testing::ShopWorld(
        {{Ambient(), "ambient"}, {"istio.io/use-waypoint", "waypoint"}});
    w.Add("east", testing::Waypoint("shop", "waypoint"));
    w.Add("east",
          "apiVersion: networking.istio.io/v1\nkind: DestinationRule\n"
          "metadata: {name: cart, namespace: shop}\nspec:\n  host: cart\n"
          "  subsets: [{name: s, labels: {" +
              labels + "}}]\n");
    w.Add("east",
          "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
          "metadata: {name: cart, namespace: shop}\nspec:\n  hosts: [cart]\n"
          "  http:\n  - route: [{destination: {host: cart, subset: s}}]\n");
    w.Traffic("t", testing::kFromCurl, testing::kToCart,
              "{method: GET, path: /}");
    testing::ExpectBothEngines(w.Load(), want, labels);
  }
}

}  // namespace
}  // namespace meshsim
