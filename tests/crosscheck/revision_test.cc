// §16.11 (LabelsInRevision): istiod reads no configuration whose own
// istio.io/rev label names another revision than its own (`istio.revision`,
// "default" unless set; "" reads all): Istio's configuration kinds and the
// Gateway API's but Gateway. Before 1.25 ztunnel's index still read
// policies and entries, and meshsim keeps them. Asked of both engines.
#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "tests/crosscheck/both_engines.h"
#include "tests/test_world.h"

namespace meshsim {
namespace {

using testing::Ambient;

// ambient client/curl to shop/cart, under a DENY-all policy of namespace
// shop whose metadata carries `labels` (a YAML flow map, or none).
Scenario RevisionWorld(const std::string& istio, const std::string& labels,
                       std::string* warnings = nullptr) {
  testing::World w(istio);
  w.Cluster("east", "net-east", 2);
  w.Add("east", testing::Ns("client", {{Ambient(), "ambient"}}));
  w.Add("east", testing::Deploy("client", "curl"));
  w.Add("east", testing::Ns("shop", {{Ambient(), "ambient"}}));
  w.Add("east", testing::Deploy("shop", "cart"));
  w.Add("east", testing::Svc("shop", "cart", 80));
  w.Add("east",
        "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
        "metadata:\n  name: deny-all\n  namespace: shop\n" +
            (labels.empty() ? std::string() : "  labels: " + labels + "\n") +
            "spec:\n  action: DENY\n  rules:\n  - {}\n");
  w.Traffic("t", testing::kFromCurl, testing::kToCart,
            "{method: GET, path: /}");
  Diagnostics d;
  Scenario sc = w.Load(&d);
  if (warnings) {
    std::ostringstream out;
    d.Print(out);
    *warnings = out.str();
  }
  return sc;
}

TEST(RevisionCrossCheck, AnotherRevisionsPolicyIsIgnored) {
  const std::string other = "{istio.io/rev: canary}";
  std::string said;
  const Scenario ignored = RevisionWorld("", other, &said);
  EXPECT_TRUE(ignored.mesh.clusters[0].authorization_policies.empty());
  testing::ExpectBothEngines(ignored, Outcome::kDelivered, "canary, default");
  EXPECT_NE(said.find("AuthorizationPolicy shop/deny-all: label "
                      "istio.io/rev=canary names another revision than "
                      "istiod (istio.revision: default)"),
            std::string::npos)
      << said;
  // Its own revision, no label, or an istiod reading every revision.
  testing::ExpectBothEngines(RevisionWorld("{revision: canary}", other),
                             Outcome::kDenied, "canary, canary");
  testing::ExpectBothEngines(RevisionWorld("", "{istio.io/rev: default}"),
                             Outcome::kDenied, "default, default");
  testing::ExpectBothEngines(RevisionWorld("{revision: canary}", ""),
                             Outcome::kDenied, "no label");
  testing::ExpectBothEngines(RevisionWorld("{revision: \"\"}", other),
                             Outcome::kDenied, "every revision");
  // Before 1.25 ztunnel still applies it (sidecars and waypoints do not).
  std::string old_said;
  testing::ExpectBothEngines(
      RevisionWorld("{version: \"1.24\"}", other, &old_said), Outcome::kDenied,
      "1.24");
  EXPECT_NE(old_said.find("before Istio 1.25 ztunnel still applies it"),
            std::string::npos)
      << old_said;
}

// A route of another revision attaches nowhere; a Gateway is never
// filtered (only who deploys it depends on the revision).
TEST(RevisionCrossCheck, RoutesAreFilteredGatewaysAreNot) {
  testing::World w;
  w.Cluster("east", "net-east", 2);
  w.Add("east", testing::Ns("shop", {{Ambient(), "ambient"}}));
  w.Add("east",
        "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata:\n"
        "  name: waypoint\n  namespace: shop\n  labels: {istio.io/rev: "
        "canary}\nspec:\n  gatewayClassName: istio-waypoint\n  listeners:\n"
        "  - {name: mesh, port: 15008, protocol: HBONE}\n");
  w.Add("east",
        "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata:\n"
        "  name: cart\n  namespace: shop\n  labels: {istio.io/rev: canary}\n"
        "spec:\n  parentRefs:\n  - {group: \"\", kind: Service, name: cart}\n"
        "  rules:\n  - backendRefs:\n    - {name: cart, port: 80}\n");
  w.Add("east", testing::Svc("shop", "cart", 80));
  // The ambient index reads GatewayClasses unfiltered.
  w.Add("east",
        "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\n"
        "metadata:\n  name: custom-waypoint\n  labels: {istio.io/rev: canary}\n"
        "spec:\n  controllerName: istio.io/gateway-controller\n");
  Diagnostics d;
  const Scenario sc = w.Load(&d);
  ASSERT_FALSE(sc.mesh.clusters.empty());
  EXPECT_NE(sc.mesh.clusters[0].FindGateway("shop/waypoint"), nullptr);
  EXPECT_EQ(sc.mesh.clusters[0].gateway_classes.count("custom-waypoint"), 1u);
  // Said, since no istiod of that revision may exist.
  std::ostringstream said;
  d.Print(said);
  EXPECT_NE(said.str().find("Gateway shop/waypoint: label istio.io/rev=canary "
                            "names another revision than istiod "
                            "(istio.revision: default): meshsim assumes"),
            std::string::npos)
      << said.str();
  EXPECT_TRUE(sc.mesh.clusters[0].routes.empty());
}

}  // namespace
}  // namespace meshsim
