// §4.4: istio-cni's "ingress mode" (pod annotation
// ambient.istio.io/bypass-inbound-capture=true): the pod's inbound plain
// TCP reaches the app without ztunnel, so neither its AuthorizationPolicies
// nor a STRICT PeerAuthentication stop a client outside the mesh. Asked of
// both engines.
#include <gtest/gtest.h>

#include <string>

#include "tests/crosscheck/both_engines.h"
#include "tests/test_world.h"

namespace meshsim {
namespace {

using testing::Ambient;

// An uncaptured client/curl; cart in ambient namespace shop, its pod
// annotated with `annotation` (none when empty), behind `guard`.
Scenario World(const std::string& annotation, const std::string& guard) {
  testing::World w;
  w.Cluster("east", "net-east", 2);
  w.Add("east", testing::Ns("client"));
  w.Add("east", testing::Deploy("client", "curl"));
  w.Add("east", testing::Ns("shop", {{Ambient(), "ambient"}}));
  w.Add(
      "east",
      "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: cart\n"
      "  namespace: shop\nspec:\n  selector:\n    matchLabels: {app: cart}\n"
      "  template:\n    metadata:\n      labels: {app: cart}\n" +
          (annotation.empty() ? std::string()
                              : "      annotations:\n        "
                                "ambient.istio.io/bypass-inbound-capture: \"" +
                                    annotation + "\"\n") +
          "    spec:\n      containers:\n      - {name: app, image: x}\n");
  w.Add("east", testing::Svc("shop", "cart", 80));
  w.Add("east", guard);
  w.Traffic("t", "{cluster: east, namespace: client, workload: curl}",
            testing::kToCart, "{method: GET, path: /}");
  return w.Load();
}

// The §4.3 guard: only the client's own identity may call cart.
const char kAllowOnlyMesh[] =
    "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata:\n"
    "  name: mesh-only\n  namespace: shop\nspec:\n  rules:\n  - from:\n"
    "    - source:\n        principals: "
    "[\"cluster.local/ns/client/sa/curl\"]\n";
const char kStrict[] =
    "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata:\n"
    "  name: strict\n  namespace: shop\nspec:\n  mtls: {mode: STRICT}\n";

TEST(BypassInboundCaptureCrossCheck, PlainTcpSkipsZtunnelsPolicies) {
  testing::ExpectBothEngines(World("", kAllowOnlyMesh), Outcome::kDenied,
                             "guard, captured inbound");
  testing::ExpectBothEngines(World("true", kAllowOnlyMesh), Outcome::kDelivered,
                             "guard, ingress mode");
  testing::ExpectBothEngines(World("", kStrict), Outcome::kDenied,
                             "STRICT, captured inbound");
  testing::ExpectBothEngines(World("true", kStrict), Outcome::kDelivered,
                             "STRICT, ingress mode");
  // A value Go's ParseBool refuses is ignored, as istio-cni does.
  testing::ExpectBothEngines(World("yes", kStrict), Outcome::kDenied,
                             "STRICT, unparsable annotation");
}

}  // namespace
}  // namespace meshsim
