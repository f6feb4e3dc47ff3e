// §8.2, §8.7: the AuthorizationPolicy `when` keys source.serviceAccount and
// source.trustDomain, in both engines. At the waypoint (targetRefs) the
// first matches the client's service account; at ztunnel (a selector
// policy on an ambient pod) it is an HTTP-level key, so an ALLOW rule with
// it is dropped. source.trustDomain is enforced by no proxy: its rule never
// matches. Each case must end as the table says in the simulator's path
// function and in the verifier's encoding alike.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "tests/sim/path_helpers.h"
#include "tests/test_world.h"
#include "verify/source_class.h"
#include "verify/verifier.h"

namespace meshsim {
namespace {

using testing::Ambient;

struct KeyCase {
  bool at_waypoint;
  const char* key;
  const char* value;
  const char* action;
  Outcome want;
};

const KeyCase kCases[] = {
    {true, "source.serviceAccount", "client/default", "ALLOW",
     Outcome::kDelivered},
    {true, "source.serviceAccount", "default", "ALLOW",  // shop/default
     Outcome::kDenied},
    {true, "source.serviceAccount", "client/default", "DENY", Outcome::kDenied},
    {true, "source.trustDomain", "cluster.local", "ALLOW", Outcome::kDenied},
    {true, "source.trustDomain", "cluster.local", "DENY", Outcome::kDelivered},
    {false, "source.serviceAccount", "client/default", "ALLOW",
     Outcome::kDenied},  // dropped at ztunnel
    {false, "source.serviceAccount", "client/default", "DENY",
     Outcome::kDelivered},  // a no-op at ztunnel
};

TEST(SourceKeysCrossCheck, ServiceAccountAndTrustDomainConditions) {
  for (const KeyCase& c : kCases) {
    const std::string name = std::string(c.at_waypoint ? "waypoint " : "pod ") +
                             c.action + " " + c.key + "=" + c.value;
    testing::KV ns = {{Ambient(), "ambient"}};
    if (c.at_waypoint) ns["istio.io/use-waypoint"] = "waypoint";
    testing::World w = testing::ShopWorld(ns);
    if (c.at_waypoint) w.Add("east", testing::Waypoint("shop", "waypoint"));
    w.Add("east",
          std::string("apiVersion: security.istio.io/v1\n"
                      "kind: AuthorizationPolicy\nmetadata:\n  name: p\n"
                      "  namespace: shop\nspec:\n") +
              (c.at_waypoint ? "  targetRefs:\n  - kind: Gateway\n    group: "
                               "gateway.networking.k8s.io\n    name: waypoint\n"
                             : "  selector:\n    matchLabels: {app: cart}\n") +
              "  action: " + c.action + "\n  rules:\n  - when:\n    - key: " +
              c.key + "\n      values: [\"" + c.value + "\"]\n");
    w.Traffic("t", "{cluster: east, namespace: client, workload: curl}",
              "{host: cart.shop, port: 80}", "{method: GET, path: /}");
    Scenario sc = w.Load();
    ASSERT_EQ(sc.traffic.size(), 1u) << name;
    std::set<Outcome> simulated;
    for (const Path& p : testing::PathsOf(sc, "t")) simulated.insert(p.outcome);
    EXPECT_EQ(simulated, std::set<Outcome>{c.want}) << "simulator: " << name;

    OutcomeOracle oracle(sc);
    bool asked = false;
    for (const SourceClass& src : SourceClasses(sc)) {
      if (src.workload.rfind("client/curl", 0) != 0) continue;
      EncodedOutcomes got =
          oracle.Outcomes(src, "shop/cart", "", 80, "GET", "/", nullptr);
      ASSERT_FALSE(got.unknown);
      std::set<Outcome> encoded;
      for (const auto& [passes, o] : got.outcomes) encoded.insert(o);
      EXPECT_EQ(encoded, std::set<Outcome>{c.want}) << "encoding: " << name;
      asked = true;
    }
    EXPECT_TRUE(asked) << name;
  }
}

}  // namespace
}  // namespace meshsim
