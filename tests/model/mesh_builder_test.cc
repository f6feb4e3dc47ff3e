// MeshBuilder (model/mesh_builder.h) builds in code the same mesh the
// loaders build from manifests: same pods, nodes, addresses, capture, VIPs
// and waypoint bindings (§1.1, §2.1, §2.3), and the binding rules run on it
// directly.
#include "model/mesh_builder.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "model/binding.h"
#include "tests/test_world.h"

namespace meshsim {
namespace {

using testing::Ambient;
using testing::Deploy;
using testing::Ns;
using testing::Svc;
using testing::Waypoint;
using testing::World;

const Labels kUseWaypoint = {{"istio.io/use-waypoint", "waypoint"}};

Mesh BuiltShop() {
  MeshBuilder b("shop");
  b.Cluster("east", "net-east", 2)
      .Namespace("client", {{Ambient(), "ambient"}})
      .Deployment("client", "curl")
      .Namespace("shop", {{Ambient(), "ambient"}})
      .Deployment("shop", "cart", 2)
      .Service("shop", "cart", 80, kUseWaypoint)
      .Waypoint("shop", "waypoint");
  Diagnostics diags;
  Mesh mesh = b.Build(diags);
  EXPECT_FALSE(diags.HasErrors());
  return mesh;
}

Scenario LoadedShop() {
  World w;
  w.Cluster("east", "net-east", 2);
  w.Add("east", Ns("client", {{Ambient(), "ambient"}}));
  w.Add("east", Deploy("client", "curl"));
  w.Add("east", Ns("shop", {{Ambient(), "ambient"}}));
  w.Add("east", Deploy("shop", "cart", 2));
  w.Add("east", Svc("shop", "cart", 80, kUseWaypoint));
  w.Add("east", Waypoint("shop", "waypoint"));
  return w.Load();
}

TEST(MeshBuilderTest, BuildsWhatTheLoaderBuilds) {
  const Mesh built = BuiltShop();
  const Scenario loaded = LoadedShop();
  ASSERT_EQ(built.clusters.size(), 1u);
  const Cluster& a = built.clusters[0];
  const Cluster& b = loaded.mesh.clusters.at(0);
  ASSERT_EQ(a.workloads.size(), b.workloads.size());
  for (const Workload& wb : b.workloads) {
    const Workload* wa = a.FindWorkload(wb.Key());
    ASSERT_NE(wa, nullptr) << wb.Key();
    EXPECT_EQ(wa->ip, wb.ip) << wb.Key();
    EXPECT_EQ(wa->node, wb.node) << wb.Key();
    EXPECT_EQ(wa->capture, wb.capture) << wb.Key();
    EXPECT_EQ(wa->role, wb.role) << wb.Key();
    EXPECT_EQ(wa->service_account, wb.service_account) << wb.Key();
  }
  const Service* sa = a.FindService("shop/cart");
  const Service* sb = b.FindService("shop/cart");
  ASSERT_TRUE(sa && sb);
  EXPECT_EQ(sa->vips, sb->vips);
  EXPECT_EQ(a.service_endpoints[a.service_by_key.at("shop/cart")].size(), 2u);
  const Binding ba = ServiceWaypoint(built, a, *sa);
  const Binding bb = ServiceWaypoint(loaded.mesh, b, *sb);
  ASSERT_TRUE(ba.waypoint && bb.waypoint);
  EXPECT_EQ(ba.waypoint->Key(), "shop/waypoint");
  EXPECT_EQ(ba.status, bb.status);
}

// Addresses follow the "namespace/name" order of pods as one string,
// whatever order the manifests list them in: "shop-eu/a" sorts before
// "shop/z" because '-' sorts before '/' (Finalize compares without building
// the strings; a namespace that prefixes another is where that could slip).
TEST(MeshBuilderTest, AddressesFollowNamespaceSlashNameOrder) {
  World w;
  w.Cluster("east", "net-east", 1);
  w.Add("east", Ns("shop"));
  w.Add("east", Ns("shop-eu"));
  w.Add("east", Deploy("shop", "z"));
  w.Add("east", Deploy("shop-eu", "a"));
  w.Add("east", Deploy("shop", "a"));
  const Scenario sc = w.Load();
  const Cluster& c = sc.mesh.clusters.at(0);
  std::vector<std::pair<std::string, std::string>> by_ip;  // ip, ns/owner
  for (const Workload& x : c.workloads) by_ip.emplace_back(x.ip, x.Key());
  ASSERT_EQ(by_ip.size(), 3u);
  std::sort(by_ip.begin(), by_ip.end(), [](const auto& a, const auto& b) {
    return std::stoi(a.first.substr(a.first.rfind('.') + 1)) <
           std::stoi(b.first.substr(b.first.rfind('.') + 1));
  });
  EXPECT_EQ(by_ip[0].second.substr(0, 10), "shop-eu/a-");
  EXPECT_EQ(by_ip[1].second.substr(0, 7), "shop/a-");
  EXPECT_EQ(by_ip[2].second.substr(0, 7), "shop/z-");
}

// The generated waypoint pod (§2.1) is not captured and serves the
// waypoint; the client pod is captured by its namespace label (§1.1).
TEST(MeshBuilderTest, FinalizeDerivesGatewayPodsAndCapture) {
  const Mesh mesh = BuiltShop();
  const Cluster& c = mesh.clusters[0];
  const auto pods = c.gateway_pods.find("shop/waypoint");
  ASSERT_NE(pods, c.gateway_pods.end());
  ASSERT_EQ(pods->second.size(), 1u);
  const Workload& wp = c.workloads[pods->second[0]];
  EXPECT_EQ(wp.role, WorkloadRole::kWaypoint);
  EXPECT_EQ(wp.name, "waypoint-0");
  EXPECT_EQ(c.FindWorkload("client/curl-0")->capture, Capture::kAmbient);
}

TEST(MeshBuilderTest, BuildLeavesTheBuilderEmpty) {
  MeshBuilder b("m");
  b.Cluster("east", "net").Deployment("ns", "a");
  EXPECT_NE(b.current(), nullptr);
  Diagnostics diags;
  const Mesh first = b.Build(diags);
  EXPECT_EQ(first.clusters.at(0).workloads.size(), 1u);
  EXPECT_EQ(b.current(), nullptr);
  EXPECT_EQ(b.Build(diags).clusters.size(), 0u);
}

}  // namespace
}  // namespace meshsim
