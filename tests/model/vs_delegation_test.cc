// §16.2: VirtualService delegation as istiod merges it
// (virtualservice.go MergeHTTPRoutes): a root route with `delegate` becomes
// the delegate's routes, matches merged, unset fields from the root.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "model/io/loader.h"

namespace meshsim {
namespace {

struct Loaded {
  std::optional<Scenario> scenario;
  std::string diags;
  bool errors = false;
};

Loaded Load(const std::string& resources) {
  Diagnostics d;
  Loaded out;
  out.scenario = LoadScenarioText(
      "clusters:\n  - name: east\n    resources:\n"
      "      - {apiVersion: v1, kind: Namespace, metadata: {name: shop}}\n"
      "      - {apiVersion: v1, kind: Namespace, metadata: {name: team}}\n"
      "      - {apiVersion: v1, kind: Service, metadata: {name: cart, "
      "namespace: shop}, spec: {selector: {app: cart}, ports: [{port: 80, "
      "name: http}]}}\n"
      "      - {apiVersion: v1, kind: Service, metadata: {name: v1, "
      "namespace: team}, spec: {selector: {app: v1}, ports: [{port: 80, "
      "name: http}]}}\n" +
          resources + "traffic: []\n",
      "s.yaml", ".", d);
  for (const Diagnostic& x : d.all()) out.diags += x.ToString() + "\n";
  out.errors = d.HasErrors();
  return out;
}

const HttpRoute* Root(const Loaded& l) {
  for (const HttpRoute& r : l.scenario->mesh.clusters[0].routes)
    if (r.name == "root") return &r;
  return nullptr;
}

const char* kRoot =
    "      - apiVersion: networking.istio.io/v1\n"
    "        kind: VirtualService\n"
    "        metadata: {name: root, namespace: shop}\n"
    "        spec:\n"
    "          hosts: [cart]\n"
    "          http:\n"
    "            - name: api\n"
    "              match: [{uri: {prefix: /api}, headers: {x-env: {exact: "
    "prod}}}]\n"
    "              timeout: 3s\n"
    "              retries: {attempts: 2}\n"
    "              rewrite: {authority: internal}\n"
    "              delegate: {name: d, namespace: team}\n"
    "            - route: [{destination: {host: cart}}]\n";

TEST(VsDelegationTest, DelegateRoutesReplaceTheRootRouteWithMergedMatches) {
  const Loaded l = Load(
      std::string(kRoot) +
      "      - apiVersion: networking.istio.io/v1\n"
      "        kind: VirtualService\n"
      "        metadata: {name: d, namespace: team}\n"
      "        spec:\n"
      "          http:\n"
      "            - name: one\n"
      "              match: [{uri: {prefix: /api/v1}, method: {exact: GET}}]\n"
      "              timeout: 5s\n"
      "              route: [{destination: {host: v1}}]\n"
      "            - match: [{uri: {prefix: /other}}]\n"
      "              route: [{destination: {host: v1}}]\n"
      "            - route: [{destination: {host: v1}}]\n");
  ASSERT_TRUE(l.scenario && !l.errors) << l.diags;
  const HttpRoute* root = Root(l);
  ASSERT_NE(root, nullptr);
  // /other is not within /api: dropped, with a warning; the rest stand in
  // the root's first route's place, before its second route.
  ASSERT_EQ(root->rules.size(), 3u) << l.diags;
  EXPECT_NE(l.diags.find("VirtualService team/d: a route's matches are not "
                         "within those of the route of VirtualService "
                         "shop/root that delegates to it"),
            std::string::npos)
      << l.diags;
  const HttpRouteRule& one = root->rules[0];
  EXPECT_EQ(one.name, "api-one");
  ASSERT_EQ(one.matches.size(), 1u);
  EXPECT_EQ(one.matches[0].path_type, "Prefix");
  EXPECT_EQ(one.matches[0].path_value, "/api/v1");
  EXPECT_EQ(one.matches[0].method, "GET");
  ASSERT_EQ(one.matches[0].headers.size(), 1u);  // the root's x-env
  EXPECT_EQ(one.matches[0].headers[0].name, "x-env");
  EXPECT_EQ(one.timeout, "5s");           // its own
  EXPECT_EQ(one.retry_attempts, 2);       // the root's
  ASSERT_EQ(one.backends.size(), 1u);     // resolved in the delegate's
  EXPECT_EQ(one.backends[0].ns, "team");  // namespace
  ASSERT_EQ(one.filters.size(), 1u);
  EXPECT_EQ(one.filters[0].type, "URLRewrite");
  EXPECT_EQ(one.filters[0].rewrite_hostname, "internal");
  // A delegate route without matches takes the root's.
  const HttpRouteRule& any = root->rules[1];
  EXPECT_EQ(any.name, "api");
  ASSERT_EQ(any.matches.size(), 1u);
  EXPECT_EQ(any.matches[0].path_value, "/api");
  EXPECT_EQ(any.timeout, "3s");
  EXPECT_FALSE(any.delegate);
  EXPECT_EQ(root->rules[2].backends.at(0).name, "cart");
}

// mergeHTTPRoute: a delegate route's mirror takes the root's
// mirrorPercentage when it sets none, even where the root has no mirror
// of its own (the field is read without one).
TEST(VsDelegationTest, ADelegatesMirrorTakesTheRootsPercentage) {
  const Loaded l = Load(
      "      - apiVersion: networking.istio.io/v1\n"
      "        kind: VirtualService\n"
      "        metadata: {name: root, namespace: shop}\n"
      "        spec:\n"
      "          hosts: [cart]\n"
      "          http:\n"
      "            - mirrorPercentage: {value: 10}\n"
      "              delegate: {name: d, namespace: team}\n"
      "      - apiVersion: networking.istio.io/v1\n"
      "        kind: VirtualService\n"
      "        metadata: {name: d, namespace: team}\n"
      "        spec:\n"
      "          http:\n"
      "            - route: [{destination: {host: v1}}]\n"
      "              mirror: {host: cart.shop.svc.cluster.local}\n");
  ASSERT_TRUE(l.scenario && !l.errors) << l.diags;
  const HttpRoute* root = Root(l);
  ASSERT_NE(root, nullptr);
  ASSERT_EQ(root->rules.size(), 1u);
  ASSERT_TRUE(root->rules[0].mirror.has_value());
  EXPECT_EQ(root->rules[0].mirror_percent, 10);
}

// stringMatchConflict: an exact root takes only the same exact; a prefix
// root takes what starts with it; a regex on either side takes nothing.
TEST(VsDelegationTest, ConflictingMatchesDropTheRoute) {
  auto routes = [&](const std::string& root_uri, const std::string& leaf_uri) {
    const Loaded l = Load(
        "      - apiVersion: networking.istio.io/v1\n"
        "        kind: VirtualService\n"
        "        metadata: {name: root, namespace: shop}\n"
        "        spec:\n"
        "          hosts: [cart]\n"
        "          http: [{match: [{uri: " +
        root_uri +
        "}], delegate: {name: d, namespace: team}}]\n"
        "      - apiVersion: networking.istio.io/v1\n"
        "        kind: VirtualService\n"
        "        metadata: {name: d, namespace: team}\n"
        "        spec:\n"
        "          http: [{match: [{uri: " +
        leaf_uri + "}], route: [{destination: {host: v1}}]}]\n");
    EXPECT_FALSE(l.errors) << l.diags;
    return Root(l) ? Root(l)->rules.size() : 99u;
  };
  EXPECT_EQ(routes("{exact: /a}", "{exact: /a}"), 1u);
  EXPECT_EQ(routes("{exact: /a}", "{exact: /b}"), 0u);
  EXPECT_EQ(routes("{exact: /a}", "{prefix: /a}"), 0u);
  EXPECT_EQ(routes("{prefix: /a}", "{exact: /a/b}"), 1u);
  EXPECT_EQ(routes("{prefix: /a}", "{prefix: /b}"), 0u);
  EXPECT_EQ(routes("{prefix: /a/b}", "{prefix: /a}"), 0u);
  EXPECT_EQ(routes("{regex: /a.*}", "{prefix: /a}"), 0u);
  EXPECT_EQ(routes("{prefix: /a}", "{regex: /a.*}"), 0u);
}

TEST(VsDelegationTest, MissingUnexportedAndUnusedDelegatesAreWarned) {
  const Loaded missing = Load(kRoot);
  ASSERT_TRUE(missing.scenario && !missing.errors) << missing.diags;
  EXPECT_EQ(Root(missing)->rules.size(), 1u);  // the delegating route goes
  EXPECT_NE(missing.diags.find("VirtualService shop/root: delegate team/d is "
                               "no VirtualService without hosts in cluster "
                               "east; istiod ignores this route"),
            std::string::npos)
      << missing.diags;
  const Loaded hidden =
      Load(std::string(kRoot) +
           "      - {apiVersion: networking.istio.io/v1, kind: VirtualService, "
           "metadata: {name: d, namespace: team}, spec: {exportTo: [.], http: "
           "[{route: [{destination: {host: v1}}]}]}}\n"
           "      - {apiVersion: networking.istio.io/v1, kind: VirtualService, "
           "metadata: {name: spare, namespace: team}, spec: {http: [{route: "
           "[{destination: {host: v1}}]}]}}\n");
  ASSERT_TRUE(hidden.scenario && !hidden.errors) << hidden.diags;
  EXPECT_EQ(Root(hidden)->rules.size(), 1u);
  EXPECT_NE(hidden.diags.find("delegate team/d is not exported to shop"),
            std::string::npos)
      << hidden.diags;
  EXPECT_NE(hidden.diags.find("VirtualService team/spare: a delegate (no "
                              "spec.hosts) that no root VirtualService in "
                              "cluster east delegates to"),
            std::string::npos)
      << hidden.diags;
}

// mergeHTTPRoute: the root's `headers` where the delegate route writes no
// `headers` of its own; a destination's header operations are not the
// route's, and response headers are.
TEST(VsDelegationTest, TheRootsHeaderOperationsJoinOnlyWhereTheRouteHasNone) {
  auto set_headers = [&](const std::string& leaf) {
    const Loaded l = Load(
        "      - {apiVersion: networking.istio.io/v1, kind: VirtualService, "
        "metadata: {name: root, namespace: shop}, spec: {hosts: [cart], "
        "http: [{headers: {request: {set: {x-ver: v2}}}, delegate: {name: d, "
        "namespace: team}}]}}\n"
        "      - {apiVersion: networking.istio.io/v1, kind: VirtualService, "
        "metadata: {name: d, namespace: team}, spec: {http: [" +
        leaf + "]}}\n");
    EXPECT_FALSE(l.errors) << l.diags;
    std::vector<std::string> out;
    for (const HttpFilter& f : Root(l)->rules.at(0).filters)
      for (const auto& [k, v] : f.set_headers) out.push_back(k + "=" + v);
    return out;
  };
  EXPECT_EQ(set_headers("{route: [{destination: {host: v1}, headers: "
                        "{request: {set: {x-dest: a}}}}]}"),
            (std::vector<std::string>{"x-dest=a", "x-ver=v2"}));
  EXPECT_EQ(set_headers("{headers: {request: {set: {x-own: b}}}, route: "
                        "[{destination: {host: v1}}]}"),
            (std::vector<std::string>{"x-own=b"}));
  EXPECT_EQ(set_headers("{headers: {response: {set: {x-out: c}}}, route: "
                        "[{destination: {host: v1}}]}"),
            (std::vector<std::string>{}));
}

// validateHTTPRouteConflict: a root route names its delegate alone.
TEST(VsDelegationTest, ARootRouteWithDestinationsOrARedirectIsRefused) {
  const Loaded l = Load(
      "      - {apiVersion: networking.istio.io/v1, kind: VirtualService, "
      "metadata: {name: root, namespace: shop}, spec: {hosts: [cart], http: "
      "[{name: r, delegate: {name: d, namespace: team}, route: "
      "[{destination: {host: cart}}]}]}}\n");
  EXPECT_TRUE(l.errors);
  EXPECT_NE(l.diags.find("spec.http[0]: a route with delegate has a route; "
                         "istiod's validation refuses it (\"root HTTP route "
                         "r must not specify route\")"),
            std::string::npos)
      << l.diags;
}

// A fault inherited beside the delegate's redirect: Envoy injects it first;
// meshsim refuses it as not modelled rather than answer with the redirect.
TEST(VsDelegationTest, AnInheritedFaultBesideARedirectIsNotModelled) {
  const Loaded l = Load(
      "      - {apiVersion: networking.istio.io/v1, kind: VirtualService, "
      "metadata: {name: root, namespace: shop}, spec: {hosts: [cart], http: "
      "[{fault: {abort: {httpStatus: 503, percentage: {value: 100}}}, "
      "delegate: {name: d, namespace: team}}]}}\n"
      "      - {apiVersion: networking.istio.io/v1, kind: VirtualService, "
      "metadata: {name: d, namespace: team}, spec: {http: [{redirect: {uri: "
      "/new}}]}}\n");
  EXPECT_TRUE(l.errors);
  EXPECT_NE(l.diags.find("takes the fault of the route of VirtualService "
                         "shop/root"),
            std::string::npos)
      << l.diags;
}

// istiod refuses a delegate that delegates again
// (validateHTTPRouteConflict), so it is an error.
TEST(VsDelegationTest, ADelegateThatDelegatesAgainIsAnError) {
  const Loaded l = Load(
      std::string(kRoot) +
      "      - {apiVersion: networking.istio.io/v1, kind: VirtualService, "
      "metadata: {name: d, namespace: team}, spec: {http: [{delegate: {name: "
      "e}}]}}\n");
  EXPECT_TRUE(l.errors);
  EXPECT_NE(l.diags.find("VirtualService team/d: a delegate VirtualService "
                         "(no spec.hosts) delegates again"),
            std::string::npos)
      << l.diags;
}

}  // namespace
}  // namespace meshsim
