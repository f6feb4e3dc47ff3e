// §9 (route.go: "Gateway allows only routes from the namespace of the
// proxy, or namespace of the destination"): a sidecar client takes a
// Gateway API route attached to a Service only when the route is in its
// own namespace or the Service's; Gateway API conformance
// MeshConsumerRoute. A route sending to shop/locked, whose pod a DENY
// policy guards, shows in the outcome whether it applied. Asked of both
// engines.
#include <gtest/gtest.h>

#include <string>

#include "tests/crosscheck/both_engines.h"
#include "tests/test_world.h"

namespace meshsim {
namespace {

using testing::Ambient;

Scenario ConsumerWorld(const std::string& route_ns) {
  testing::World w;
  w.Cluster("east", "net-east", 1);
  w.Add("east", testing::Ns("client", {{"istio-injection", "enabled"}}));
  w.Add("east", testing::Deploy("client", "curl"));
  w.Add("east", testing::Ns("shop", {{Ambient(), "ambient"}}));
  w.Add("east", testing::Ns("third", {{Ambient(), "ambient"}}));
  for (const char* app : {"cart", "locked"}) {
    w.Add("east", testing::Deploy("shop", app));
    w.Add("east", testing::Svc("shop", app, 80));
  }
  w.Add("east",
        "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
        "metadata: {name: locked, namespace: shop}\nspec:\n"
        "  selector: {matchLabels: {app: locked}}\n  action: DENY\n"
        "  rules: [{}]\n");
  w.Add("east",
        "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\n"
        "metadata: {name: r, namespace: " +
            route_ns +
            "}\nspec:\n  parentRefs: [{group: '', kind: Service, name: cart, "
            "namespace: shop}]\n  rules:\n  - backendRefs: [{name: locked, "
            "namespace: shop, port: 80}]\n");
  w.Traffic("t", testing::kFromCurl, testing::kToCart,
            "{method: GET, path: /}");
  return w.Load();
}

TEST(ConsumerRouteCrossCheck, ASidecarTakesRoutesOfItsOrTheServicesNamespace) {
  testing::ExpectBothEngines(ConsumerWorld("client"), Outcome::kDenied,
                             "the client's own namespace");
  testing::ExpectBothEngines(ConsumerWorld("shop"), Outcome::kDenied,
                             "the service's namespace");
  testing::ExpectBothEngines(ConsumerWorld("third"), Outcome::kDelivered,
                             "a third namespace");
}

}  // namespace
}  // namespace meshsim
