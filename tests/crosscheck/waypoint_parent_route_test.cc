// §9 (gateway_collection.go "Waypoint doesn't convert routes";
// TestConvertResources "waypoint": supportedKinds []): an HTTPRoute
// parented to the waypoint Gateway attaches to nothing, so the waypoint
// routes its Services by their own routes only (here none: the Service
// itself), and meshsim warns at the parentRef. istio.io's L7 page says
// otherwise; meshsim follows the code. Asked of both engines.
#include <gtest/gtest.h>

#include <string>

#include "tests/crosscheck/both_engines.h"
#include "tests/test_world.h"

namespace meshsim {
namespace {

using testing::Ambient;

// Ambient client/curl; shop/cart bound to waypoint shop/waypoint; an
// HTTPRoute answering every request with a 301, parented to `parent`.
Scenario RedirectWorld(const std::string& parent, Diagnostics* d) {
  testing::World w = testing::ShopWorld(
      {{Ambient(), "ambient"}}, {{"istio.io/use-waypoint", "waypoint"}});
  w.Add("east", testing::Waypoint("shop", "waypoint"));
  w.Add("east",
        "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\n"
        "metadata:\n  name: moved\n  namespace: shop\nspec:\n"
        "  parentRefs:\n  - " +
            parent +
            "\n  rules:\n  - filters:\n    - type: RequestRedirect\n"
            "      requestRedirect: {hostname: elsewhere.example.com, "
            "statusCode: 301}\n");
  w.Traffic("t", testing::kFromCurl, testing::kToCart,
            "{method: GET, path: /}");
  return w.Load(d);
}

TEST(WaypointParentRouteCrossCheck, ARouteOnTheWaypointGatewayAppliesNowhere) {
  Diagnostics d;
  const Scenario on_gateway = RedirectWorld(
      "{group: gateway.networking.k8s.io, kind: Gateway, name: waypoint}", &d);
  testing::ExpectBothEngines(on_gateway, Outcome::kDelivered,
                             "route parented to the waypoint Gateway");
  for (const Path& p : testing::PathsOf(on_gateway, "t"))
    EXPECT_TRUE(p.redirect.empty()) << p.redirect;
  bool warned = false;
  for (const Diagnostic& x : d.all())
    warned = warned || x.message.find("accepts no route") != std::string::npos;
  EXPECT_TRUE(warned);
  // Parented to the Service, the waypoint applies it: a redirect.
  const Scenario on_service =
      RedirectWorld("{group: \"\", kind: Service, name: cart}", nullptr);
  const std::vector<Path> paths = testing::PathsOf(on_service, "t");
  ASSERT_FALSE(paths.empty());
  for (const Path& p : paths) EXPECT_FALSE(p.redirect.empty());
}

}  // namespace
}  // namespace meshsim
