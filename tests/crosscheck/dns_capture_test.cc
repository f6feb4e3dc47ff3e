// §3.4: an ambient client without ztunnel's DNS proxy never dials the
// address istiod allocated to a ServiceEntry. Asked of both engines: the
// encoding states no request from it to the entry, the simulator sends it
// to the real address, and verify reports the waypoint it skips (K9).
#include <gtest/gtest.h>

#include <string>

#include "tests/sim/path_helpers.h"
#include "tests/test_world.h"
#include "verify/source_class.h"
#include "verify/verifier.h"

namespace meshsim {
namespace {

using testing::Ambient;

// ambient client/curl (annotated dns-capture=`dns` unless empty) and
// ServiceEntry shop/ext (host ext.example.com, no spec.addresses) selecting
// the cart pods, bound to waypoint shop/waypoint.
Scenario World(const std::string& dns) {
  testing::World w;
  w.Cluster("east", "net-east", 2);
  w.Add("east", testing::Ns("client", {{Ambient(), "ambient"}}));
  std::string curl = testing::Deploy("client", "curl");
  if (!dns.empty())
    curl.replace(curl.find("      labels:"), 13,
                 "      annotations: {ambient.istio.io/dns-capture: \"" + dns +
                     "\"}\n      labels:");
  w.Add("east", curl);
  w.Add("east", testing::Ns("shop", {{Ambient(), "ambient"}}));
  w.Add("east", testing::Deploy("shop", "cart"));
  w.Add("east", testing::Waypoint("shop", "waypoint"));
  w.Add("east",
        "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n"
        "  name: ext\n  namespace: shop\n  labels:\n"
        "    istio.io/use-waypoint: waypoint\n"
        "spec:\n  hosts: [ext.example.com]\n  location: MESH_INTERNAL\n"
        "  resolution: STATIC\n  workloadSelector:\n    labels: {app: cart}\n"
        "  ports:\n  - {number: 80, name: http, protocol: HTTP}\n");
  // §4.3: the cart pods admit only the waypoint, so no request reaches
  // them past it (by pod IP either).
  w.Add("east",
        "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
        "metadata:\n  name: only-waypoint\n  namespace: shop\nspec:\n"
        "  selector: {matchLabels: {app: cart}}\n  action: ALLOW\n"
        "  rules:\n  - from:\n    - source:\n        principals: "
        "[\"cluster.local/ns/shop/sa/waypoint\"]\n");
  w.Traffic("t", testing::kFromCurl, "{host: ext.example.com, port: 80}",
            "{method: GET, path: /}");
  return w.Load();
}

// The encoding's outcomes for client/curl to the entry, by waypoint passes.
std::set<std::pair<int, Outcome>> Encoded(const Scenario& sc) {
  OutcomeOracle oracle(sc);
  for (const SourceClass& src : SourceClasses(sc))
    if (src.workload.rfind("client/curl", 0) == 0)
      return oracle.Outcomes(src, "shop/ext", "", 80, "GET", "/").outcomes;
  ADD_FAILURE() << "no class for client/curl";
  return {};
}

TEST(DnsCaptureCrossCheck, TheEntrysWaypointOnlyWithTheDnsProxy) {
  const Scenario with = World("");
  EXPECT_EQ(testing::Summary(testing::PathsOf(with, "t")),
            std::vector<std::string>{"shop/waypoint|delivered"});
  EXPECT_EQ(Encoded(with),
            (std::set<std::pair<int, Outcome>>{{1, Outcome::kDelivered}}));

  const Scenario without = World("false");
  const std::vector<Path> paths = testing::PathsOf(without, "t");
  ASSERT_EQ(paths.size(), 1u);
  EXPECT_TRUE(paths[0].waypoints.empty());
  EXPECT_EQ(paths[0].hops.back().kind, HopKind::kExternal);
  // No request of this client reaches the entry's address.
  EXPECT_TRUE(Encoded(without).empty());
}

TEST(DnsCaptureCrossCheck, VerifyReportsTheSkippedWaypoint) {
  auto bypass = [](const Scenario& sc) {
    VerifyOptions o;
    o.jobs = 1;
    const VerifyResult r = Verify(sc, o);
    std::string found;
    for (const Finding& f : r.findings)
      if (f.rule == "waypoint-bypass" &&
          f.message.find("without ztunnel's DNS proxy") != std::string::npos)
        found = f.message;
    for (const PropertyResult& p : r.properties)
      if (p.name == "waypoint-bypass") return std::make_pair(p.result, found);
    return std::make_pair(ProofResult::kUnknown, found);
  };
  // With the DNS proxy every request meets the waypoint (the guard stops
  // pod-IP requests); without it, the client skips the waypoint.
  const auto [with, with_finding] = bypass(World(""));
  EXPECT_EQ(with_finding, "");
  EXPECT_EQ(with, ProofResult::kProved);
  const auto [without, finding] = bypass(World("false"));
  EXPECT_EQ(without, ProofResult::kViolated);
  EXPECT_NE(finding.find("client/curl"), std::string::npos) << finding;
  EXPECT_NE(finding.find("shop/waypoint"), std::string::npos) << finding;
}

}  // namespace
}  // namespace meshsim
