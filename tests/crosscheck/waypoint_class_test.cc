// §2.1, §8.1: istiod deploys a Gateway by its GatewayClass's controller
// (deploymentcontroller.go getClassInfos), so a class of any name whose
// controller is istio.io/mesh-controller makes a waypoint; and a root
// policy on GatewayClass istio-waypoint attaches at every waypoint proxy
// (policyattachment.go ShouldAttachPolicy reads IsWaypoint, not the
// waypoint's class). Found by a review of 2026-12-07: meshsim took such a
// Gateway for an ingress and attached the policy only to the class
// istio-waypoint.
#include <gtest/gtest.h>

#include <string>

#include "tests/crosscheck/both_engines.h"
#include "tests/test_world.h"

namespace meshsim {
namespace {

using testing::Ambient;

// shop bound to waypoint shop/wp of class `cls`, written out with
// `controller`; client/curl's GET / to cart; and, in the root namespace,
// allow-nothing on GatewayClass istio-waypoint.
Scenario ClassWorld(const std::string& cls, const std::string& controller) {
  testing::World w = testing::ShopWorld(
      {{Ambient(), "ambient"}, {"istio.io/use-waypoint", "wp"}});
  if (cls != "istio-waypoint")
    w.Add("east",
          "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\n"
          "metadata: {name: " +
              cls + "}\nspec: {controllerName: " + controller + "}\n");
  w.Add("east", testing::Waypoint("shop", "wp", "", "", cls));
  w.Add("east", testing::Ns("istio-system"));
  w.Add("east",
        "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
        "metadata: {name: waypoint-allow-nothing, namespace: istio-system}\n"
        "spec:\n  targetRefs:\n  - {kind: GatewayClass, group: "
        "gateway.networking.k8s.io, name: istio-waypoint}\n"
        "  action: ALLOW\n");
  w.Traffic("t", testing::kFromCurl, testing::kToCart,
            "{method: GET, path: /}");
  return w.Load();
}

const Gateway& Wp(const Scenario& sc) {
  return *sc.mesh.clusters[0].FindGateway("shop/wp");
}

TEST(WaypointClassCrossCheck, TheMeshControllersClassOfAnyNameIsAWaypoint) {
  const Scenario sc = ClassWorld("team-waypoint", "istio.io/mesh-controller");
  EXPECT_EQ(Wp(sc).role, GatewayRole::kWaypoint);
  testing::ExpectBothEngines(sc, Outcome::kDenied,
                             "class team-waypoint, mesh controller");
  // The control: the built-in class.
  testing::ExpectBothEngines(ClassWorld("istio-waypoint", ""), Outcome::kDenied,
                             "class istio-waypoint");
}

TEST(WaypointClassCrossCheck, AnIngressClassServingAsWaypointIsNotOne) {
  // The gateway controller's class deploys an ingress (kube-gateway); a
  // Service may still name it (§2.1, the sandwich), but it is no waypoint
  // proxy, so the GatewayClass policy does not attach.
  const Scenario sc = ClassWorld("team-gateway", "istio.io/gateway-controller");
  EXPECT_EQ(Wp(sc).role, GatewayRole::kIngress);
  testing::ExpectBothEngines(sc, Outcome::kDelivered,
                             "class team-gateway, gateway controller");
}

}  // namespace
}  // namespace meshsim
