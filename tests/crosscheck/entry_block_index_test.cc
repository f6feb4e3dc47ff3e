// §3.4 (before 1.30): istiod converts a ServiceEntry's addresses for the
// ambient index with parseCidrOrIP, which takes single addresses and
// blocks of one only; an entry with a wider block fails it and
// constructServiceEntries drops the whole entry. So on 1.22-1.29 no
// ztunnel knows any of its hosts or addresses and it binds no waypoint: an
// egress waypoint bound to a corporate-network entry such as 10.0.0.0/8 is
// never used, and its policies never run. Read at 1.22.0, 1.24.0, 1.28.0
// and 1.29.0 (pilot/pkg/serviceregistry/kube/controller/ambient); 1.30
// (pilot/pkg/serviceregistry/ambient/helpers.go) converts blocks. Asked of
// both engines.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "model/binding.h"
#include "tests/crosscheck/both_engines.h"
#include "tests/test_world.h"

namespace meshsim {
namespace {

using testing::Ambient;

// Istio `version`: client/curl (ambient, or with `sidecar` a sidecar), the
// cart pods in ambient namespace shop, and waypoint shop/wp, whose DENY
// policy refuses every request it sees; curl calls `to` (10.99.0.5:80).
testing::World BaseWorld(const std::string& version, bool sidecar,
                         const std::string& to = "{ip: 10.99.0.5, port: 80}",
                         const std::string& waypoint_for = "") {
  testing::World w("{version: \"" + version + "\"}");
  w.Cluster("east", "net-east", 2);
  w.Add("east", testing::Ns("client", {{sidecar ? "istio-injection" : Ambient(),
                                        sidecar ? "enabled" : "ambient"}}));
  w.Add("east", testing::Deploy("client", "curl"));
  w.Add("east", testing::Ns("shop", {{Ambient(), "ambient"}}));
  w.Add("east", testing::Deploy("shop", "cart"));
  w.Add("east", testing::Waypoint("shop", "wp", waypoint_for));
  w.Add("east",
        "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
        "metadata: {name: deny-all, namespace: shop}\nspec:\n"
        "  targetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, "
        "name: wp}]\n  action: DENY\n  rules: [{}]\n");
  w.Traffic("t", testing::kFromCurl, to);
  return w;
}

// STATIC ServiceEntry shop/`name` for corp.example.com on `addresses`,
// created `at`, whose endpoints are the cart pods; it uses waypoint wp.
std::string Entry(const std::string& name, const std::string& addresses,
                  const std::string& at = "2026-01-01T00:00:00Z") {
  return "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\n"
         "metadata:\n  name: " +
         name + "\n  namespace: shop\n  creationTimestamp: \"" + at +
         "\"\n  labels: {istio.io/use-waypoint: wp}\nspec:\n"
         "  hosts: [corp.example.com]\n  addresses: [" +
         addresses +
         "]\n  resolution: STATIC\n  location: MESH_INTERNAL\n"
         "  workloadSelector: {labels: {app: cart}}\n"
         "  ports: [{number: 80, name: http, protocol: HTTP}]\n";
}

// The base world with shop/corp on 10.99.0.5 and `more`.
Scenario EntryWorld(const std::string& more, const std::string& version,
                    bool sidecar = false) {
  testing::World w = BaseWorld(version, sidecar);
  w.Add("east", Entry("corp", "10.99.0.5" + (more.empty() ? "" : ", " + more)));
  return w.Load();
}

const testing::EngineDest kCorp{.service = "shop/corp", .pod = "", .port = 80};

TEST(EntryBlockIndexCrossCheck, ABlockBefore130LeavesTheEntryOutOfAmbient) {
  for (const std::string version : {"1.24", "1.29"}) {
    // The block drops the whole entry, its single address too: ztunnel
    // passes the request through, and the waypoint's DENY never runs.
    const Scenario sc = EntryWorld("10.98.0.0/16", version);
    EXPECT_EQ(testing::Simulated(sc), std::set<Outcome>{Outcome::kDelivered})
        << version;
    // The encoding holds no ambient request to the entry (ztunnel does
    // not know it); it says nothing rather than something wrong.
    OutcomeOracle oracle(sc);
    for (const SourceClass& src : SourceClasses(sc))
      if (src.workload.rfind("client/curl", 0) == 0) {
        EXPECT_TRUE(oracle.Outcomes(src, "shop/corp", "", 80, "GET", "/")
                        .outcomes.empty())
            << version;
      }
    // A sidecar has the entry (Envoy reads blocks).
    testing::ExpectBothEngines(EntryWorld("10.98.0.0/16", version, true),
                               Outcome::kDelivered, "sidecar, " + version,
                               kCorp);
  }
  // 1.30 converts blocks: the entry binds its waypoint, which denies.
  // (A community sidecar never sends to a waypoint, §6: delivered there
  // in every release.)
  testing::ExpectBothEngines(EntryWorld("10.98.0.0/16", "1.30"),
                             Outcome::kDenied, "ambient, 1.30", kCorp);
  testing::ExpectBothEngines(EntryWorld("10.98.0.0/16", "1.30", true),
                             Outcome::kDelivered, "sidecar, 1.30", kCorp);
  // Single addresses, and a block of one address, convert in every
  // release.
  testing::ExpectBothEngines(EntryWorld("", "1.29"), Outcome::kDenied,
                             "single address, 1.29", kCorp);
  testing::ExpectBothEngines(EntryWorld("10.98.0.7/32", "1.29"),
                             Outcome::kDenied, "a block of one, 1.29", kCorp);
}

// Found by review: istiod de-duplicates hosts among the entries it
// converted, so an older entry with a block (dropped) does not hold its
// host against a newer one with single addresses, which stays in the
// index and binds its waypoint.
TEST(EntryBlockIndexCrossCheck, ADroppedEntryHoldsNoHost) {
  testing::World w = BaseWorld("1.29", false);
  w.Add("east", Entry("a-old", "10.98.0.0/16", "2026-01-01T00:00:00Z"));
  w.Add("east", Entry("b-new", "10.99.0.5", "2026-02-01T00:00:00Z"));
  const Scenario sc = w.Load();
  const Cluster& east = sc.mesh.clusters[0];
  const Service& fresh = *east.FindService("shop/b-new");
  EXPECT_FALSE(fresh.Shadowed());
  EXPECT_EQ(ServiceWaypoint(sc.mesh, east, fresh).status,
            BindingStatus::kAccepted);
  testing::ExpectBothEngines(
      sc, Outcome::kDenied, "the newer entry keeps its host",
      testing::EngineDest{.service = "shop/b-new", .pod = "", .port = 80});
}

// Found by review: istiod builds no workload for the inline endpoints of
// an entry it keeps no service of, in 1.22 (an endpoint needed its entry's
// service) and from 1.28.1 ("pruned by deduplication", workloads.go), so
// ztunnel passes a request to such an endpoint's address through, past
// the waypoint its own label names; 1.23-1.28.0 sent them (without a
// service). Both a block's entry and a wholly shadowed one.
TEST(EntryBlockIndexCrossCheck, APrunedEntrysEndpointsAreUnknownToZtunnel) {
  const std::string endpoint =
      "  endpoints:\n  - address: 192.168.5.5\n"
      "    labels: {istio.io/use-waypoint: wp}\n";
  auto world = [&](const std::string& version, bool shadowed) {
    testing::World w =
        BaseWorld(version, false, "{ip: 192.168.5.5, port: 80}", "all");
    std::string entry = Entry("corp", shadowed ? "10.99.0.5" : "10.98.0.0/16",
                              "2026-02-01T00:00:00Z");
    entry = entry.substr(0, entry.find("  workloadSelector")) +
            entry.substr(entry.find("  ports:")) + endpoint;
    w.Add("east", entry);
    if (shadowed) w.Add("east", Entry("a-old", "10.99.0.6"));
    return w.Load();
  };
  const testing::EngineDest ep{
      .service = "", .pod = "shop/corp@192.168.5.5", .port = 80, .tcp = true};
  for (const std::string v : {"1.22", "1.28.1", "1.29"})
    testing::ExpectBothEngines(world(v, false), Outcome::kDelivered,
                               "block, pruned, " + v, ep);
  for (const std::string v : {"1.27", "1.28.0", "1.30"})
    testing::ExpectBothEngines(world(v, false), Outcome::kDenied,
                               "block, sent, " + v, ep);
  testing::ExpectBothEngines(world("1.29", true), Outcome::kDelivered,
                             "shadowed, pruned, 1.29", ep);
  testing::ExpectBothEngines(world("1.28.0", true), Outcome::kDenied,
                             "shadowed, sent, 1.28.0", ep);
}

TEST(EntryBlockIndexCrossCheck, TheSimulatorSaysWhyTheWaypointIsSkipped) {
  const Scenario sc = EntryWorld("10.98.0.0/16", "1.29");
  const auto paths = testing::PathsOf(sc, "t");
  ASSERT_EQ(paths.size(), 1u);
  EXPECT_TRUE(paths[0].waypoints.empty());
  bool said = false;
  for (const std::string& why : paths[0].why)
    said |= why.find(
                "10.99.0.5 is an address of ServiceEntry shop/corp, "
                "which lists an address block: before 1.30 istiod "
                "leaves the whole entry out of the ambient index") !=
            std::string::npos;
  EXPECT_TRUE(said);
  const Cluster& east = sc.mesh.clusters[0];
  const Binding b =
      ServiceWaypoint(sc.mesh, east, *east.FindService("shop/corp"));
  EXPECT_EQ(b.status, BindingStatus::kNone);
  EXPECT_EQ(b.waypoint, nullptr);
  EXPECT_NE(b.why.find("lists the address block 10.98.0.0/16"),
            std::string::npos)
      << b.why;
}

}  // namespace
}  // namespace meshsim
