// §7.2: a community east-west gateway is an Envoy whose istiod merges every
// cluster's global Services (ambientindex.go AllLocalNetworkGlobalServices
// over SplitHorizonServices) and which sees its own network's endpoints
// (ISTIO_META_REQUESTED_NETWORK_VIEW, endpoint_builder.go): it reaches the
// pods of every cluster on its network, and serves a Service its own
// cluster lacks by another same-network cluster's global record. Asked of
// both engines.
#include <gtest/gtest.h>

#include <string>

#include "tests/crosscheck/both_engines.h"
#include "tests/test_world.h"

namespace meshsim {
namespace {

using testing::Ambient;

struct ViewWorld {
  bool mid_service = true;     // the gateway's cluster has cart too
  bool west_waypoint = false;  // west binds cart to its waypoint
};

// client/curl in east (net-east) calls the global shop/cart, whose only
// pod runs in west; mid shares net-west with west and holds its network's
// east-west gateway, west holds none.
Scenario View(const ViewWorld& o) {
  testing::World w;
  w.Cluster("east", "net-east").Cluster("mid", "net-west");
  w.Cluster("west", "net-west");
  const testing::KV global = {{"istio.io/global", "true"}};
  for (const char* c : {"east", "mid", "west"}) {
    w.Add(c, testing::Ns("istio-system"));
    w.Add(c, testing::Ns("client", {{Ambient(), "ambient"}}));
    testing::KV ns = {{Ambient(), "ambient"}};
    const bool west = std::string(c) == "west";
    if (west && o.west_waypoint) {
      ns["istio.io/use-waypoint"] = "waypoint";
      w.Add(c, testing::Waypoint("shop", "waypoint"));
    }
    w.Add(c, testing::Ns("shop", ns));
    if (o.mid_service || std::string(c) != "mid")
      w.Add(c, testing::Svc("shop", "cart", 80, global));
  }
  w.Add("east", testing::EastWest("net-east"));
  w.Add("mid", testing::EastWest("net-west"));
  w.Add("east", testing::Deploy("client", "curl"));
  w.Add("west", testing::Deploy("shop", "cart"));
  w.Traffic("t", testing::kFromCurl, testing::kToCart,
            "{method: GET, path: /}");
  return w.Load();
}

// The pods the simulator delivers to, and the waypoints on the way.
std::set<std::string> Landings(const Scenario& sc) {
  std::set<std::string> out;
  for (const Path& p : testing::PathsOf(sc, "t")) {
    std::string at = p.hops.back().cluster;
    for (const std::string& wp : p.waypoints) at += " via " + wp;
    out.insert(at);
  }
  return out;
}

TEST(EastWestViewCrossCheck, TheGatewayReachesItsNetworksOtherClusters) {
  const Scenario sc = View({});
  testing::ExpectBothEngines(sc, Outcome::kDelivered, "mid holds cart");
  EXPECT_EQ(Landings(sc), std::set<std::string>{"west"});
}

TEST(EastWestViewCrossCheck, WithoutItsOwnCopyItServesTheNetworksRecord) {
  const Scenario sc = View({.mid_service = false});
  testing::ExpectBothEngines(sc, Outcome::kDelivered, "mid lacks cart");
  EXPECT_EQ(Landings(sc), std::set<std::string>{"west"});
  // west's record binds cart to west's waypoint: the gateway sends there.
  const Scenario wp = View({.mid_service = false, .west_waypoint = true});
  testing::ExpectBothEngines(wp, Outcome::kDelivered, "west's waypoint");
  EXPECT_EQ(Landings(wp), std::set<std::string>{"west via shop/waypoint"});
  OutcomeOracle oracle(wp);
  for (const SourceClass& src : SourceClasses(wp)) {
    if (src.workload.rfind("client/curl", 0) == 0) {
      EXPECT_EQ(oracle.Outcomes(src, "shop/cart", "", 80, "GET", "/").outcomes,
                (std::set<std::pair<int, Outcome>>{{1, Outcome::kDelivered}}));
    }
  }
}

}  // namespace
}  // namespace meshsim
