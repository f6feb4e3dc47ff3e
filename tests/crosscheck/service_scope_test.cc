// §7.1, §16.6: which clusters' endpoints a request to a Service can reach.
// istiod builds the multicluster view only with AMBIENT_ENABLE_MULTI_NETWORK
// (ambientindex.go buildGlobalCollections); a Service's scope is its own
// (services.go matchServiceScope), whatever its waypoint's, and a waypoint
// drops other clusters' endpoints of a non-global Service
// (endpoint_builder.go); ztunnel's DNS answers with the VIPs on the client's
// network only (ztunnel dns/server.rs). Asked of both engines.
#include <gtest/gtest.h>

#include <string>

#include "tests/crosscheck/both_engines.h"
#include "tests/test_world.h"

namespace meshsim {
namespace {

using testing::Ambient;

struct ScopeWorld {
  std::string flags = "";     // the istio: key's flags, "" for none
  bool same_network = false;  // east and west on one network
  bool global = true;         // cart labelled istio.io/global=true
  bool east_service = true;   // east has the Service too
  bool waypoint = false;      // shop uses a global waypoint in each cluster
};

// client/curl in east calls shop/cart, whose only pod runs in west.
Scenario Scope(const ScopeWorld& o) {
  testing::World w(o.flags.empty() ? "" : "{flags: {" + o.flags + "}}");
  w.Cluster("east", o.same_network ? "net" : "net-east")
      .Cluster("west", o.same_network ? "net" : "net-west");
  const testing::KV global = {{"istio.io/global", "true"}};
  for (const char* c : {"east", "west"}) {
    w.Add(c, testing::Ns("istio-system"));
    w.Add(c, testing::Ns("client", {{Ambient(), "ambient"}}));
    testing::KV ns = {{Ambient(), "ambient"}};
    if (o.waypoint) ns["istio.io/use-waypoint"] = "waypoint";
    w.Add(c, testing::Ns("shop", ns));
    if (o.waypoint) {
      std::string gw = testing::Waypoint("shop", "waypoint");
      gw += "  infrastructure:\n    labels:\n      istio.io/global: \"true\"\n";
      w.Add(c, gw);
    }
    if (o.east_service || std::string(c) == "west")
      w.Add(c, testing::Svc("shop", "cart", 80,
                            o.global ? global : testing::KV{}));
    if (!o.same_network) w.Add(c, testing::EastWest(std::string("net-") + c));
  }
  w.Add("east", testing::Deploy("client", "curl"));
  w.Add("west", testing::Deploy("shop", "cart"));
  w.Traffic("t", testing::kFromCurl, testing::kToCart,
            "{method: GET, path: /}");
  return w.Load();
}

// No endpoint to send to: the simulator fails the request; the encoding
// has no request that is delivered.
void ExpectNoEndpoint(const Scenario& sc, const std::string& name) {
  const auto got = testing::CurlOutcomes(sc, "shop/cart", 80);
  EXPECT_EQ(got.first, std::set<Outcome>{Outcome::kFailed}) << name;
  EXPECT_EQ(got.second.count(Outcome::kDelivered), 0u) << name;
}

TEST(ServiceScopeCrossCheck, TwoNetworksReachAGlobalServicesRemotePods) {
  testing::ExpectBothEngines(Scope({}), Outcome::kDelivered,
                             "two networks, flag on by default");
  ExpectNoEndpoint(Scope({.flags = "AMBIENT_ENABLE_MULTI_NETWORK: false"}),
                   "two networks, flag off");
}

TEST(ServiceScopeCrossCheck, OneNetworkNeedsTheFlagForAnyMulticlusterView) {
  ExpectNoEndpoint(Scope({.same_network = true}),
                   "one network, no flag: east knows its own pods");
  testing::ExpectBothEngines(
      Scope({.flags = "AMBIENT_ENABLE_MULTI_NETWORK: true",
             .same_network = true}),
      Outcome::kDelivered, "one network, flag on");
}

TEST(ServiceScopeCrossCheck, AGlobalWaypointDoesNotMakeItsServiceGlobal) {
  // east's waypoint has no endpoint of the local-scope cart: 503.
  ExpectNoEndpoint(Scope({.global = false, .waypoint = true}),
                   "local cart, global waypoint");
  testing::ExpectBothEngines(Scope({.waypoint = true}), Outcome::kDelivered,
                             "global cart, global waypoint");
}

TEST(ServiceScopeCrossCheck, ARemoteOnlyServiceResolvesOnTheClientsNetwork) {
  // ztunnel's DNS has no record for a VIP on another network.
  ExpectNoEndpoint(Scope({.east_service = false}),
                   "a remote-only Service on another network");
  testing::ExpectBothEngines(
      Scope({.flags = "AMBIENT_ENABLE_MULTI_NETWORK: true",
             .same_network = true,
             .east_service = false}),
      Outcome::kDelivered, "a remote-only Service on the client's network");
}

}  // namespace
}  // namespace meshsim
