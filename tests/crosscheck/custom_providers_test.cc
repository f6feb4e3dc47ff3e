// §8.2 (builder.go: "multiple CUSTOM authorization providers per workload
// requires PILOT_ENABLE_MULTIPLE_CUSTOM_AUTHZ_PROVIDERS",
// getBadCustomDenyRules; builder test "custom-bad-multiple-providers"): an
// Envoy given CUSTOM policies of more than one provider, without that flag,
// denies what each CUSTOM rule matches; one provider is the external
// authorizer's to decide (meshsim assumes it allows). Asked of both engines.
#include <gtest/gtest.h>

#include <string>

#include "tests/crosscheck/both_engines.h"
#include "tests/test_world.h"

namespace meshsim {
namespace {

using testing::Ambient;

std::string Custom(const std::string& name, const std::string& provider,
                   const std::string& path) {
  return "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
         "metadata:\n  name: " +
         name +
         "\n  namespace: shop\nspec:\n  targetRefs:\n  - {kind: Service, "
         "group: \"\", name: cart}\n  action: CUSTOM\n  provider: {name: " +
         provider + "}\n  rules:\n  - to:\n    - operation: {paths: [\"" +
         path + "\"]}\n";
}

// ambient client/curl sends GET `path` to shop/cart behind its waypoint,
// with CUSTOM policies ext-a on /admin and `second` (a provider) on /other.
Scenario CustomWorld(const std::string& path, const std::string& second,
                     const std::string& istio = "") {
  testing::World w = testing::ShopWorld(
      {{Ambient(), "ambient"}, {"istio.io/use-waypoint", "waypoint"}}, {}, {},
      istio);
  w.Add("east", testing::Waypoint("shop", "waypoint"));
  w.Add("east", Custom("ext-a", "ext-a", "/admin"));
  w.Add("east", Custom("ext-b", second, "/other"));
  w.Traffic("t", testing::kFromCurl, testing::kToCart,
            "{method: GET, path: " + path + "}");
  return w.Load();
}

TEST(CustomProvidersCrossCheck, TwoProvidersTurnCustomRulesIntoDenies) {
  testing::ExpectBothEngines(CustomWorld("/admin", "ext-b"), Outcome::kDenied,
                             "two providers, /admin");
  testing::ExpectBothEngines(CustomWorld("/other", "ext-b"), Outcome::kDenied,
                             "two providers, /other");
  testing::ExpectBothEngines(CustomWorld("/", "ext-b"), Outcome::kDelivered,
                             "two providers, a path no rule names");
  // One provider: its authorizer decides (assumed to allow).
  testing::ExpectBothEngines(CustomWorld("/admin", "ext-a"),
                             Outcome::kDelivered, "one provider");
  testing::ExpectBothEngines(
      CustomWorld("/admin", "ext-b",
                  "{flags: {PILOT_ENABLE_MULTIPLE_CUSTOM_AUTHZ_PROVIDERS: "
                  "true}}"),
      Outcome::kDelivered, "two providers, flag on");
  // The flag came in 1.30: before, one provider per workload only.
  testing::ExpectBothEngines(
      CustomWorld("/admin", "ext-b",
                  "{version: \"1.29\", flags: "
                  "{PILOT_ENABLE_MULTIPLE_CUSTOM_AUTHZ_PROVIDERS: true}}"),
      Outcome::kDenied, "two providers, flag on, 1.29");
}

}  // namespace
}  // namespace meshsim
