// §8.7 (model.go attrSrcTrustDomain, generator.go srcTrustDomainGenerator,
// 1.30.2+; builder test "trust-domains-field"): an Envoy matches the source
// fields trustDomains / notTrustDomains and the `when` key
// source.trustDomain against the peer identity's trust domain; ztunnel
// reads neither, and before 1.30 no proxy did. Asked of both engines.
#include <gtest/gtest.h>

#include <string>

#include "tests/crosscheck/both_engines.h"
#include "tests/test_world.h"

namespace meshsim {
namespace {

using testing::Ambient;

// ambient client/curl calls shop/cart, bound to waypoint shop/waypoint;
// `policy` (spec lines after the target) is enforced at the waypoint, or
// with `at_ztunnel` at cart's ztunnel.
Scenario TrustDomainWorld(const std::string& policy, bool at_ztunnel = false,
                          const std::string& version = "1.30") {
  testing::World w = testing::ShopWorld(
      {{Ambient(), "ambient"}, {"istio.io/use-waypoint", "waypoint"}}, {}, {},
      "{version: \"" + version + "\"}");
  w.Add("east", testing::Waypoint("shop", "waypoint"));
  w.Add("east",
        "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
        "metadata:\n  name: td\n  namespace: shop\nspec:\n" +
            std::string(at_ztunnel
                            ? "  selector: {matchLabels: {app: cart}}\n"
                            : "  targetRefs:\n  - {kind: Gateway, group: "
                              "gateway.networking.k8s.io, name: waypoint}\n") +
            policy);
  w.Traffic("t", testing::kFromCurl, testing::kToCart,
            "{method: GET, path: /}");
  return w.Load();
}

std::string AllowFrom(const std::string& field, const std::string& values) {
  return "  action: ALLOW\n  rules:\n  - from:\n    - source: {" + field +
         ": [" + values + "]}\n";
}

TEST(TrustDomainCrossCheck, WaypointsMatchTheSourceTrustDomain) {
  const struct {
    std::string field, values;
    Outcome want;
  } cases[] = {
      {"trustDomains", "cluster.local", Outcome::kDelivered},
      {"trustDomains", "other.local", Outcome::kDenied},
      {"trustDomains", "'*'", Outcome::kDelivered},
      {"trustDomains", "'clu*'", Outcome::kDelivered},
      {"trustDomains", "'*.local'", Outcome::kDelivered},
      {"trustDomains", "'*.example'", Outcome::kDenied},
      {"notTrustDomains", "cluster.local", Outcome::kDenied},
      {"notTrustDomains", "other.local", Outcome::kDelivered},
  };
  for (const auto& c : cases)
    testing::ExpectBothEngines(TrustDomainWorld(AllowFrom(c.field, c.values)),
                               c.want, c.field + ": " + c.values);
}

TEST(TrustDomainCrossCheck, TheWhenKeyAtWaypointsNotAtZtunnel) {
  const std::string deny_td =
      "  action: DENY\n  rules:\n  - when:\n    - key: source.trustDomain\n"
      "      values: [cluster.local]\n";
  testing::ExpectBothEngines(TrustDomainWorld(deny_td), Outcome::kDenied,
                             "waypoint, 1.30");
  // ztunnel reads no such key; Envoys before 1.30 skipped the rule.
  testing::ExpectBothEngines(TrustDomainWorld(deny_td, true),
                             Outcome::kDelivered, "ztunnel");
  testing::ExpectBothEngines(TrustDomainWorld(deny_td, false, "1.29"),
                             Outcome::kDelivered, "waypoint, 1.29");
  // Before 1.30 the source field did not exist: nothing to match (the
  // loader warns).
  testing::ExpectBothEngines(
      TrustDomainWorld(AllowFrom("trustDomains", "other.local"), false, "1.29"),
      Outcome::kDelivered, "trustDomains, 1.29");
}

TEST(TrustDomainCrossCheck, TheFieldsBefore130AreWarnedAbout) {
  for (const std::string version : {"1.29", "1.30"}) {
    testing::World w = testing::ShopWorld({{Ambient(), "ambient"}}, {}, {},
                                          "{version: \"" + version + "\"}");
    w.Add("east",
          "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
          "metadata:\n  name: td\n  namespace: shop\nspec:\n" +
              AllowFrom("trustDomains", "other.local"));
    Diagnostics diags;
    w.Load(&diags);
    bool warned = false;
    for (const Diagnostic& d : diags.all())
      warned =
          warned || d.message.find("new in Istio 1.30") != std::string::npos;
    EXPECT_EQ(warned, version == "1.29") << version;
  }
}

}  // namespace
}  // namespace meshsim
