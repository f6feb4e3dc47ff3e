// §8.4 path templates, one table for both engines: for each case of
// tests/path_template_cases.h a DENY policy at the waypoint holds the
// template, and GET <path> must be denied exactly when the template matches,
// by the simulator's path function and by the verifier's encoding alike.
#include <gtest/gtest.h>

#include "tests/path_template_cases.h"
#include "tests/sim/path_helpers.h"
#include "tests/test_world.h"
#include "verify/source_class.h"
#include "verify/verifier.h"

namespace meshsim {
namespace {

using testing::Ambient;

std::string DenyAtWaypoint(const std::string& templ) {
  return "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
         "metadata:\n  name: deny-template\n  namespace: shop\nspec:\n"
         "  targetRefs:\n  - kind: Service\n    group: \"\"\n    name: cart\n"
         "  action: DENY\n  rules:\n  - to:\n    - operation:\n"
         "        paths: [\"" +
         templ + "\"]\n";
}

TEST(PathTemplateCrossCheck, SimulatorAndEncodingFollowTheTable) {
  for (const testing::PathTemplateCase& c : testing::kPathTemplateCases) {
    testing::World w = testing::ShopWorld(
        {{Ambient(), "ambient"}, {"istio.io/use-waypoint", "waypoint"}});
    w.Add("east", testing::Waypoint("shop", "waypoint"));
    w.Add("east", DenyAtWaypoint(c.templ));
    w.Traffic("template", "{cluster: east, namespace: client, workload: curl}",
              "{host: cart.shop, port: 80}",
              std::string("{method: GET, path: \"") + c.path + "\"}");
    Scenario sc = w.Load();
    ASSERT_FALSE(sc.mesh.clusters.empty()) << c.templ;
    const Outcome want = c.matches ? Outcome::kDenied : Outcome::kDelivered;

    std::set<Outcome> simulated;
    for (const Path& p : testing::PathsOf(sc, "template"))
      simulated.insert(p.outcome);
    EXPECT_EQ(simulated, std::set<Outcome>{want})
        << "simulator: " << c.templ << " on " << c.path;

    OutcomeOracle oracle(sc);
    bool asked = false;
    for (const SourceClass& src : SourceClasses(sc)) {
      if (src.workload.rfind("client/curl", 0) != 0) continue;
      EncodedOutcomes got =
          oracle.Outcomes(src, "shop/cart", "", 80, "GET", c.path);
      ASSERT_FALSE(got.unknown);
      std::set<Outcome> encoded;
      for (const auto& [passes, o] : got.outcomes) encoded.insert(o);
      EXPECT_EQ(encoded, std::set<Outcome>{want})
          << "encoding: " << c.templ << " on " << c.path;
      asked = true;
    }
    EXPECT_TRUE(asked) << "no source class for client/curl";
  }
}

}  // namespace
}  // namespace meshsim
