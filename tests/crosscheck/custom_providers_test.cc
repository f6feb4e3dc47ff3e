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
                   const std::string& path, bool dry_run = false) {
  return "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
         "metadata:\n  name: " +
         name + "\n  namespace: shop\n" +
         (dry_run ? "  annotations: {istio.io/dry-run: \"true\"}\n" : "") +
         "spec:\n  targetRefs:\n  - {kind: Service, "
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

// §8.5 (builder.go, 1.30+): a dry-run CUSTOM policy's rules become the
// RBAC filter's enforced rules, of action DENY: what they match is denied at
// the Envoy. Before 1.30 istiod left them out. With two providers (the
// dry-run one counts) istiod's DENY rules hold the enforced CUSTOM rules
// only.
TEST(CustomProvidersCrossCheck, ADryRunCustomPolicyDeniesFrom130) {
  auto world = [](const std::string& path, const std::string& istio,
                  bool second) {
    testing::World w = testing::ShopWorld(
        {{Ambient(), "ambient"}, {"istio.io/use-waypoint", "waypoint"}}, {}, {},
        istio);
    w.Add("east", testing::Waypoint("shop", "waypoint"));
    w.Add("east", Custom("ext-a", "ext-a", "/admin", true));
    if (second) w.Add("east", Custom("ext-b", "ext-b", "/other"));
    w.Traffic("t", testing::kFromCurl, testing::kToCart,
              "{method: GET, path: " + path + "}");
    return w.Load();
  };
  const std::string v130 = "{version: \"1.30\"}";
  testing::ExpectBothEngines(world("/admin", v130, false), Outcome::kDenied,
                             "dry-run, 1.30, /admin");
  testing::ExpectBothEngines(world("/", v130, false), Outcome::kDelivered,
                             "dry-run, 1.30, a path no rule names");
  testing::ExpectBothEngines(world("/admin", "{version: \"1.29\"}", false),
                             Outcome::kDelivered, "dry-run, 1.29");
  testing::ExpectBothEngines(world("/admin", v130, true), Outcome::kDelivered,
                             "dry-run beside a second provider, /admin");
  testing::ExpectBothEngines(world("/other", v130, true), Outcome::kDenied,
                             "dry-run beside a second provider, /other");
}

}  // namespace
}  // namespace meshsim

namespace meshsim {
namespace {

// K14 (mixed releases): the enforcing proxy's cluster decides, not the
// scenario's default release. A waypoint in a 1.29 cluster of a 1.30 mesh
// has no PILOT_ENABLE_MULTIPLE_CUSTOM_AUTHZ_PROVIDERS (its istiod is 1.29);
// one in a 1.30 cluster of a 1.29 mesh has it. And ztunnel of a 1.24
// cluster still enforces a dry-run DENY (istiod withholds dry-run policies
// from ztunnel from 1.25.2 only, §8.5).
TEST(CustomProvidersCrossCheck, TheEnforcingClustersReleaseDecides) {
  const std::string flag =
      "flags: {PILOT_ENABLE_MULTIPLE_CUSTOM_AUTHZ_PROVIDERS: true}";
  auto world = [&](const std::string& mesh, const std::string& cluster) {
    testing::World w = testing::ShopWorld(
        {{Ambient(), "ambient"}, {"istio.io/use-waypoint", "waypoint"}}, {}, {},
        "{version: \"" + mesh + "\", " + flag + "}");
    w.ClusterIstio("east", "{version: \"" + cluster + "\"}");
    w.Add("east", testing::Waypoint("shop", "waypoint"));
    w.Add("east", Custom("ext-a", "ext-a", "/admin"));
    w.Add("east", Custom("ext-b", "ext-b", "/other"));
    w.Traffic("t", testing::kFromCurl, testing::kToCart,
              "{method: GET, path: /admin}");
    return w.Load();
  };
  testing::ExpectBothEngines(world("1.30", "1.29"), Outcome::kDenied,
                             "mesh 1.30, waypoint's cluster 1.29");
  testing::ExpectBothEngines(world("1.29", "1.30"), Outcome::kDelivered,
                             "mesh 1.29, waypoint's cluster 1.30");

  auto dry = [](const std::string& mesh, const std::string& cluster) {
    testing::World w = testing::ShopWorld({{Ambient(), "ambient"}}, {}, {},
                                          "{version: \"" + mesh + "\"}");
    w.ClusterIstio("east", "{version: \"" + cluster + "\"}");
    w.Add("east",
          "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
          "metadata:\n  name: deny-curl\n  namespace: shop\n"
          "  annotations: {istio.io/dry-run: \"true\"}\nspec:\n"
          "  action: DENY\n  rules:\n  - from:\n    - source: {namespaces: "
          "[client]}\n");
    w.Traffic("t", testing::kFromCurl, testing::kToCart);
    return w.Load();
  };
  const testing::EngineDest tcp{
      .service = "shop/cart", .pod = "", .port = 80, .tcp = true};
  testing::ExpectBothEngines(dry("1.30", "1.24"), Outcome::kDenied,
                             "dry-run at ztunnel, cluster 1.24", tcp);
  testing::ExpectBothEngines(dry("1.24", "1.30"), Outcome::kDelivered,
                             "dry-run at ztunnel, cluster 1.30", tcp);
}

}  // namespace
}  // namespace meshsim
