// §8.1 (authorization.go convertAuthorizationPolicy, workloads.go
// buildWorkloadPolicies): an AuthorizationPolicy whose `selector` has no
// matchLabels is a workload-selector policy that istiod attaches to no
// workload, so no ztunnel enforces it; `matchLabels: {}` selects every pod
// of the namespace, and no selector makes it namespace-wide. Asked of both
// engines.
#include <gtest/gtest.h>

#include <string>

#include "tests/crosscheck/both_engines.h"
#include "tests/test_world.h"

namespace meshsim {
namespace {

using testing::Ambient;

// ambient client/curl calls shop/cart, whose namespace has an ALLOW for a
// principal no client has, with `selector` (a YAML line, or "").
Scenario AllowNobodyWorld(const std::string& selector) {
  testing::World w;
  w.Cluster("east", "net-east", 2);
  w.Add("east", testing::Ns("client", {{Ambient(), "ambient"}}));
  w.Add("east", testing::Deploy("client", "curl"));
  w.Add("east", testing::Ns("shop", {{Ambient(), "ambient"}}));
  w.Add("east", testing::Deploy("shop", "cart"));
  w.Add("east", testing::Svc("shop", "cart", 80));
  w.Add("east",
        "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
        "metadata:\n  name: allow-nobody\n  namespace: shop\nspec:\n" +
            selector +
            "  action: ALLOW\n  rules:\n  - from:\n    - source: "
            "{principals: [cluster.local/ns/x/sa/nobody]}\n");
  w.Traffic("t", testing::kFromCurl, testing::kToCart,
            "{method: GET, path: /}");
  return w.Load();
}

TEST(SelectorWithoutLabelsCrossCheck, ZtunnelEnforcesItNowhere) {
  testing::ExpectBothEngines(AllowNobodyWorld("  selector: {}\n"),
                             Outcome::kDelivered, "selector: {}");
  testing::ExpectBothEngines(
      AllowNobodyWorld("  selector: {matchLabels: null}\n"),
      Outcome::kDelivered, "matchLabels: null");
  testing::ExpectBothEngines(
      AllowNobodyWorld("  selector: {matchLabels: {}}\n"), Outcome::kDenied,
      "matchLabels: {}");
  testing::ExpectBothEngines(AllowNobodyWorld(""), Outcome::kDenied,
                             "no selector");
  testing::ExpectBothEngines(
      AllowNobodyWorld("  selector: {matchLabels: {app: cart}}\n"),
      Outcome::kDenied, "app: cart");
}

}  // namespace
}  // namespace meshsim
