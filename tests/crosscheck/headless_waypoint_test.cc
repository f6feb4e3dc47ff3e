// K10 (§3.3): a headless Service bound to a waypoint has no VIP, so every
// request to it is workload-addressed and skips that waypoint. Both engines
// say so, and the verifier's root cause names the headless Service with a
// fix that binds the pods, not a guard that would deny every request.
#include <gtest/gtest.h>

#include <string>

#include "tests/crosscheck/both_engines.h"
#include "tests/test_world.h"
#include "verify/verifier.h"

namespace meshsim {
namespace {

using testing::Ambient;

// `ns_label`: the binding comes from the namespace's label, not the
// Service's own.
void ExpectNoGuard(bool ns_label) {
  testing::World w;
  w.Cluster("east", "net-east", 2);
  w.Add("east", testing::Ns("client", {{Ambient(), "ambient"}}));
  w.Add("east", testing::Deploy("client", "curl"));
  testing::KV shop = {{Ambient(), "ambient"}};
  if (ns_label) shop["istio.io/use-waypoint"] = "waypoint";
  w.Add("east", testing::Ns("shop", shop));
  w.Add("east", testing::Deploy("shop", "cart"));
  w.Add("east", testing::Waypoint("shop", "waypoint"));
  w.Add("east",
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: cart\n"
        "  namespace: shop\n" +
            std::string(ns_label
                            ? ""
                            : "  labels: {istio.io/use-waypoint: waypoint}\n") +
            "spec:\n  clusterIP: None\n  selector: {app: cart}\n"
            "  ports: [{name: tcp, port: 80}]\n");
  w.Traffic("t", testing::kFromCurl, testing::kToCart);
  const Scenario sc = w.Load();
  for (const Path& p : testing::PathsOf(sc, "t")) {
    EXPECT_EQ(p.outcome, Outcome::kDelivered) << p.reason;
    for (const Hop& h : p.hops) EXPECT_NE(h.kind, HopKind::kWaypoint);
  }
  const VerifyResult r = Verify(sc, {});
  const FindingGroup* g = nullptr;
  for (const FindingGroup& x : r.groups)
    if (x.rule == "waypoint-bypass") g = &x;
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->cause,
            "headless Service shop/cart in cluster east asks for waypoint "
            "shop/waypoint, which no request to it passes (K10)");
  EXPECT_TRUE(g->fix_yaml.empty()) << g->fix_yaml;
  EXPECT_NE(g->fix.find("bind the pods themselves"), std::string::npos)
      << g->fix;
}

TEST(HeadlessWaypointCrossCheck, NoRequestPassesAndNoGuardIsOffered) {
  ExpectNoGuard(false);
}

TEST(HeadlessWaypointCrossCheck, TheNamespacesLabelAsksTheSame) {
  ExpectNoGuard(true);
}

}  // namespace
}  // namespace meshsim
