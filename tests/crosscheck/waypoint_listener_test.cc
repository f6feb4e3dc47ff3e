// §2.1: ztunnel reaches a waypoint on port 15008 of its Service (ztunnel
// state.rs fetch_waypoint, ServiceResolutionMode::Waypoint), and the
// generated Service has the Gateway's listener ports only
// (deploymentcontroller.go extractServicePorts). A waypoint Gateway with
// no listener on 15008 keeps its bindings (conversion.go accepts the
// Gateway whatever its listeners) but every request through it fails: fail
// closed. Asked of both engines, and of lint.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "tests/crosscheck/both_engines.h"
#include "tests/test_world.h"
#include "verify/verifier.h"

namespace meshsim {
namespace {

using testing::Ambient;

Scenario WithListener(const std::string& listener) {
  testing::World w = testing::ShopWorld(
      {{Ambient(), "ambient"}, {"istio.io/use-waypoint", "waypoint"}});
  w.Add("east",
        "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata:\n"
        "  name: waypoint\n  namespace: shop\nspec:\n"
        "  gatewayClassName: istio-waypoint\n  listeners:\n" +
            listener);
  w.Traffic("t", testing::kFromCurl, testing::kToCart,
            "{method: GET, path: /}");
  return w.Load();
}

TEST(WaypointListenerCrossCheck, NoListenerOn15008FailsClosed) {
  testing::ExpectBothEngines(
      WithListener("  - {name: mesh, port: 15008, protocol: HBONE}\n"),
      Outcome::kDelivered, "the HBONE listener");
  for (const std::string l :
       {"  - {name: mesh, port: 15009, protocol: HBONE}\n",
        "  - {name: http, port: 80, protocol: HTTP}\n"}) {
    const Scenario sc = WithListener(l);
    testing::ExpectBothEngines(sc, Outcome::kFailed, l);
    bool flagged = false;
    for (const Finding& f : Verify(sc, {}).findings)
      flagged |=
          f.rule == "waypoint-unavailable" &&
          f.message.find("no listener on port 15008") != std::string::npos;
    EXPECT_TRUE(flagged) << l;
  }
}

// A finding names the waypoint the addressed Service asks for, not the
// first one another Service selecting the same pod asks for; a waypoint's
// own pods ask for none.
TEST(WaypointListenerCrossCheck, ABypassNamesTheAddressedServicesWaypoint) {
  testing::World w = testing::ShopWorld({{Ambient(), "ambient"}},
                                        {{"istio.io/use-waypoint", "wa"}});
  w.Add("east", testing::Svc("shop", "cart2", 80,
                             {{"istio.io/use-waypoint", "wb"}}, "", "cart"));
  const VerifyResult r = Verify(w.Load(), {});
  std::set<std::string> named;
  for (const Finding& f : r.findings) {
    if (f.rule != "waypoint-bypass") continue;
    for (const char* svc : {"service shop/cart ", "service shop/cart2 "})
      if (f.message.find(svc) != std::string::npos)
        named.insert(svc + f.message.substr(f.message.rfind(' ') + 1));
  }
  EXPECT_EQ(named, (std::set<std::string>{"service shop/cart shop/wa",
                                          "service shop/cart2 shop/wb"}));
}

}  // namespace
}  // namespace meshsim
