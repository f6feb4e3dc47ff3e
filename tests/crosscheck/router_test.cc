// §16.3, §5: an Istio Gateway (networking.istio.io) Router is a verify
// source class. Its VirtualServices pick the backend; the backend is then
// reached as from any ingress: through the service's waypoint only with
// `istio.io/ingress-use-waypoint`, else straight to the endpoints (K3). The
// verifier's finding, its replayed path and the encoding's outcomes must
// agree with the simulator's path function.
#include <gtest/gtest.h>

#include <set>

#include "app/witness.h"
#include "tests/sim/path_helpers.h"
#include "tests/test_world.h"
#include "verify/source_class.h"
#include "verify/verifier.h"

namespace meshsim {
namespace {

using testing::Ambient;

// istio-ingressgateway (label istio: ingressgateway) in istio-system, its
// Service mapping 80 -> 8080; Istio Gateway shop/gw on port 80; a
// VirtualService for shop.example.com bound to it, /shop/ to cart.
// `vs_gateways`: the VirtualService's `gateways`.
testing::World RouterWorld(bool opt_in,
                           const std::string& vs_gateways = "[gw]") {
  testing::World w = testing::ShopWorld(
      {{Ambient(), "ambient"}, {"istio.io/use-waypoint", "waypoint"}},
      opt_in ? testing::KV{{"istio.io/ingress-use-waypoint", "true"}}
             : testing::KV{});
  w.Add("east", testing::Waypoint("shop", "waypoint"));
  testing::AddIngressGateway(w);
  w.Add("east", testing::IstioGatewayShopGw());
  w.Add("east",
        "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
        "metadata:\n  name: public\n  namespace: shop\nspec:\n"
        "  hosts: [shop.example.com]\n  gateways: " +
            vs_gateways +
            "\n  http:\n"
            "  - match:\n    - uri: {prefix: /shop/}\n    route:\n"
            "    - destination: {host: cart, port: {number: 80}}\n");
  return w;
}

// The world with entry "in": GET /shop/a to shop.example.com through the
// Istio Gateway, as an outside client sends it.
Scenario WithEntry(testing::World w) {
  w.Traffic("in", "{cluster: east, ingress: shop/gw}",
            "{host: shop.example.com, port: 80}",
            "{method: GET, path: /shop/a}");
  return w.Load();
}

const Finding* RouterBypass(const VerifyResult& r) {
  for (const Finding& f : r.findings)
    if (f.rule == "waypoint-bypass" && f.client_kind == "ingress") return &f;
  return nullptr;
}

TEST(RouterTest, WithoutOptInTheRouterSkipsTheWaypointInBothEngines) {
  const Scenario sc = WithEntry(RouterWorld(false));
  ASSERT_EQ(sc.traffic.size(), 1u);
  std::vector<Path> simulated = testing::PathsOf(sc, "in");
  ASSERT_FALSE(simulated.empty());
  for (const Path& p : simulated) {
    EXPECT_EQ(p.outcome, Outcome::kDelivered) << p.reason;
    EXPECT_TRUE(p.waypoints.empty());
  }

  VerifyResult r = Verify(sc, VerifyOptions{});
  AttachWitnessPaths(sc, r);
  const Finding* f = RouterBypass(r);
  ASSERT_NE(f, nullptr) << "the Router's bypass is not found";
  // The counterexample is a traffic entry as a user writes it: the Istio
  // Gateway object, the Host its VirtualService serves, the port of its
  // server, a path its rule matches.
  EXPECT_EQ(f->req_from_ingress, "shop/gw");
  EXPECT_EQ(f->req_to_host, "shop.example.com");
  EXPECT_EQ(f->req_port, 80);
  EXPECT_EQ(f->req_path.rfind("/shop/", 0), 0u) << f->req_path;
  EXPECT_NE(f->message.find("ingress istio-system/istio-ingressgateway"),
            std::string::npos)
      << f->message;
  // Replayed through the path function, it is the bypass itself.
  ASSERT_FALSE(f->path.empty());
  EXPECT_EQ(f->path.front().kind, HopKind::kIngress);
  EXPECT_EQ(f->path.back().name, "shop/cart-0");
  for (const Hop& h : f->path) EXPECT_NE(h.kind, HopKind::kWaypoint);

  OutcomeOracle oracle(sc);
  bool asked = false;
  for (const SourceClass& src : SourceClasses(sc)) {
    if (!src.router) continue;
    EXPECT_EQ(src.kind, ClientKind::kIngress);
    const EncodedOutcomes got =
        oracle.Outcomes(src, "shop/cart", "", 80, "GET", "/shop/a");
    ASSERT_FALSE(got.unknown);
    std::set<std::pair<int, Outcome>> want;
    for (const Path& p : simulated)
      want.insert({static_cast<int>(p.waypoints.size()), p.outcome});
    EXPECT_EQ(got.outcomes, want);
    asked = true;
  }
  EXPECT_TRUE(asked) << "no Router source class";
}

TEST(RouterTest, WithIngressUseWaypointTheRouterPassesTheWaypoint) {
  const Scenario sc = WithEntry(RouterWorld(true));
  ASSERT_EQ(sc.traffic.size(), 1u);
  for (const Path& p : testing::PathsOf(sc, "in")) {
    EXPECT_EQ(p.outcome, Outcome::kDelivered) << p.reason;
    EXPECT_EQ(p.waypoints.size(), 1u);
  }
  EXPECT_EQ(RouterBypass(Verify(sc, VerifyOptions{})), nullptr);
}

TEST(RouterTest, AVirtualServiceNotBoundToTheGatewayGivesTheRouterNoPath) {
  // The same VirtualService for `mesh` only: the Router serves no host, so
  // it reaches nothing and no finding names it.
  const Scenario sc = RouterWorld(false, "[mesh]").Load();
  ASSERT_FALSE(sc.mesh.clusters.empty());
  EXPECT_EQ(RouterBypass(Verify(sc, VerifyOptions{})), nullptr);
  bool router = false;
  for (const SourceClass& src : SourceClasses(sc)) router |= src.router;
  EXPECT_TRUE(router) << "the Router is a source class, reaching nothing";
}

// The Router's VirtualService chain is in the encoding: a request no rule
// takes (GET / against prefix /shop/) ends at the Router with a 404 in the
// simulator and reaches no pod in the encoding; GET /shop/a reaches cart in
// both. Before, the encoding let every request of the Router reach it.
TEST(RouterTest, ARequestNoRuleTakesReachesNothingInBothEngines) {
  const Scenario sc = RouterWorld(false).Load();
  OutcomeOracle oracle(sc);
  bool asked = false;
  for (const SourceClass& src : SourceClasses(sc)) {
    if (!src.router) continue;
    EXPECT_TRUE(oracle
                    .Outcomes(src, "shop/cart", "", 80, "GET", "/", nullptr,
                              "shop.example.com")
                    .outcomes.empty());
    EXPECT_TRUE(oracle
                    .Outcomes(src, "shop/cart", "", 80, "GET", "/shop/a",
                              nullptr, "other.example.com")
                    .outcomes.empty());
    const EncodedOutcomes taken =
        oracle.Outcomes(src, "shop/cart", "", 80, "GET", "/shop/a", nullptr,
                        "shop.example.com");
    EXPECT_EQ(taken.outcomes,
              (std::set<std::pair<int, Outcome>>{{0, Outcome::kDelivered}}));
    asked = true;
  }
  EXPECT_TRUE(asked);
  testing::World w = RouterWorld(false);
  w.Traffic("root", "{cluster: east, ingress: shop/gw}",
            "{host: shop.example.com, port: 80}", "{method: GET, path: /}");
  const Scenario with = w.Load();
  for (const Path& p : testing::PathsOf(with, "root")) {
    EXPECT_EQ(p.outcome, Outcome::kFailed);
    EXPECT_NE(p.reason.find("404"), std::string::npos) << p.reason;
  }
}

// A global cart in clusters east (net-east) and west (net-west), each with
// an east-west gateway, reached through east's Router. With
// ingress-use-waypoint the Router sends to east's waypoint, which routes to
// net-west itself, through west's gateway (§7.2); without, the Router alone
// does not cross networks (no AMBIENT_ENABLE_MULTI_NETWORK_INGRESS, §7.1)
// and reaches east's pod only. The encoding used to apply the Router's rule
// behind the waypoint too.
Scenario TwoNetworkRouter(bool opt_in) {
  const testing::KV ns_labels =
      opt_in ? testing::KV{{Ambient(), "ambient"},
                           {"istio.io/ingress-use-waypoint", "true"}}
             : testing::KV{{Ambient(), "ambient"}};
  const testing::KV svc_labels = {{"istio.io/use-waypoint", "waypoint"},
                                  {"istio.io/global", "true"}};
  testing::World w =
      testing::ShopWorld(ns_labels, svc_labels, {},
                         "{flags: {AMBIENT_ENABLE_MULTI_NETWORK: true}}");
  w.Add("east", testing::Waypoint("shop", "waypoint"));
  w.Add("east", testing::EastWest("net-east"));
  w.Cluster("west", "net-west", 2);
  w.Add("west", testing::Ns("shop", ns_labels));
  w.Add("west", testing::Waypoint("shop", "waypoint"));
  w.Add("west", testing::Deploy("shop", "cart"));
  w.Add("west", testing::Svc("shop", "cart", 80, svc_labels));
  w.Add("west", testing::Ns("istio-system"));
  w.Add("west", testing::EastWest("net-west"));
  testing::AddIngressGateway(w);
  w.Add("east", testing::IstioGatewayShopGw());
  w.Add("east", testing::VirtualServiceToCart("public", "[shop.example.com]"));
  return WithEntry(w);
}

TEST(RouterTest, BehindTheWaypointTheWaypointCrossesNetworksNotTheRouter) {
  for (const bool opt_in : {true, false}) {
    SCOPED_TRACE(opt_in ? "ingress-use-waypoint" : "no opt-in");
    const Scenario sc = TwoNetworkRouter(opt_in);
    ASSERT_EQ(sc.mesh.clusters.size(), 2u);
    std::set<std::pair<int, Outcome>> want;
    bool in_west = false;
    for (const Path& p : testing::PathsOf(sc, "in")) {
      want.insert({static_cast<int>(p.waypoints.size()), p.outcome});
      in_west |=
          p.outcome == Outcome::kDelivered && p.hops.back().cluster == "west";
    }
    EXPECT_EQ(in_west, opt_in);
    OutcomeOracle oracle(sc);
    bool asked = false;
    for (const SourceClass& src : SourceClasses(sc)) {
      if (!src.router) continue;
      const EncodedOutcomes got =
          oracle.Outcomes(src, "shop/cart", "", 80, "GET", "/shop/a");
      ASSERT_FALSE(got.unknown);
      EXPECT_EQ(got.outcomes, want);
      asked = true;
    }
    EXPECT_TRUE(asked) << "no Router source class";
  }
}

// §7.1: with AMBIENT_ENABLE_MULTI_NETWORK_INGRESS an ingress sends to
// another network's pods itself (through its east-west gateway) from
// 1.29.0 (ep_filters.go); 1.28 has no such flag. The global cart has pods
// in west only, so the Router delivers or finds no endpoint.
TEST(RouterTest, TheIngressFlagCrossesNetworksFrom129) {
  for (const std::string version : {"1.28", "1.29", "1.30"}) {
    SCOPED_TRACE(version);
    const testing::KV ns_labels = {{Ambient(), "ambient"}};
    const testing::KV svc_labels = {{"istio.io/global", "true"}};
    testing::World w("{version: \"" + version +
                     "\", flags: {AMBIENT_ENABLE_MULTI_NETWORK: true, "
                     "AMBIENT_ENABLE_MULTI_NETWORK_INGRESS: true}}");
    w.Cluster("east", "net-east", 2);
    w.Add("east", testing::Ns("shop", ns_labels));
    w.Add("east", testing::Svc("shop", "cart", 80, svc_labels));
    w.Add("east", testing::EastWest("net-east"));
    w.Cluster("west", "net-west", 2);
    w.Add("west", testing::Ns("shop", ns_labels));
    w.Add("west", testing::Deploy("shop", "cart"));
    w.Add("west", testing::Svc("shop", "cart", 80, svc_labels));
    w.Add("west", testing::Ns("istio-system"));
    w.Add("west", testing::EastWest("net-west"));
    testing::AddIngressGateway(w);
    w.Add("east", testing::IstioGatewayShopGw());
    w.Add("east",
          testing::VirtualServiceToCart("public", "[shop.example.com]"));
    const Scenario sc = WithEntry(w);
    const bool crosses = version != "1.28";
    std::set<std::pair<int, Outcome>> want;
    for (const Path& p : testing::PathsOf(sc, "in"))
      want.insert({static_cast<int>(p.waypoints.size()), p.outcome});
    EXPECT_EQ(want,
              (std::set<std::pair<int, Outcome>>{
                  {0, crosses ? Outcome::kDelivered : Outcome::kFailed}}));
    OutcomeOracle oracle(sc);
    for (const SourceClass& src : SourceClasses(sc)) {
      if (!src.router) continue;
      const EncodedOutcomes got =
          oracle.Outcomes(src, "shop/cart", "", 80, "GET", "/shop/a");
      ASSERT_FALSE(got.unknown);
      // The encoding states no endpoint to reach as no outcome at all.
      if (crosses)
        EXPECT_EQ(got.outcomes, want);
      else
        EXPECT_TRUE(got.outcomes.empty());
    }
  }
}

}  // namespace
}  // namespace meshsim
