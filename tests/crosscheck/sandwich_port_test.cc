// §2.1 (ztunnel state.rs fetch_waypoint, ServiceResolutionMode::Waypoint):
// ztunnel looks a waypoint up on port 15008 of its Service, so a captured
// ingress Gateway used as a waypoint (a sandwich) needs a listener there too
// (Istio's TestSimpleHTTPSandwich gives it a "fake-hbone-port" for this);
// without one the connection fails (UnknownWaypoint). Found by an audit of
// 2026-12-07: meshsim asked it of istio-waypoint Gateways only. Asked of
// both engines.
#include <gtest/gtest.h>

#include <string>

#include "tests/crosscheck/both_engines.h"
#include "tests/test_world.h"

namespace meshsim {
namespace {

using testing::Ambient;

// shop/cart bound to shop/sandwich, an `istio`-class Gateway whose pods ask
// for ambient, listening on 80 and, with `hbone_port`, on 15008 too.
Scenario SandwichWorld(bool hbone_port) {
  testing::World w = testing::ShopWorld(
      {{Ambient(), "ambient"}, {"istio.io/use-waypoint", "sandwich"}});
  w.Add("east",
        "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\n"
        "metadata:\n  name: sandwich\n  namespace: shop\n"
        "  labels: {istio.io/dataplane-mode: ambient}\nspec:\n"
        "  gatewayClassName: istio\n  listeners:\n"
        "  - {name: http, port: 80, protocol: HTTP}\n" +
            std::string(hbone_port ? "  - {name: fake-hbone-port, port: "
                                     "15008, protocol: TCP}\n"
                                   : ""));
  w.Traffic("t", testing::kFromCurl, testing::kToCart,
            "{method: GET, path: /}");
  return w.Load();
}

TEST(SandwichPortCrossCheck, ACapturedIngressNeedsAListenerOn15008) {
  testing::ExpectBothEngines(SandwichWorld(true), Outcome::kDelivered,
                             "with the fake HBONE port");
  testing::ExpectBothEngines(SandwichWorld(false), Outcome::kFailed,
                             "without it");
  const auto paths = testing::PathsOf(SandwichWorld(false), "t");
  ASSERT_EQ(paths.size(), 1u);
  EXPECT_NE(paths[0].reason.find("UnknownWaypoint"), std::string::npos)
      << paths[0].reason;
}

}  // namespace
}  // namespace meshsim
