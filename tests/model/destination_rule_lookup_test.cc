// §16.1: which DestinationRule a proxy applies, as istiod indexes and looks
// them up (push_context.go destinationRule, destination_rule.go
// mergeDestinationRule, sidecar.go DestinationRule): rules of one
// namespace for one host merge; a proxy in the root namespace reads the
// root's private rules, then the service's namespace, then the root's
// exported ones; a step with rules for the host decides, even when only a
// workloadSelector rule for other workloads is there.
#include <gtest/gtest.h>

#include <string>

#include "model/networking.h"
#include "tests/test_world.h"

namespace meshsim {
namespace {

using testing::Ambient;

std::string Dr(const std::string& ns, const std::string& name,
               const std::string& host, const std::string& rest) {
  return "apiVersion: networking.istio.io/v1\nkind: DestinationRule\n"
         "metadata:\n  name: " +
         name + "\n  namespace: " + ns + "\nspec:\n  host: " + host + "\n" +
         rest;
}

std::string Subsets(const std::string& names) {
  return "  subsets: [" + names + "]\n";
}

// The subsets of the rule a proxy in `ns` with `labels` applies to
// shop/cart, "-" for none.
std::string Lookup(testing::World w, const std::string& ns,
                   const Labels* labels) {
  const Scenario sc = w.Load();
  const Cluster& c = sc.mesh.clusters[0];
  const DestinationRule* d =
      DestinationRuleFor(sc.mesh, c, ns, labels, *c.FindService("shop/cart"));
  if (!d) return "-";
  std::string out = d->Key() + ":";
  for (const DestinationRuleSubset& s : d->subsets) out += " " + s.name;
  return out;
}

TEST(DestinationRuleLookupTest, RulesOfOneNamespaceAndHostMerge) {
  testing::World w = testing::ShopWorld();
  w.Add("east",
        Dr("shop", "a", "cart", Subsets("{name: v1, labels: {v: \"1\"}}")));
  w.Add("east", Dr("shop", "b", "cart.shop.svc.cluster.local",
                   Subsets("{name: v2, labels: {v: \"2\"}}, {name: v1, "
                           "labels: {v: x}}")));
  EXPECT_EQ(Lookup(w, "client", nullptr), "shop/a: v1 v2");
}

// push_context.go: a root-namespace rule exported to [".", client] is not
// private-only, so a root proxy's own (private) index lacks it, and the
// exported lookup reads "." as no namespace: the root proxy sees none,
// a proxy of `client` sees it.
TEST(DestinationRuleLookupTest, ARootRuleExportedToDotAndOthersSkipsRoot) {
  testing::World w = testing::ShopWorld();
  w.Add("east", testing::Ns("istio-system"));
  w.Add("east", Dr("istio-system", "web", "cart.shop.svc.cluster.local",
                   "  exportTo: [\".\", client]\n" +
                       Subsets("{name: v1, labels: {v: \"1\"}}")));
  EXPECT_EQ(Lookup(w, "istio-system", nullptr), "-");
  EXPECT_EQ(Lookup(w, "client", nullptr), "istio-system/web: v1");
}

TEST(DestinationRuleLookupTest, ARootNamespaceProxyReadsTheServicesFirst) {
  testing::World w = testing::ShopWorld();
  w.Add("east", testing::Ns("istio-system"));
  w.Add("east", Dr("istio-system", "mesh-wide", "cart.shop.svc.cluster.local",
                   Subsets("{name: root, labels: {v: \"1\"}}")));
  w.Add("east", Dr("shop", "own", "cart", Subsets("{name: own, labels: {}}")));
  EXPECT_EQ(Lookup(w, "istio-system", nullptr), "shop/own: own");
  // A root namespace's private rule is its own proxies' first.
  w.Add("east",
        Dr("istio-system", "private", "cart.shop.svc.cluster.local",
           "  exportTo: [\".\"]\n" + Subsets("{name: private, labels: {}}")));
  EXPECT_EQ(Lookup(w, "istio-system", nullptr),
            "istio-system/private: private");
  // Elsewhere the proxy's namespace comes first, the root's public last.
  EXPECT_EQ(Lookup(w, "client", nullptr), "shop/own: own");
}

TEST(DestinationRuleLookupTest, ASelectorRuleForOthersShadowsTheServices) {
  testing::World w = testing::ShopWorld();
  w.Add("east", Dr("client", "for-other", "cart.shop.svc.cluster.local",
                   "  workloadSelector: {matchLabels: {app: other}}\n" +
                       Subsets("{name: other, labels: {}}")));
  w.Add("east", Dr("shop", "own", "cart", Subsets("{name: own, labels: {}}")));
  const Labels curl = {{"app", "curl"}};
  const Labels other = {{"app", "other"}};
  EXPECT_EQ(Lookup(w, "client", &curl), "-");
  EXPECT_EQ(Lookup(w, "client", &other), "client/for-other: other");
}

TEST(DestinationRuleLookupTest, ASelectorRuleIsPrivateToItsNamespace) {
  // push_context.go setDestinationRules: a workloadSelector rule is never
  // exported, so the service's namespace has no rule for other clients
  // and the root namespace's public one applies.
  testing::World w = testing::ShopWorld();
  w.Add("east", testing::Ns("istio-system"));
  w.Add("east", Dr("shop", "for-other", "cart",
                   "  workloadSelector: {matchLabels: {app: other}}\n" +
                       Subsets("{name: other, labels: {}}")));
  w.Add("east", Dr("istio-system", "mesh-wide", "cart.shop.svc.cluster.local",
                   Subsets("{name: root, labels: {}}")));
  const Labels curl = {{"app", "curl"}};
  EXPECT_EQ(Lookup(w, "client", &curl), "istio-system/mesh-wide: root");
  EXPECT_EQ(Lookup(w, "istio-system", nullptr), "istio-system/mesh-wide: root");
}

// util.go GetPortLevelTrafficPolicy, MergeSubsetTrafficPolicy: a port's
// entry replaces the policy above it whole, the rule's and a subset's
// alike; a subset's policy otherwise replaces the groups it sets.
TEST(DestinationRuleLookupTest, PortEntriesReplaceWholePolicies) {
  testing::World w = testing::ShopWorld();
  w.Add("east",
        Dr("shop", "cart", "cart",
           "  trafficPolicy:\n    tls: {mode: ISTIO_MUTUAL}\n"
           "    portLevelSettings:\n    - port: {number: 81}\n"
           "      loadBalancer: {simple: RANDOM}\n"
           "  subsets:\n  - name: v1\n    labels: {v: \"1\"}\n"
           "    trafficPolicy:\n      loadBalancer: {simple: ROUND_ROBIN}\n"
           "      portLevelSettings:\n      - port: {number: 80}\n"
           "        connectionPool: {tcp: {maxConnections: 5}}\n"));
  const Scenario sc = w.Load();
  const Cluster& c = sc.mesh.clusters[0];
  const DestinationRule* d = DestinationRuleFor(sc.mesh, c, "client", nullptr,
                                                *c.FindService("shop/cart"));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->PolicyFor(80, "")->tls_mode, "ISTIO_MUTUAL");
  EXPECT_EQ(d->PolicyFor(81, "")->tls_mode, "");
  EXPECT_EQ(d->PolicyFor(81, "")->lb_simple, "RANDOM");
  // The subset's port 80 entry: only its connection pool.
  const TrafficPolicy v1_80 = *d->PolicyFor(80, "v1");
  EXPECT_EQ(v1_80.tls_mode, "");
  EXPECT_EQ(v1_80.lb_simple, "");
  EXPECT_EQ(v1_80.max_connections, 5);
  // Elsewhere the subset's load balancer over the rule's policy.
  const TrafficPolicy v1_9 = *d->PolicyFor(9, "v1");
  EXPECT_EQ(v1_9.tls_mode, "ISTIO_MUTUAL");
  EXPECT_EQ(v1_9.lb_simple, "ROUND_ROBIN");
}

// util.go mergeTrafficPolicy: a subset's group replaces the rule's when it
// is written, whatever it holds: a connectionPool with only connectTimeout
// lifts the rule's limits, a loadBalancer with only consistentHash its
// simple. A limit of 0 is no limit (cluster_traffic_policy.go).
TEST(DestinationRuleLookupTest, ASubsetsWrittenGroupReplacesTheRules) {
  testing::World w = testing::ShopWorld();
  w.Add("east",
        Dr("shop", "cart", "cart",
           "  trafficPolicy:\n    loadBalancer: {simple: RANDOM}\n"
           "    connectionPool:\n      tcp: {maxConnections: 1}\n"
           "      http: {http2MaxRequests: 0, http1MaxPendingRequests: 1}\n"
           "  subsets:\n  - name: v1\n    labels: {v: \"1\"}\n"
           "    trafficPolicy:\n"
           "      loadBalancer: {consistentHash: {useSourceIp: true}}\n"
           "      connectionPool: {tcp: {connectTimeout: 5s}}\n"));
  const Scenario sc = w.Load();
  const Cluster& c = sc.mesh.clusters[0];
  const DestinationRule* d = DestinationRuleFor(sc.mesh, c, "client", nullptr,
                                                *c.FindService("shop/cart"));
  ASSERT_TRUE(d);
  const TrafficPolicy top = *d->PolicyFor(80, "");
  EXPECT_EQ(top.max_connections, 1);
  EXPECT_EQ(top.http1_max_pending, 1);
  EXPECT_FALSE(top.http2_max_requests.has_value());  // 0: no limit
  EXPECT_EQ(top.lb_simple, "RANDOM");
  const TrafficPolicy v1 = *d->PolicyFor(80, "v1");
  EXPECT_FALSE(v1.max_connections.has_value());
  EXPECT_FALSE(v1.http1_max_pending.has_value());
  EXPECT_EQ(v1.lb_simple, "");
}

}  // namespace
}  // namespace meshsim
