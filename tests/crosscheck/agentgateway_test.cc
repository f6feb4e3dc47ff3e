// §16: istiod programs an agentgateway proxy (classes istio-agentgateway and
// istio-agentgateway-waypoint, or a GatewayClass whose controller is
// agentgateway's) from the Gateway API alone: no AuthorizationPolicy,
// RequestAuthentication, VirtualService or DestinationRule applies at it
// (agentgateway_controller.go: "Authz/Authn are not use for agentgateway";
// istio.io ambient/usage/agentgateway). Found by an audit of 2026-12-07:
// meshsim applied them as at an Envoy waypoint.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "tests/crosscheck/both_engines.h"
#include "tests/test_world.h"

namespace meshsim {
namespace {

using testing::Ambient;

// shop bound to waypoint shop/wp of class `cls` (its GatewayClass written
// out), client/curl's GET / to cart, and `extra` objects.
Scenario AgwWorld(const std::string& cls, const std::string& controller,
                  const std::vector<std::string>& extra) {
  testing::World w = testing::ShopWorld(
      {{Ambient(), "ambient"}, {"istio.io/use-waypoint", "wp"}});
  w.Add("east",
        "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\n"
        "metadata: {name: " +
            cls + "}\nspec: {controllerName: " + controller + "}\n");
  w.Add("east", testing::Waypoint("shop", "wp", "", "", cls));
  for (const std::string& x : extra) w.Add("east", x);
  w.Traffic("t", testing::kFromCurl, testing::kToCart,
            "{method: GET, path: /}");
  return w.Load();
}

const char kAgw[] = "istio-agentgateway-waypoint";
const char kAgwController[] = "istio.io/agentgateway-waypoint-controller";

std::string DenyAll(const std::string& target_kind, const std::string& target) {
  return "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
         "metadata: {name: deny, namespace: shop}\nspec:\n"
         "  targetRefs: [{kind: " +
         target_kind + ", group: " +
         (target_kind == "Service" ? "\"\"" : "gateway.networking.k8s.io") +
         ", name: " + target + "}]\n  action: DENY\n  rules: [{}]\n";
}

TEST(AgentgatewayCrossCheck, NoAuthorizationPolicyAppliesAtIt) {
  for (const auto& [kind, name] :
       {std::pair<std::string, std::string>{"Service", "cart"},
        {"Gateway", "wp"}}) {
    testing::ExpectBothEngines(
        AgwWorld(kAgw, kAgwController, {DenyAll(kind, name)}),
        Outcome::kDelivered, "agentgateway, policy on the " + kind);
    // The same policy at an Envoy waypoint denies (the control).
    testing::ExpectBothEngines(
        AgwWorld("istio-waypoint", "istio.io/mesh-controller",
                 {DenyAll(kind, name)}),
        Outcome::kDenied, "Envoy waypoint, policy on the " + kind);
  }
}

TEST(AgentgatewayCrossCheck, NoRequestAuthenticationOrVirtualService) {
  // A RequestAuthentication with an ALLOW requiring a token: at an Envoy
  // waypoint the tokenless request is denied; at agentgateway neither
  // applies.
  const std::string jwt =
      "apiVersion: security.istio.io/v1\nkind: RequestAuthentication\n"
      "metadata: {name: jwt, namespace: shop}\nspec:\n"
      "  targetRefs: [{kind: Service, group: \"\", name: cart}]\n"
      "  jwtRules: [{issuer: https://issuer.example.com, jwks: "
      "'{\"keys\":[]}'}]\n";
  const std::string need_token =
      "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
      "metadata: {name: need-token, namespace: shop}\nspec:\n"
      "  targetRefs: [{kind: Service, group: \"\", name: cart}]\n"
      "  rules: [{from: [{source: {requestPrincipals: [\"*\"]}}]}]\n";
  EXPECT_EQ(
      testing::Simulated(AgwWorld(kAgw, kAgwController, {jwt, need_token})),
      std::set<Outcome>{Outcome::kDelivered});
  EXPECT_EQ(
      testing::Simulated(AgwWorld("istio-waypoint", "istio.io/mesh-controller",
                                  {jwt, need_token})),
      std::set<Outcome>{Outcome::kDenied});
  // A VirtualService sending cart's requests to a Service with no pods
  // fails them at an Envoy waypoint; agentgateway does not read it.
  const std::string vs =
      "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
      "metadata: {name: cart, namespace: shop}\nspec:\n"
      "  hosts: [cart.shop.svc.cluster.local]\n"
      "  http: [{route: [{destination: {host: empty.shop.svc.cluster.local}}]}]"
      "\n";
  const std::string empty = testing::Svc("shop", "empty", 80);
  EXPECT_EQ(testing::Simulated(AgwWorld(kAgw, kAgwController, {vs, empty})),
            std::set<Outcome>{Outcome::kDelivered});
  EXPECT_EQ(testing::Simulated(AgwWorld(
                "istio-waypoint", "istio.io/mesh-controller", {vs, empty})),
            std::set<Outcome>{Outcome::kFailed});
}

}  // namespace
}  // namespace meshsim
