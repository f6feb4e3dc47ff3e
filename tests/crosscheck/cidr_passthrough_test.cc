// §3.4 (ztunnel state.rs find_upstream: services, CIDR blocks included,
// before workloads; outbound.rs build_request): a pod's address inside the
// block of a resolution-NONE ServiceEntry the client sees is passed through
// there, in plain TCP: the pod's ztunnel sees no identity, and the pod's
// workload waypoint is not taken. A corporate-network entry such as
// 10.0.0.0/8 covering the pod network does this to every pod-IP request
// (headless Services, StatefulSets). Found by an audit of 2026-12-07
// against ztunnel's tests: meshsim took the workload. Asked of both
// engines.
#include <gtest/gtest.h>

#include <string>

#include "tests/crosscheck/both_engines.h"
#include "tests/test_world.h"

namespace meshsim {
namespace {

using testing::Ambient;

// client/curl to pod shop/cart-0 (10.10.x.x) on 80; cart admits only
// client/curl's identity and has workload waypoint shop/wp; with
// `block`, a NONE ServiceEntry `corp` with that address block, in
// `entry_ns`.
Scenario CidrWorld(const std::string& block, const std::string& entry_ns,
                   const std::string& resolution = "NONE",
                   const std::string& istio = "") {
  testing::World w = testing::ShopWorld(
      {{Ambient(), "ambient"}}, {}, {{"istio.io/use-waypoint", "wp"}}, istio);
  w.Add("east", testing::Waypoint("shop", "wp", "workload"));
  w.Add("east",
        "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
        "metadata: {name: only-curl, namespace: shop}\nspec:\n"
        "  selector: {matchLabels: {app: cart}}\n  rules:\n  - from:\n"
        "    - source: {principals: [cluster.local/ns/client/sa/default, "
        "cluster.local/ns/shop/sa/wp]}\n");
  if (!block.empty())
    w.Add("east",
          "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\n"
          "metadata: {name: corp, namespace: " +
              entry_ns + "}\nspec:\n  hosts: [corp.internal]\n  addresses: [" +
              block + "]\n  resolution: " + resolution +
              "\n  location: MESH_EXTERNAL\n"
              "  ports: [{number: 80, name: tcp, protocol: TCP}]\n");
  w.Traffic("t", testing::kFromCurl, "{pod: shop/cart-0, port: 80}");
  return w.Load();
}

TEST(CidrPassthroughCrossCheck, APodInsideANoneEntrysBlockIsPassedThrough) {
  const testing::EngineDest pod{
      .service = "", .pod = "shop/cart-0", .tcp = true};
  // No entry: through the workload waypoint, whose identity cart admits.
  testing::ExpectBothEngines(CidrWorld("", "client"), Outcome::kDelivered,
                             "no entry", pod);
  // Inside the block: plain TCP, no identity, denied.
  testing::ExpectBothEngines(CidrWorld("10.10.0.0/16", "client"),
                             Outcome::kDenied, "inside the block", pod);
  // A block that does not hold the address changes nothing.
  testing::ExpectBothEngines(CidrWorld("192.168.0.0/16", "client"),
                             Outcome::kDelivered, "outside the block", pod);
  const auto paths = testing::PathsOf(CidrWorld("10.10.0.0/16", "client"), "t");
  ASSERT_EQ(paths.size(), 1u);
  EXPECT_TRUE(paths[0].waypoints.empty());
  // The second review of 2026-12-07: an exact address equal to the pod's
  // (ztunnel's exact VIPs come first); a STATIC entry without endpoints
  // (its load_balance finds none, so ztunnel passes through too); and no
  // block before 1.30 (istiod sent no entry with a wider block).
  const Scenario plain = CidrWorld("", "client");
  const Cluster& east = plain.mesh.clusters[0];
  const std::string ip =
      east.workloads[east.workload_by_key.at("shop/cart-0")].ip;
  for (const std::string ns : {"client", "default"})
    testing::ExpectBothEngines(CidrWorld(ip, ns), Outcome::kDenied,
                               "the pod's own address, entry in " + ns, pod);
  testing::ExpectBothEngines(CidrWorld("10.10.0.0/16", "client", "STATIC"),
                             Outcome::kDenied, "STATIC without endpoints", pod);
  testing::ExpectBothEngines(
      CidrWorld("10.10.0.0/16", "client", "NONE", "{version: \"1.29\"}"),
      Outcome::kDelivered, "a block before 1.30", pod);
}

}  // namespace
}  // namespace meshsim
