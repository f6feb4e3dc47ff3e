// §7.2: another cluster's record names its waypoint by host name
// (waypoints.go getGatewayAddress prefers it), which the client's ztunnel
// looks up in its own cluster's view (state.rs fetch_waypoint): a waypoint
// of that name in the client's cluster, or one whose Service is global,
// is found; with neither the connection fails (UnknownWaypoint), for a
// Service only another cluster has and for another cluster's pod alike.
// Asked of both engines.
#include <gtest/gtest.h>

#include <string>

#include "tests/crosscheck/both_engines.h"
#include "tests/test_world.h"

namespace meshsim {
namespace {

using testing::Ambient;

struct WaypointWorld {
  bool global_waypoint = false;  // west's waypoint Service is global
  bool east_waypoint = false;    // east has a waypoint of that name too
  bool pod_waypoint = false;     // west's pod (not cart) uses the waypoint
  int canary = -1;               // cart's canary waypoint wp2 takes this share
  bool east_canary = false;      // east has a waypoint named wp2
};

// client/curl in east calls shop/cart, which only west has (global); one
// network, so the clusters share a view only with the flag.
Scenario World(const WaypointWorld& o) {
  testing::World w(
      "{version: \"1.31\", flags: {AMBIENT_ENABLE_MULTI_NETWORK: true}}");
  w.Cluster("east", "net").Cluster("west", "net");
  for (const char* c : {"east", "west"}) {
    w.Add(c, testing::Ns("client", {{Ambient(), "ambient"}}));
    w.Add(c, testing::Ns("shop", {{Ambient(), "ambient"}}));
  }
  const testing::KV global = {{"istio.io/global", "true"}};
  w.Add("west",
        testing::Waypoint("shop", "waypoint", "all", "", "istio-waypoint", "",
                          o.global_waypoint ? global : testing::KV{}));
  if (o.east_waypoint)
    w.Add("east", testing::Waypoint("shop", "waypoint", "all"));
  if (o.canary >= 0) w.Add("west", testing::Waypoint("shop", "wp2", "all"));
  if (o.east_canary) w.Add("east", testing::Waypoint("shop", "wp2", "all"));
  testing::KV svc = global;
  if (!o.pod_waypoint) svc["istio.io/use-waypoint"] = "waypoint";
  if (o.canary >= 0) svc["istio.io/use-waypoint-canary"] = "wp2";
  std::string cart = testing::Svc("shop", "cart", 80, svc);
  if (o.canary >= 0)
    cart.replace(cart.find("spec:"), 5,
                 "  annotations: {istio.io/use-waypoint-canary-weight: \"" +
                     std::to_string(o.canary) + "\"}\nspec:");
  w.Add("west", cart);
  w.Add("west",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: cart\n"
        "  namespace: shop\n  labels: {app: cart" +
            std::string(o.pod_waypoint ? ", istio.io/use-waypoint: waypoint"
                                       : "") +
            "}\nspec: {containers: [{name: app, image: x}]}\n"
            "status: {podIP: 10.50.0.5, phase: Running, conditions: "
            "[{type: Ready, status: \"True\"}]}\n");
  w.Add("east", testing::Deploy("client", "curl"));
  w.Traffic("t", testing::kFromCurl,
            o.pod_waypoint ? "{ip: 10.50.0.5, port: 80}" : testing::kToCart,
            "{method: GET, path: /}");
  return w.Load();
}

TEST(UnknownWaypointCrossCheck, AWaypointTheClientsClusterDoesNotKnowFails) {
  const Scenario sc = World({});
  testing::ExpectBothEngines(sc, Outcome::kFailed, "west's local waypoint");
  const std::vector<Path> paths = testing::PathsOf(sc, "t");
  ASSERT_EQ(paths.size(), 1u);
  EXPECT_NE(paths[0].reason.find("UnknownWaypoint"), std::string::npos)
      << paths[0].reason;
}

TEST(UnknownWaypointCrossCheck, AGlobalOrSameNamedWaypointIsFound) {
  testing::ExpectBothEngines(World({.global_waypoint = true}),
                             Outcome::kDelivered, "global waypoint");
  testing::ExpectBothEngines(World({.east_waypoint = true}),
                             Outcome::kDelivered, "east's same-named one");
}

// ztunnel samples the canary, then looks the one it picked up (state.rs
// fetch_service_waypoint): only the picked waypoint must be known.
TEST(UnknownWaypointCrossCheck, EachSampledWaypointIsLookedUpOnItsOwn) {
  testing::ExpectBothEngines(World({.east_waypoint = true, .canary = 100}),
                             Outcome::kFailed, "the canary is unknown");
  testing::ExpectBothEngines(World({.canary = 100, .east_canary = true}),
                             Outcome::kDelivered, "the canary is known");
  const std::vector<Path> half =
      testing::PathsOf(World({.east_waypoint = true, .canary = 50}), "t");
  std::set<Outcome> outcomes;
  for (const Path& p : half) outcomes.insert(p.outcome);
  EXPECT_EQ(outcomes,
            (std::set<Outcome>{Outcome::kDelivered, Outcome::kFailed}));
}

TEST(UnknownWaypointCrossCheck, AnotherClustersPodsWaypointToo) {
  const Scenario sc = World({.pod_waypoint = true});
  const testing::EngineDest pod{.service = "", .pod = "shop/cart"};
  testing::ExpectBothEngines(sc, Outcome::kFailed, "pod's waypoint", pod);
  testing::ExpectBothEngines(
      World({.global_waypoint = true, .pod_waypoint = true}),
      Outcome::kDelivered, "pod's global waypoint", pod);
}

}  // namespace
}  // namespace meshsim
