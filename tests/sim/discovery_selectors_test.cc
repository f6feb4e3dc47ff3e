// MeshConfig discoverySelectors (docs/semantics.md §16.9): istiod reads only
// the namespaces a selector matches (pkg/kube/namespace/filter.go), through
// the ObjectFilter every informer of pkg/kube/multicluster/cluster.go and
// pilot/pkg/serviceregistry/ambient/ambientindex.go is built with. Every
// Istio ambient integration test runs with one
// (tests/integration/iop-ambient-test-defaults.yaml).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "model/io/loader.h"
#include "sim/dataplane.h"
#include "tests/sim/path_helpers.h"
#include "tests/test_world.h"

namespace meshsim {
namespace {

using testing::Ambient;
using testing::Deploy;
using testing::Ns;
using testing::PathsOf;
using testing::Summary;
using testing::Svc;
using testing::Waypoint;
using testing::World;

const char* kSelected =
    "{meshConfig: {discoverySelectors: [{matchLabels: {mesh: \"on\"}}]}}";

std::string DenyAll(const std::string& ns) {
  return "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
         "metadata:\n  name: deny-all\n  namespace: " +
         ns + "\nspec:\n  action: DENY\n  rules:\n  - {}\n";
}

// Namespace shop (ambient, discovered when `selectors`) runs the client;
// namespace web (ambient, never labelled mesh=on) runs Service web, bound to
// its namespace waypoint, under a DENY-all policy; istio-system holds a
// root-namespace DENY-all.
World WebWorld(bool selectors, int web_replicas = 1) {
  World w(selectors ? kSelected : "");
  w.Add("c1", Ns("shop", {{Ambient(), "ambient"}, {"mesh", "on"}}));
  w.Add("c1", Deploy("shop", "curl"));
  w.Add("c1", Ns("web", {{Ambient(), "ambient"},
                         {"istio.io/use-waypoint", "waypoint"}}));
  w.Add("c1", Deploy("web", "web", web_replicas));
  w.Add("c1", Svc("web", "web"));
  w.Add("c1", Waypoint("web", "waypoint"));
  w.Add("c1", DenyAll("web"));
  w.Traffic("to-web", "{cluster: c1, namespace: shop, workload: curl}",
            "{host: web.web.svc.cluster.local, port: 80}",
            "{method: GET, path: /}");
  return w;
}

// A namespace that holds only configuration, with no Namespace object,
// workload or Service (often where delegate VirtualServices live), is judged
// by its labels like any other: left out, its objects are dropped.
TEST(DiscoverySelectorsTest, ANamespaceOfConfigurationAloneIsJudgedToo) {
  World w = WebWorld(true);
  w.Add("c1", DenyAll("config-only"));
  const Scenario sc = w.Load();
  const Cluster& c = sc.mesh.clusters[0];
  EXPECT_EQ(c.undiscovered_namespaces,
            (std::vector<std::string>{"config-only", "web"}));
  EXPECT_TRUE(c.authorization_policies.empty());
}

TEST(DiscoverySelectorsTest, ALeftOutNamespaceLosesItsIstioObjects) {
  const Scenario sc = WebWorld(true).Load();
  ASSERT_EQ(sc.mesh.clusters.size(), 1u);
  const Cluster& c = sc.mesh.clusters[0];
  EXPECT_EQ(c.undiscovered_namespaces, (std::vector<std::string>{"web"}));
  EXPECT_TRUE(c.authorization_policies.empty());
  EXPECT_EQ(c.FindGateway("web/waypoint"), nullptr);
  EXPECT_EQ(c.FindService("web/web"), nullptr);
  ASSERT_EQ(c.undiscovered_services.size(), 1u);
  EXPECT_EQ(c.undiscovered_services[0].Key(), "web/web");
  // The warning names what istiod ignores, and the ambient pods.
  std::vector<std::string> warned;
  for (const Diagnostic& d : sc.mesh.notes)
    if (d.rule == "undiscovered-namespace") warned.push_back(d.message);
  ASSERT_EQ(warned.size(), 2u);
  EXPECT_NE(warned[0].find("AuthorizationPolicy deny-all, Gateway waypoint"),
            std::string::npos)
      << warned[0];
  EXPECT_NE(warned[1].find("pod web/web-"), std::string::npos) << warned[1];

  // Without selectors the same world keeps them all.
  const Scenario all = WebWorld(false).Load();
  EXPECT_TRUE(all.mesh.clusters[0].undiscovered_namespaces.empty());
  EXPECT_EQ(all.mesh.clusters[0].authorization_policies.size(), 1u);
  EXPECT_NE(all.mesh.clusters[0].FindService("web/web"), nullptr);
}

// Every Namespace carries kubernetes.io/metadata.name=<name>, which a
// selector may name without the manifest writing it (istio.io's
// discovery-selectors task does).
TEST(DiscoverySelectorsTest, SelectorsSeeTheNamespaceNameLabel) {
  World w(
      "{meshConfig: {discoverySelectors: [{matchLabels: "
      "{kubernetes.io/metadata.name: shop}}, {matchLabels: "
      "{kubernetes.io/metadata.name: istio-system}}]}}");
  w.Add("c1", Ns("shop", {{Ambient(), "ambient"}}));
  w.Add("c1", Deploy("shop", "curl"));
  w.Add("c1", Ns("web", {{Ambient(), "ambient"}}));
  w.Add("c1", Deploy("web", "web"));
  w.Add("c1", Svc("web", "web"));
  const Scenario sc = w.Load();
  ASSERT_EQ(sc.mesh.clusters.size(), 1u);
  EXPECT_EQ(sc.mesh.clusters[0].undiscovered_namespaces,
            (std::vector<std::string>{"web"}));
}

TEST(DiscoverySelectorsTest, ItsPodsAreOutsideAmbient) {
  const Scenario sc = WebWorld(true).Load();
  const Cluster& c = sc.mesh.clusters[0];
  const std::vector<const Workload*> pods = c.WorkloadsOf("web", "web");
  ASSERT_EQ(pods.size(), 1u);
  EXPECT_EQ(pods[0]->capture, Capture::kUncaptured);
  EXPECT_NE(pods[0]->capture_why.find("discoverySelectors"), std::string::npos);
  const std::vector<const Workload*> curl = c.WorkloadsOf("shop", "curl");
  ASSERT_EQ(curl.size(), 1u);
  EXPECT_EQ(curl[0]->capture, Capture::kAmbient);
}

TEST(DiscoverySelectorsTest, ItsServicesAreReachedThroughKubeProxyOnly) {
  // Discovered: the waypoint, then the DENY-all at the waypoint.
  const Scenario all = WebWorld(false).Load();
  EXPECT_EQ(Summary(PathsOf(all, "to-web")),
            (std::vector<std::string>{"web/waypoint|denied"}));
  // Left out: no proxy knows the ClusterIP; kube-proxy delivers to the pod,
  // no waypoint, no policy.
  const Scenario sc = WebWorld(true).Load();
  const std::vector<Path> paths = PathsOf(sc, "to-web");
  ASSERT_EQ(Summary(paths), (std::vector<std::string>{"|delivered"}));
  EXPECT_EQ(paths[0].hops.back().name, "web/web-0");
  bool explained = false;
  for (const std::string& why : paths[0].why)
    explained = explained || why.find("kube-proxy") != std::string::npos;
  EXPECT_TRUE(explained);
}

TEST(DiscoverySelectorsTest, AClusterIpWithNoReadyPodIsRefused) {
  const Scenario sc = WebWorld(true, /*web_replicas=*/0).Load();
  const std::vector<Path> paths = PathsOf(sc, "to-web");
  ASSERT_EQ(Summary(paths), (std::vector<std::string>{"|failed"}));
}

TEST(DiscoverySelectorsTest, TheRootNamespaceHasNoException) {
  World w(kSelected);
  w.Add("c1", Ns("shop", {{Ambient(), "ambient"}, {"mesh", "on"}}));
  w.Add("c1", Deploy("shop", "curl"));
  w.Add("c1", Deploy("shop", "cart"));
  w.Add("c1", Svc("shop", "cart"));
  w.Add("c1", Ns("istio-system"));
  w.Add("c1", DenyAll("istio-system"));
  w.Traffic("to-cart", "{cluster: c1, namespace: shop, workload: curl}",
            "{host: cart, port: 80}");
  EXPECT_EQ(Summary(PathsOf(w.Load(), "to-cart")),
            (std::vector<std::string>{"|delivered"}));
  // Selected, its mesh-wide DENY applies.
  World sel(kSelected);
  sel.Add("c1", Ns("shop", {{Ambient(), "ambient"}, {"mesh", "on"}}));
  sel.Add("c1", Deploy("shop", "curl"));
  sel.Add("c1", Deploy("shop", "cart"));
  sel.Add("c1", Svc("shop", "cart"));
  sel.Add("c1", Ns("istio-system", {{"mesh", "on"}}));
  sel.Add("c1", DenyAll("istio-system"));
  sel.Traffic("to-cart", "{cluster: c1, namespace: shop, workload: curl}",
              "{host: cart, port: 80}");
  EXPECT_EQ(Summary(PathsOf(sel.Load(), "to-cart")),
            (std::vector<std::string>{"|denied"}));
}

TEST(DiscoverySelectorsTest, ABadSelectorIsAnErrorWithItsPlace) {
  World w(
      "{meshConfig: {discoverySelectors: [{matchExpressions: "
      "[{key: mesh, operator: Exist}]}]}}");
  w.Add("c1", Ns("shop", {{Ambient(), "ambient"}}));
  w.Add("c1", Deploy("shop", "curl"));
  Diagnostics diags;
  LoadScenarioText(w.Text(), "world.yaml", ".", diags);
  ASSERT_TRUE(diags.HasErrors());
  std::string all;
  for (const Diagnostic& d : diags.all()) all += d.ToString() + "\n";
  EXPECT_NE(all.find("world.yaml:"), std::string::npos) << all;
  EXPECT_NE(all.find("istio.meshConfig.discoverySelectors[0]"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("did you mean 'Exists'"), std::string::npos) << all;
}

}  // namespace
}  // namespace meshsim
