// The analyzer catalogue (lint/lint.h): each rule fires on a small world
// with its exact message and location, and stays quiet once the world is
// fixed.
#include "lint/lint.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "model/io/loader.h"
#include "tests/test_world.h"

namespace meshsim {
namespace {

using testing::Ambient;
using testing::Deploy;
using testing::Ns;
using testing::ShopWorld;
using testing::Svc;
using testing::Waypoint;
using testing::World;

// The findings of `rule` as "line:col message".
std::vector<std::string> Of(const LintResult& r, const std::string& rule) {
  std::vector<std::string> out;
  for (const LintFinding& f : r.findings)
    if (f.rule == rule)
      out.push_back(std::to_string(f.location.line) + ":" +
                    std::to_string(f.location.column) + " " + f.message);
  return out;
}

const char* kAllowCurl =
    "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata:\n"
    "  name: allow-curl\n  namespace: shop\nspec:\n  selector:\n"
    "    matchLabels: {app: %s}\n  action: ALLOW\n  rules:\n"
    "  - from:\n    - source:\n        principals: [\"%s\"]\n"
    "        namespaces: [\"%s\"]\n";

std::string Policy(const std::string& app, const std::string& principal,
                   const std::string& ns) {
  char buf[1024];
  std::snprintf(buf, sizeof buf, kAllowCurl, app.c_str(), principal.c_str(),
                ns.c_str());
  return buf;
}

std::string PeerAuth(const std::string& name, const std::string& ns,
                     const std::string& mode, const std::string& ports) {
  return "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\n"
         "metadata: {name: " +
         name + ", namespace: " + ns + "}\nspec:\n" +
         (ports.empty() ? "" : "  selector: {matchLabels: {app: cart}}\n") +
         (mode.empty() ? "" : "  mtls: {mode: " + mode + "}\n") +
         (ports.empty() ? "" : "  portLevelMtls: {" + ports + "}\n");
}

// §16.5: istiod's conversion for ztunnel drops these port entries; the rule
// names the ports and what ztunnel does on them, and is quiet where the
// conversion keeps the policy's meaning.
TEST(LintTest, PeerAuthenticationPortEntriesZtunnelDoesNotEnforce) {
  struct Case {
    std::vector<std::string> policies;
    std::string want;  // a part of the one finding's message, "" for none
  };
  const std::vector<Case> cases = {
      {{PeerAuth("mesh", "istio-system", "STRICT", ""),
        PeerAuth("cart", "shop", "PERMISSIVE", "\"80\": {mode: STRICT}")},
       "ztunnel accepts plaintext on port 80, which the policy makes "
       "STRICT"},
      {{PeerAuth("mesh", "istio-system", "STRICT", ""),
        PeerAuth("cart", "shop", "", "\"80\": {mode: DISABLE}")},
       "ztunnel refuses plaintext on port 80, which the policy opens"},
      {{PeerAuth("mesh", "istio-system", "STRICT", ""),
        PeerAuth("default", "shop", "", ""),
        PeerAuth("cart", "shop", "", "\"80\": {mode: PERMISSIVE}")},
       "ztunnel accepts plaintext on every port it does not list, "
       "which the policy makes STRICT"},
      // A namespace mode keeps the STRICT entry.
      {{PeerAuth("mesh", "istio-system", "STRICT", ""),
        PeerAuth("default", "shop", "PERMISSIVE", ""),
        PeerAuth("cart", "shop", "PERMISSIVE", "\"80\": {mode: STRICT}")},
       ""},
      // The workload's own STRICT: its DISABLE entry is kept.
      {{PeerAuth("cart", "shop", "STRICT", "\"80\": {mode: DISABLE}")}, ""},
  };
  for (const Case& c : cases) {
    World w = ShopWorld();
    w.Add("east", Ns("istio-system"));
    for (const std::string& p : c.policies) w.Add("east", p);
    const auto found =
        Of(Lint(w.Load()), "peer-authentication-port-not-enforced");
    if (c.want.empty()) {
      EXPECT_TRUE(found.empty()) << found.front();
      continue;
    }
    ASSERT_EQ(found.size(), 1u) << c.want;
    EXPECT_NE(found[0].find("PeerAuthentication shop/cart: on ambient pods " +
                            c.want),
              std::string::npos)
        << found[0];
  }
  // A sidecar pod reads the policy as written: nothing to report.
  World sidecar = ShopWorld({{"istio-injection", "enabled"}});
  sidecar.Add("east", Ns("istio-system"));
  sidecar.Add("east", PeerAuth("mesh", "istio-system", "STRICT", ""));
  sidecar.Add("east",
              PeerAuth("cart", "shop", "PERMISSIVE", "\"80\": {mode: STRICT}"));
  EXPECT_TRUE(Of(Lint(sidecar.Load()), "peer-authentication-port-not-enforced")
                  .empty());
}

// §2.4: a VirtualService's destination host that serviceEntryVisibility
// hides from the Envoys applying it is named as such; with applyToSidecars
// false they see it, and nothing is reported (the istio.io docs audit of
// 2026-12-07 found "is not a Service or ServiceEntry (did you mean
// '<the same host>'?)" in both cases).
TEST(LintTest, VisibilityHiddenDestinationHost) {
  for (const bool apply : {true, false}) {
    World w = ShopWorld({{Ambient(), "ambient"}}, {}, {},
                        std::string("{version: \"1.31\", meshConfig: "
                                    "{serviceEntryVisibility: "
                                    "{defaultVisibility: NAMESPACE, "
                                    "applyToSidecars: ") +
                            (apply ? "true" : "false") + "}}}");
    w.Add("east",
          "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\n"
          "metadata: {name: private, namespace: shop}\nspec:\n"
          "  hosts: [private.example.com]\n  ports: [{number: 80, name: "
          "http, protocol: HTTP}]\n  resolution: DNS\n");
    w.Add("east",
          "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
          "metadata: {name: vs, namespace: client}\nspec:\n"
          "  hosts: [cart.shop.svc.cluster.local]\n"
          "  http: [{route: [{destination: {host: private.example.com}}]}]\n");
    const auto found = Of(Lint(w.Load()), "reference-not-found");
    if (!apply) {
      EXPECT_TRUE(found.empty()) << found[0];
      continue;
    }
    ASSERT_EQ(found.size(), 1u);
    EXPECT_NE(found[0].find("serviceEntryVisibility hides from namespace "
                            "client"),
              std::string::npos)
        << found[0];
  }
}

TEST(LintTest, PrincipalNamespaceAndSelectorThatMatchNothing) {
  World w = ShopWorld();
  w.Add("east", Policy("crat", "cluster.local/ns/client/sa/defualt", "clinet"));
  const LintResult r = Lint(w.Load());
  const auto principals = Of(r, "principal-matches-nothing");
  ASSERT_EQ(principals.size(), 1u);
  EXPECT_NE(
      principals[0].find(
          "rules[0].from.source.principals "
          "'cluster.local/ns/client/sa/defualt' matches no identity of "
          "the mesh (did you mean 'cluster.local/ns/client/sa/default'?)"),
      std::string::npos)
      << principals[0];
  const auto namespaces = Of(r, "namespace-matches-nothing");
  ASSERT_EQ(namespaces.size(), 1u);
  EXPECT_NE(namespaces[0].find("'clinet' matches no namespace of the mesh "
                               "(did you mean 'client'?)"),
            std::string::npos);
  const auto selectors = Of(r, "selector-matches-nothing");
  ASSERT_EQ(selectors.size(), 1u);
  EXPECT_NE(selectors[0].find("AuthorizationPolicy shop/allow-curl: selector "
                              "app=crat selects no pod in namespace shop"),
            std::string::npos);

  World fixed = ShopWorld();
  fixed.Add("east", Policy("cart", "cluster.local/ns/client/sa/*", "client"));
  const LintResult ok = Lint(fixed.Load());
  EXPECT_TRUE(ok.findings.empty()) << ok.findings.front().message;
}

// §8.1 (ShouldAttachPolicy): a waypoint takes no selector policy, so a
// selector that picks only a waypoint's pods applies nowhere; found by an
// audit against istioctl analyze (2026-12-07), until then lint was silent.
TEST(LintTest, SelectorPickingOnlyWaypointPodsMatchesNothing) {
  for (const std::string kind :
       {"AuthorizationPolicy", "RequestAuthentication"}) {
    World w = ShopWorld();
    w.Add("east", Waypoint("shop", "waypoint"));
    w.Add("east",
          "apiVersion: security.istio.io/v1\nkind: " + kind +
              "\nmetadata: {name: at-waypoint, namespace: shop}\nspec:\n"
              "  selector: {matchLabels: "
              "{gateway.networking.k8s.io/gateway-name: waypoint}}\n" +
              (kind == "AuthorizationPolicy"
                   ? "  action: DENY\n  rules: [{to: [{operation: {methods: "
                     "[GET]}}]}]\n"
                   : "  jwtRules: [{issuer: iss.example}]\n"));
    const auto found = Of(Lint(w.Load()), "selector-matches-nothing");
    ASSERT_EQ(found.size(), 1u) << kind;
    EXPECT_NE(
        found[0].find(kind + " shop/at-waypoint: selector "
                             "gateway.networking.k8s.io/gateway-name=waypoint "
                             "selects only pods of waypoint shop/waypoint, and "
                             "a waypoint takes no selector policy"),
        std::string::npos)
        << found[0];
  }
}

// §16.4: a RequestAuthentication by selector or namespace does nothing for
// ambient pods (ztunnel validates no token; a waypoint reads targetRefs
// only); on sidecar pods, and with targetRefs, it is read.
TEST(LintTest, RequestAuthenticationOnlyZtunnelWouldApply) {
  auto ra = [](const std::string& attach) {
    return "apiVersion: security.istio.io/v1\nkind: RequestAuthentication\n"
           "metadata: {name: jwt, namespace: shop}\nspec:\n" +
           attach + "  jwtRules: [{issuer: iss.example}]\n";
  };
  for (const std::string& attach :
       {std::string("  selector: {matchLabels: {app: cart}}\n"),
        std::string()}) {
    World w = ShopWorld();
    w.Add("east", ra(attach));
    const auto found =
        Of(Lint(w.Load()), "request-authentication-without-waypoint");
    ASSERT_EQ(found.size(), 1u) << attach;
    EXPECT_NE(found[0].find("RequestAuthentication shop/jwt applies to 1 "
                            "ambient pod (shop/cart-0)"),
              std::string::npos)
        << found[0];
  }
  World sidecar = ShopWorld({{"istio-injection", "enabled"}});
  sidecar.Add("east", ra("  selector: {matchLabels: {app: cart}}\n"));
  EXPECT_TRUE(
      Of(Lint(sidecar.Load()), "request-authentication-without-waypoint")
          .empty());
  World waypoint = ShopWorld();
  waypoint.Add("east", ra("  targetRefs: [{kind: Service, group: '', name: "
                          "cart}]\n"));
  EXPECT_TRUE(
      Of(Lint(waypoint.Load()), "request-authentication-without-waypoint")
          .empty());
}

// §8.1 (policies.go AncestorNotBound): a targetRefs policy on a Service no
// waypoint serves is enforced nowhere; bound, it is the waypoint's.
TEST(LintTest, PolicyTargetingAServiceWithoutWaypoint) {
  const std::string policy =
      "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
      "metadata: {name: p, namespace: shop}\nspec:\n  targetRefs: [{kind: "
      "Service, group: '', name: cart}]\n  rules: [{to: [{operation: "
      "{methods: [GET]}}]}]\n";
  World bare = ShopWorld();
  bare.Add("east", policy);
  const auto found = Of(Lint(bare.Load()), "policy-target-not-bound");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_NE(found[0].find("AuthorizationPolicy shop/p targets Service "
                          "shop/cart, which no waypoint serves"),
            std::string::npos)
      << found[0];
  World bound = ShopWorld(
      {{Ambient(), "ambient"}, {"istio.io/use-waypoint", "waypoint"}});
  bound.Add("east", Waypoint("shop", "waypoint"));
  bound.Add("east", policy);
  EXPECT_TRUE(Of(Lint(bound.Load()), "policy-target-not-bound").empty());
  EXPECT_TRUE(Of(Lint(bound.Load()), "policy-at-agentgateway").empty());
  // §16: bound to an agentgateway waypoint, the policy (and one on that
  // Gateway) applies nowhere.
  World agw = ShopWorld(
      {{Ambient(), "ambient"}, {"istio.io/use-waypoint", "waypoint"}});
  agw.Add("east",
          "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\n"
          "metadata: {name: istio-agentgateway-waypoint}\nspec: "
          "{controllerName: istio.io/agentgateway-waypoint-controller}\n");
  agw.Add("east",
          Waypoint("shop", "waypoint", "", "", "istio-agentgateway-waypoint"));
  agw.Add("east", policy);
  agw.Add("east",
          "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
          "metadata: {name: g, namespace: shop}\nspec:\n  targetRefs: [{kind: "
          "Gateway, group: gateway.networking.k8s.io, name: waypoint}]\n"
          "  rules: [{}]\n");
  const auto agw_found = Of(Lint(agw.Load()), "policy-at-agentgateway");
  ASSERT_EQ(agw_found.size(), 2u);
  EXPECT_NE(agw_found[0].find("whose waypoint shop/waypoint is an "
                              "agentgateway proxy"),
            std::string::npos)
      << agw_found[0];
  EXPECT_TRUE(Of(Lint(agw.Load()), "policy-target-not-bound").empty());
}

// §4.6: a rule admitting 15008 only from addresses no pod has (istio.io's
// probe rule, 169.254.7.127/32) admits no HBONE sender; one whose ipBlock
// holds the pods' addresses does.
TEST(LintTest, NetworkPolicyAdmitting15008OnlyFromNoPodBlocksHbone) {
  auto found = [](const std::string& cidr) {
    World w = ShopWorld();
    w.Add("east",
          "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
          "metadata: {name: np, namespace: shop}\nspec:\n"
          "  podSelector: {matchLabels: {app: cart}}\n"
          "  ingress:\n  - from: [{ipBlock: {cidr: " +
              cidr + "}}]\n");
    return Of(Lint(w.Load()), "network-policy-blocks-hbone");
  };
  const std::vector<std::string> probes = found("169.254.7.127/32");
  ASSERT_EQ(probes.size(), 1u);
  EXPECT_NE(probes[0].find("allows no pod's traffic on TCP port 15008"),
            std::string::npos)
      << probes[0];
  EXPECT_TRUE(found("0.0.0.0/0").empty());
}

// ... and a pod of another cluster on the network sends HBONE directly: an
// ipBlock holding its address admits it.
TEST(LintTest, NetworkPolicyAdmitting15008FromAnotherClustersPodIsFine) {
  auto world = [](const std::string& cidr) {
    World w("{flags: {AMBIENT_ENABLE_MULTI_NETWORK: true}}");
    w.Cluster("east", "net", 1).Cluster("west", "net", 1);
    for (const char* c : {"east", "west"})
      w.Add(c, Ns("shop", {{Ambient(), "ambient"}}));
    w.Add("east", Deploy("shop", "cart"));
    w.Add("west", Deploy("shop", "curl"));
    if (!cidr.empty())
      w.Add("east",
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
            "metadata: {name: np, namespace: shop}\nspec:\n"
            "  podSelector: {matchLabels: {app: cart}}\n"
            "  ingress:\n  - from: [{ipBlock: {cidr: " +
                cidr + "}}]\n    ports: [{port: 15008}]\n");
    return w.Load();
  };
  const Scenario plain = world("");
  std::string west_ip;
  for (const Workload& wl : plain.mesh.clusters[1].workloads)
    if (wl.name.rfind("curl", 0) == 0) west_ip = wl.ip;
  ASSERT_FALSE(west_ip.empty());
  EXPECT_TRUE(
      Of(Lint(world(west_ip + "/32")), "network-policy-blocks-hbone").empty());
  EXPECT_EQ(
      Of(Lint(world("169.254.7.127/32")), "network-policy-blocks-hbone").size(),
      1u);
}

// §8.2: a waypoint or sidecar takes remote.ip from X-Forwarded-For; an
// ingress Gateway's own address handling, and ipBlocks, are not flagged.
TEST(LintTest, RemoteAddressRulesAWaypointReadsFromAHeader) {
  auto found = [](const std::string& target, const std::string& from) {
    World w = ShopWorld(
        {{Ambient(), "ambient"}, {"istio.io/use-waypoint", "waypoint"}});
    w.Add("east", Waypoint("shop", "waypoint"));
    w.Add("east",
          "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
          "metadata: {name: p, namespace: shop}\nspec:\n" +
              target + "  action: DENY\n  rules:\n  - from: [{source: {" +
              from + ": [1.2.3.4/32]}}]\n");
    return Of(Lint(w.Load()), "remote-ip-from-header");
  };
  const std::string at_waypoint =
      "  targetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, "
      "name: waypoint}]\n";
  const auto flagged = found(at_waypoint, "remoteIpBlocks");
  ASSERT_EQ(flagged.size(), 1u);
  EXPECT_NE(flagged[0].find("the waypoint it targets, takes from the last "
                            "X-Forwarded-For entry"),
            std::string::npos)
      << flagged[0];
  EXPECT_TRUE(found(at_waypoint, "ipBlocks").empty());
  // A selector policy on ambient pods is ztunnel's (remote.ip is L7 there).
  EXPECT_TRUE(
      found("  selector: {matchLabels: {app: cart}}\n", "remoteIpBlocks")
          .empty());
}

// §8.1: a negative pattern that matches nothing excludes no one, so its
// rule matches every source the rest of it does; the fix says so (a DENY
// then applies to everyone), not that the rule never applies.
TEST(LintTest, NotPrincipalThatMatchesNothingExcludesNoOne) {
  for (const std::string action : {"DENY", "ALLOW"}) {
    World w = ShopWorld();
    w.Add("east",
          "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
          "metadata: {name: p, namespace: shop}\nspec:\n  action: " +
              action +
              "\n  rules:\n  - from:\n    - source: {notPrincipals: "
              "[cluster.local/ns/client/sa/crul], notNamespaces: [clinet]}\n");
    const LintResult r = Lint(w.Load());
    ASSERT_EQ(r.findings.size(), 2u) << action;
    for (const LintFinding& f : r.findings) {
      EXPECT_NE(f.fix.find("excludes no one"), std::string::npos) << f.fix;
      EXPECT_EQ(f.fix.find("never applies"), std::string::npos) << f.fix;
    }
  }
}

// §3.4: a selector that matches a ServiceEntry's labels selects its inline
// endpoints (istiod picks their policies by the entry's labels), not one
// that matches only an endpoint's own labels.
TEST(LintTest, SelectorOfAServiceEntryWithEndpointsMatchesThem) {
  auto world = [](const std::string& app) {
    World w = ShopWorld();
    w.Add("east",
          "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n"
          "  name: vms\n  namespace: shop\n  labels: {app: vms}\nspec:\n"
          "  hosts: [vms.example.com]\n  resolution: STATIC\n"
          "  ports: [{number: 80, name: http}]\n"
          "  endpoints: [{address: 192.0.2.1, labels: {app: vm}}]\n");
    w.Add("east", Policy(app, "cluster.local/ns/client/sa/*", "client"));
    return w;
  };
  EXPECT_TRUE(
      Of(Lint(world("vms").Load()), "selector-matches-nothing").empty());
  EXPECT_EQ(Of(Lint(world("vm").Load()), "selector-matches-nothing").size(),
            1u);
}

TEST(LintTest, UseWaypointAndRouteReferencesThatNameNothing) {
  World w = ShopWorld({{Ambient(), "ambient"}},
                      {{"istio.io/use-waypoint", "waypont"}});
  w.Add("east", Waypoint("shop", "waypoint"));
  w.Add("east",
        "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\n"
        "metadata:\n  name: r\n  namespace: shop\nspec:\n  parentRefs:\n"
        "  - {kind: Service, group: \"\", name: cart}\n  rules:\n"
        "  - backendRefs:\n    - {name: crat, port: 80}\n");
  const auto refs = Of(Lint(w.Load()), "reference-not-found");
  ASSERT_EQ(refs.size(), 2u);
  EXPECT_NE(refs[0].find("HTTPRoute shop/r: backendRefs names Service "
                         "shop/crat, which does not exist in cluster east "
                         "(did you mean 'shop/cart'?)"),
            std::string::npos)
      << refs[0];
  EXPECT_NE(refs[1].find("Service shop/cart: istio.io/use-waypoint=waypont "
                         "names Gateway shop/waypont, which does not exist in "
                         "cluster east (did you mean 'shop/waypoint'?)"),
            std::string::npos)
      << refs[1];
}

// §9: Istio's buildDestination routes to no ServiceEntry by name (an
// unsupported backendRef, 500); its host, as kind Hostname, is the way.
TEST(LintTest, AServiceEntryBackendByNameIsNoBackend) {
  World w = ShopWorld();
  w.Add("east",
        "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n"
        "  name: ext\n  namespace: shop\nspec:\n  hosts: [ext.example.com]\n"
        "  addresses: [240.0.0.9]\n  resolution: STATIC\n"
        "  ports: [{number: 80, name: http}]\n"
        "  endpoints: [{address: 192.0.2.77}]\n");
  w.Add("east",
        "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\n"
        "metadata:\n  name: r\n  namespace: shop\nspec:\n  parentRefs:\n"
        "  - {kind: Service, group: \"\", name: cart}\n  rules:\n"
        "  - backendRefs:\n    - {group: networking.istio.io, kind: "
        "ServiceEntry, name: ext, port: 80}\n");
  const auto refs = Of(Lint(w.Load()), "reference-not-found");
  ASSERT_EQ(refs.size(), 1u);
  EXPECT_NE(refs[0].find("backendRefs names ServiceEntry shop/ext, a kind "
                         "Istio does not route to"),
            std::string::npos)
      << refs[0];
}

TEST(LintTest, VirtualServiceAndDestinationRuleReferences) {
  // §16.1–§16.3: destination hosts, subsets and gateways of a
  // VirtualService, and a DestinationRule's host, must name something.
  World w = ShopWorld();
  w.Add("east",
        "apiVersion: networking.istio.io/v1\nkind: DestinationRule\n"
        "metadata:\n  name: cart\n  namespace: shop\nspec:\n  host: cart\n"
        "  subsets:\n  - name: v1\n    labels: {version: v1}\n");
  w.Add("east",
        "apiVersion: networking.istio.io/v1beta1\nkind: DestinationRule\n"
        "metadata:\n  name: typo\n  namespace: shop\nspec:\n  host: crat\n");
  w.Add("east",
        "apiVersion: networking.istio.io/v1alpha3\nkind: VirtualService\n"
        "metadata:\n  name: cart\n  namespace: shop\nspec:\n  hosts: [cart]\n"
        "  gateways: [mesh, public]\n  http:\n  - route:\n"
        "    - destination: {host: cart, subset: v2}\n      weight: 50\n"
        "    - destination: {host: crat}\n      weight: 50\n");
  const auto refs = Of(Lint(w.Load()), "reference-not-found");
  ASSERT_EQ(refs.size(), 4u);
  EXPECT_NE(refs[0].find("VirtualService shop/cart: gateways names "
                         "shop/public, which is not an Istio Gateway"),
            std::string::npos)
      << refs[0];
  EXPECT_NE(refs[1].find("VirtualService shop/cart: subset 'v2' of cart is "
                         "not defined by DestinationRule shop/cart"),
            std::string::npos)
      << refs[1];
  EXPECT_NE(refs[2].find("VirtualService shop/cart: destination host crat is "
                         "not a Service or ServiceEntry in cluster east (did "
                         "you mean 'cart.shop.svc.cluster.local'?)"),
            std::string::npos)
      << refs[2];
  EXPECT_NE(refs[3].find("DestinationRule shop/typo: host crat covers no "
                         "Service or ServiceEntry"),
            std::string::npos)
      << refs[3];
}

// §16.2 (istioctl analyze's destination-port check): a destination port
// the Service does not declare has no Envoy cluster; the declared port is
// fine.
TEST(LintTest, VirtualServiceDestinationPortTheServiceLacks) {
  World w = ShopWorld();
  w.Add(
      "east",
      "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
      "metadata:\n  name: cart\n  namespace: shop\nspec:\n  hosts: [cart]\n"
      "  http:\n  - route:\n"
      "    - destination: {host: cart, port: {number: 999}}\n      weight: 50\n"
      "    - destination: {host: cart, port: {number: 80}}\n      weight: "
      "50\n");
  const auto refs = Of(Lint(w.Load()), "reference-not-found");
  ASSERT_EQ(refs.size(), 1u);
  EXPECT_NE(refs[0].find("VirtualService shop/cart: destination port 999 of "
                         "cart is not a port of Service shop/cart (its ports: "
                         "80)"),
            std::string::npos)
      << refs[0];
}

// §16.1 (istioctl analyze IST0173): a subset a route sends to whose labels
// match no endpoint of the host; a subset nothing routes to is left alone.
TEST(LintTest, RoutedSubsetThatSelectsNoEndpoint) {
  World w = ShopWorld();
  w.Add("east",
        "apiVersion: networking.istio.io/v1\nkind: DestinationRule\n"
        "metadata:\n  name: cart\n  namespace: shop\nspec:\n  host: cart\n"
        "  subsets:\n  - {name: main, labels: {app: cart}}\n"
        "  - {name: typo, labels: {app: crat}}\n"
        "  - {name: local, labels: {topology.istio.io/cluster: east}}\n"
        "  - {name: unused, labels: {app: none}}\n");
  w.Add("east",
        "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
        "metadata:\n  name: cart\n  namespace: shop\nspec:\n  hosts: [cart]\n"
        "  http:\n  - route:\n"
        "    - destination: {host: cart, subset: main}\n      weight: 40\n"
        "    - destination: {host: cart, subset: local}\n      weight: 30\n"
        "    - destination: {host: cart, subset: typo}\n      weight: 30\n");
  // `local` selects by istiod's topology label (AugmentLabels): the pod
  // runs in cluster east.
  const auto found = Of(Lint(w.Load()), "subset-selects-nothing");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_NE(found[0].find("DestinationRule shop/cart: subset 'typo' (labels "
                          "app=crat) selects none of the 1 endpoint(s) of "
                          "host cart"),
            std::string::npos)
      << found[0];
}

// §16.2 (istioctl analyze IST0109): two VirtualServices of one namespace
// for mesh naming one host; reported once, at the newer.
TEST(LintTest, TwoVirtualServicesForOneHost) {
  World w = ShopWorld();
  auto vs = [](const std::string& name, const std::string& created,
               const std::string& host) {
    return "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
           "metadata:\n  name: " +
           name + "\n  namespace: shop\n  creationTimestamp: \"" + created +
           "\"\nspec:\n  hosts: [" + host +
           "]\n  http:\n  - route:\n    - destination: {host: cart}\n";
  };
  w.Add("east", vs("newer", "2026-02-01T00:00:00Z", "cart"));
  w.Add("east",
        vs("older", "2026-01-01T00:00:00Z", "cart.shop.svc.cluster.local"));
  w.Add("east", vs("other", "2026-03-01T00:00:00Z", "pay"));
  // Only tcp rules: no HTTP route to conflict with.
  w.Add("east",
        "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
        "metadata: {name: tcp-only, namespace: shop}\nspec:\n"
        "  hosts: [cart]\n  tcp: [{route: [{destination: {host: cart}}]}]\n");
  const auto found = Of(Lint(w.Load()), "conflicting-virtual-services");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_NE(
      found[0].find("VirtualService shop/newer names host cart for "
                    "mesh, as the older VirtualService shop/older "
                    "does: a sidecar applies only shop/older's HTTP routes"),
      std::string::npos)
      << found[0];
}

// §16.3 (istioctl analyze IST0132): a VirtualService bound to an Istio
// Gateway whose servers take none of its hosts for its namespace; a
// server host of its own namespace, or a wildcard one, takes it.
TEST(LintTest, VirtualServiceHostTheGatewayDoesNotServe) {
  auto world = [](const std::string& server_host) {
    World w = ShopWorld();
    w.Add("east",
          "apiVersion: networking.istio.io/v1\nkind: Gateway\n"
          "metadata: {name: gw, namespace: shop}\nspec:\n"
          "  selector: {istio: ingressgateway}\n"
          "  servers:\n  - port: {number: 80, name: http, protocol: HTTP}\n"
          "    hosts: [\"" +
              server_host + "\"]\n");
    w.Add("east",
          "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
          "metadata: {name: public, namespace: shop}\nspec:\n"
          "  hosts: [shop.example.com]\n  gateways: [gw]\n"
          "  http:\n  - route: [{destination: {host: cart}}]\n");
    return Of(Lint(w.Load()), "virtual-service-host-not-in-gateway");
  };
  const auto other_ns = world("other/shop.example.com");
  ASSERT_EQ(other_ns.size(), 1u);
  EXPECT_NE(other_ns[0].find("VirtualService shop/public is bound to Istio "
                             "Gateway shop/gw, but none of its hosts "
                             "(shop.example.com) is a host of that Gateway's "
                             "servers for namespace shop"),
            std::string::npos)
      << other_ns[0];
  EXPECT_EQ(world("bookinfo.example.com").size(), 1u);
  EXPECT_TRUE(world("./shop.example.com").empty());
  EXPECT_TRUE(world("*/*.example.com").empty());
  EXPECT_TRUE(world("*").empty());
}

// §16.4 (istioctl analyze IST0149): claim routing at an Istio Gateway
// needs a RequestAuthentication on the gateway's pods; one in the
// application's namespace does not count, one selecting the pods in their
// namespace does.
TEST(LintTest, JwtClaimRouteWithoutAuthenticationAtTheGateway) {
  auto found = [](const std::string& ra_ns, const std::string& ra_selector) {
    World w = ShopWorld();
    testing::AddIngressGateway(w);
    w.Add("east", testing::IstioGatewayShopGw());
    w.Add("east",
          "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
          "metadata: {name: public, namespace: shop}\nspec:\n"
          "  hosts: [\"*\"]\n  gateways: [gw]\n  http:\n"
          "  - match: [{headers: {\"@request.auth.claims.group\": "
          "{exact: beta}}}]\n"
          "    route: [{destination: {host: cart}}]\n");
    w.Add("east",
          "apiVersion: security.istio.io/v1\nkind: RequestAuthentication\n"
          "metadata: {name: jwt, namespace: " +
              ra_ns + "}\nspec:\n" + ra_selector +
              "  jwtRules: [{issuer: iss.example}]\n");
    return Of(Lint(w.Load()), "jwt-claim-route-without-authentication");
  };
  const auto missing = found("shop", "");
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_NE(missing[0].find("VirtualService shop/public routes on "
                            "@request.auth.claims.group at Istio Gateway "
                            "shop/gw, but no RequestAuthentication applies to "
                            "its pod istio-system/istio-ingressgateway-"),
            std::string::npos)
      << missing[0];
  EXPECT_TRUE(found("istio-system",
                    "  selector: {matchLabels: {istio: ingressgateway}}\n")
                  .empty());
  EXPECT_TRUE(found("istio-system", "").empty());
}

// §16.4: an ingress that verifies an issuer's tokens without
// forwardOriginalToken removes them before the proxy it sends the service
// to; one that verifies the same issuer again there never sees them. The
// proxy behind is the service's waypoint (ingress-use-waypoint) or, without
// one, its sidecar pods. Quiet when the ingress's rule forwards the token,
// when the proxy behind checks another issuer, or when no route sends there.
TEST(LintTest, JwtNotForwardedToTheProxyBehindTheIngress) {
  auto found = [](bool waypoint, const std::string& forward,
                  const std::string& behind_issuer, bool routed) {
    World w;
    w.Cluster("east", "net-east", 1);
    if (waypoint) {
      w.Add("east", Ns("shop", {{Ambient(), "ambient"},
                                {"istio.io/use-waypoint", "waypoint"}}));
      w.Add("east", Waypoint("shop", "waypoint"));
    } else {
      w.Add("east", Ns("shop", {{"istio-injection", "enabled"}}));
    }
    w.Add("east", Deploy("shop", "cart"));
    w.Add("east",
          Svc("shop", "cart", 80, {{"istio.io/ingress-use-waypoint", "true"}}));
    w.Add("east", testing::Ingress("shop", "public"));
    if (routed)
      w.Add("east", testing::IngressRoute("shop", "cart", "shop", "public",
                                          "cart", 80));
    w.Add("east",
          "apiVersion: security.istio.io/v1\nkind: RequestAuthentication\n"
          "metadata: {name: edge, namespace: shop}\nspec:\n"
          "  targetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, "
          "name: public}]\n"
          "  jwtRules:\n  - issuer: iss.example\n" +
              forward);
    const std::string target =
        waypoint ? "  targetRefs: [{kind: Gateway, group: "
                   "gateway.networking.k8s.io, name: waypoint}]\n"
                 : "  selector: {matchLabels: {app: cart}}\n";
    w.Add("east",
          "apiVersion: security.istio.io/v1\nkind: RequestAuthentication\n"
          "metadata: {name: again, namespace: shop}\nspec:\n" +
              target + "  jwtRules: [{issuer: " + behind_issuer + "}]\n");
    return Of(Lint(w.Load()), "jwt-not-forwarded");
  };
  const auto at_waypoint = found(true, "", "iss.example", true);
  ASSERT_EQ(at_waypoint.size(), 1u);
  EXPECT_NE(at_waypoint[0].find(
                "RequestAuthentication shop/edge at ingress shop/public "
                "verifies tokens of issuer iss.example without "
                "forwardOriginalToken, so Envoy removes them from the "
                "request; the ingress sends service shop/cart to waypoint "
                "shop/waypoint, whose RequestAuthentication shop/again "
                "verifies them again"),
            std::string::npos)
      << at_waypoint[0];
  const auto at_sidecar = found(false, "", "iss.example", true);
  ASSERT_EQ(at_sidecar.size(), 1u);
  EXPECT_NE(at_sidecar[0].find("to the sidecar of pod shop/cart-"),
            std::string::npos)
      << at_sidecar[0];
  EXPECT_TRUE(
      found(true, "    forwardOriginalToken: true\n", "iss.example", true)
          .empty());
  EXPECT_TRUE(found(true, "", "other.example", true).empty());
  EXPECT_TRUE(found(true, "", "iss.example", false).empty());
  // Two rules for the issuer: the first, which forwards, takes the token.
  EXPECT_TRUE(found(true,
                    "    forwardOriginalToken: true\n  - issuer: iss.example\n",
                    "iss.example", true)
                  .empty());
}

// The same through the classic ingress gateway (a Router of Istio
// Gateways), as Istio's authentication task configures it: the
// RequestAuthentication selects the gateway's pods; the VirtualService
// bound to the Gateway sends cart's host to the service.
TEST(LintTest, JwtNotForwardedThroughAnIstioGateway) {
  auto found = [](const std::string& forward) {
    World w = ShopWorld(
        {{Ambient(), "ambient"}, {"istio.io/use-waypoint", "waypoint"}},
        {{"istio.io/ingress-use-waypoint", "true"}});
    w.Add("east", Waypoint("shop", "waypoint"));
    testing::AddIngressGateway(w);
    w.Add("east", testing::IstioGatewayShopGw());
    w.Add("east", testing::VirtualServiceToCart("public", "[\"*\"]"));
    w.Add("east",
          "apiVersion: security.istio.io/v1\nkind: RequestAuthentication\n"
          "metadata: {name: edge, namespace: istio-system}\nspec:\n"
          "  selector: {matchLabels: {istio: ingressgateway}}\n"
          "  jwtRules:\n  - issuer: iss.example\n" +
              forward);
    w.Add("east",
          "apiVersion: security.istio.io/v1\nkind: RequestAuthentication\n"
          "metadata: {name: again, namespace: shop}\nspec:\n"
          "  targetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, "
          "name: waypoint}]\n  jwtRules: [{issuer: iss.example}]\n");
    return Of(Lint(w.Load()), "jwt-not-forwarded");
  };
  const auto removed = found("");
  ASSERT_EQ(removed.size(), 1u);
  EXPECT_NE(removed[0].find("RequestAuthentication istio-system/edge at "
                            "ingress istio-system/istio-ingressgateway "
                            "verifies tokens of issuer iss.example"),
            std::string::npos)
      << removed[0];
  EXPECT_NE(removed[0].find("sends service shop/cart to waypoint "
                            "shop/waypoint"),
            std::string::npos)
      << removed[0];
  EXPECT_TRUE(found("    forwardOriginalToken: true\n").empty());
}

TEST(LintTest, VirtualServiceAndHttpRouteForOneServiceAreMixed) {
  // istio.io docs/ambient/migrate: mixing VirtualService and HTTPRoute for
  // one workload is unsupported, with undefined behaviour (§16.2).
  World w = ShopWorld();
  const std::string vs =
      "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
      "metadata:\n  name: cart\n  namespace: shop\nspec:\n  hosts: [cart]\n"
      "  http:\n  - route:\n    - destination: {host: cart}\n";
  const std::string route =
      "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\n"
      "metadata:\n  name: cart\n  namespace: shop\nspec:\n  parentRefs:\n"
      "  - {kind: Service, group: \"\", name: cart}\n  rules:\n"
      "  - backendRefs:\n    - {name: cart, port: 80}\n";
  w.Add("east", vs).Add("east", route);
  const auto mixed = Of(Lint(w.Load()), "mixed-route-apis");
  ASSERT_EQ(mixed.size(), 1u);
  EXPECT_NE(mixed[0].find("VirtualService shop/cart and HTTPRoute shop/cart "
                          "both route shop/cart in cluster east"),
            std::string::npos)
      << mixed[0];
  World one = ShopWorld();
  one.Add("east", vs);
  EXPECT_TRUE(Of(Lint(one.Load()), "mixed-route-apis").empty());
}

TEST(LintTest, ExpectationsNameExistingPoliciesAndWaypoints) {
  World w = ShopWorld();
  w.Traffic("t", "{cluster: east, namespace: client, workload: curl}",
            "{host: cart.shop.svc.cluster.local, port: 80}");
  Scenario s = w.Load();
  Expectation x;
  x.name = "denied";
  x.traffic = "t";
  x.denied_by = "shop/deny-al";
  x.via = std::vector<std::string>{"shop/waypoint"};
  s.expect.push_back(x);
  const auto refs = Of(Lint(s), "reference-not-found");
  ASSERT_EQ(refs.size(), 2u);
  EXPECT_NE(refs[0].find("expect 'denied': denied_by shop/deny-al names no "
                         "AuthorizationPolicy, PeerAuthentication or "
                         "RequestAuthentication"),
            std::string::npos);
  EXPECT_NE(refs[1].find("expect 'denied': via names shop/waypoint, which is "
                         "no Gateway"),
            std::string::npos);
}

TEST(LintTest, UnknownGatewayClassIsNoWaypoint) {
  World w = ShopWorld(
      {{Ambient(), "ambient"}, {"istio.io/use-waypoint", "waypoint"}});
  w.Add("east", Waypoint("shop", "waypoint", "", "", "istio-waypont"));
  const Scenario s = w.Load();
  const auto classes = Of(Lint(s), "unknown-gateway-class");
  ASSERT_EQ(classes.size(), 1u);
  EXPECT_NE(classes[0].find("Gateway shop/waypoint: gatewayClassName "
                            "'istio-waypont' is neither built in nor defined "
                            "by a GatewayClass; nothing programs it, so it is "
                            "no waypoint and no gateway (did you mean "
                            "'istio-waypoint'?)"),
            std::string::npos)
      << classes[0];
  // Nothing deploys it, and it is not programmed.
  const Cluster& c = s.mesh.clusters[0];
  EXPECT_FALSE(c.FindGateway("shop/waypoint")->Programmed());
  EXPECT_EQ(c.gateway_pods.count("shop/waypoint"), 0u);
}

// §1.1: an inject annotation without the label or namespace injection.
TEST(LintTest, InjectAnnotationIgnored) {
  World w;
  w.Add("east", Ns("shop", {{Ambient(), "ambient"}}));
  w.Add("east", Ns("sc", {{"istio-injection", "enabled"}}));
  for (const std::string ns : {"shop", "sc"})
    w.Add(
        "east",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: legacy\n  namespace: " +
            ns +
            "\n  annotations:\n    sidecar.istio.io/inject: \"true\"\n"
            "spec:\n  containers: [{name: app, image: x}]\n");
  const auto found = Of(Lint(w.Load()), "inject-annotation-ignored");
  ASSERT_EQ(found.size(), 1u);  // the sc pod is injected by its namespace
  EXPECT_NE(found[0].find("Pod shop/legacy: annotation sidecar.istio.io/inject"
                          "=true injects nothing"),
            std::string::npos)
      << found[0];
  EXPECT_NE(found[0].find("captured by ambient instead"), std::string::npos);
}

// §1.1 (istioctl analyze IST0123): an ambient namespace that also injects
// sidecars; istio-injection=disabled beside istio.io/rev injects nothing.
TEST(LintTest, AmbientNamespaceThatInjectsSidecars) {
  World w;
  w.Add("east",
        Ns("both", {{Ambient(), "ambient"}, {"istio-injection", "enabled"}}));
  w.Add("east",
        Ns("rev", {{Ambient(), "ambient"}, {"istio.io/rev", "canary"}}));
  w.Add("east", Ns("disabled", {{Ambient(), "ambient"},
                                {"istio-injection", "disabled"},
                                {"istio.io/rev", "canary"}}));
  w.Add("east", Ns("plain", {{Ambient(), "ambient"}}));
  const auto found = Of(Lint(w.Load()), "ambient-namespace-injected");
  ASSERT_EQ(found.size(), 2u);
  EXPECT_NE(found[0].find("Namespace both has labels istio.io/dataplane-mode="
                          "ambient and istio-injection=enabled: its pods get "
                          "sidecars"),
            std::string::npos)
      << found[0];
  EXPECT_NE(found[1].find("Namespace rev has labels istio.io/dataplane-mode="
                          "ambient and istio.io/rev=canary"),
            std::string::npos)
      << found[1];
}

TEST(LintTest, LabelValuesIstioIgnores) {
  World w;
  w.Add("east", Ns("shop", {{Ambient(), "ambiant"}}));
  w.Add("east", Deploy("shop", "cart"));
  w.Add("east",
        Svc("shop", "cart", 80, {{"istio.io/ingress-use-waypoint", "yes"}}));
  const auto labels = Of(Lint(w.Load()), "unknown-label-value");
  ASSERT_EQ(labels.size(), 2u);
  EXPECT_NE(labels[0].find("Namespace shop: label istio.io/dataplane-mode="
                           "ambiant is ignored: the object is not captured by "
                           "it (§1.1); expected one of ambient, none (did you "
                           "mean 'ambient'?)"),
            std::string::npos)
      << labels[0];
  EXPECT_NE(
      labels[1].find("Service shop/cart: label "
                     "istio.io/ingress-use-waypoint=yes is read as false"),
      std::string::npos)
      << labels[1];
}

// §5: istio.io/ingress-use-waypoint as each release reads it: "true" as
// written before 1.25, in any letter case to 1.29, Go's ParseBool from
// 1.30. A value the release reads as false is flagged.
TEST(LintTest, IngressUseWaypointValuesByRelease) {
  const std::vector<std::string> values = {"true", "True", "1", "false"};
  auto flagged = [&](const std::string& version) {
    World w("{version: \"" + version + "\"}");
    w.Add("east", Ns("shop", {{Ambient(), "ambient"}}));
    w.Add("east", Deploy("shop", "cart"));
    for (size_t i = 0; i < values.size(); ++i)
      w.Add("east", Svc("shop", "s" + std::to_string(i), 80,
                        {{"istio.io/ingress-use-waypoint", values[i]}}));
    std::set<std::string> out;
    for (const std::string& f : Of(Lint(w.Load()), "unknown-label-value"))
      for (size_t i = 0; i < values.size(); ++i)
        if (f.find("Service shop/s" + std::to_string(i) + ":") !=
            std::string::npos)
          out.insert(values[i]);
    return out;
  };
  EXPECT_EQ(flagged("1.24"), (std::set<std::string>{"True", "1"}));
  EXPECT_EQ(flagged("1.28"), (std::set<std::string>{"1"}));
  EXPECT_EQ(flagged("1.30"), (std::set<std::string>{}));
}

TEST(LintTest, PortNotOnService) {
  World w = ShopWorld();
  w.Traffic("t", "{cluster: east, namespace: client, workload: curl}",
            "{host: cart.shop.svc.cluster.local, port: 8080}");
  w.Traffic("ok", "{cluster: east, namespace: client, workload: curl}",
            "{host: cart.shop.svc.cluster.local, port: 80}");
  // From an ingress, the port is the gateway's (8080 here, the server's):
  // the VirtualService picks the Service's port, so nothing to say.
  const std::string dir = "scenarios/istio-gateway-port-translation/manifests";
  for (const std::string file :
       {"/ingressgateway-opt-out-true.yaml", "/gateway-server-8080.yaml"}) {
    const std::string text = testing::ReadFile(dir + file);
    ASSERT_FALSE(text.empty()) << file;
    for (size_t at = 0; at < text.size();) {  // one object at a time
      size_t end = text.find("\n---\n", at);
      if (end == std::string::npos) end = text.size();
      const std::string doc = text.substr(at, end - at);
      if (doc.find("kind:") != std::string::npos) w.Add("east", doc);
      at = end + 5;
    }
  }
  w.Traffic("ingress", "{cluster: east, ingress: shop/gw}",
            "{host: cart.shop.svc.cluster.local, port: 8080}");
  const auto ports = Of(Lint(w.Load()), "port-not-on-service");
  ASSERT_EQ(ports.size(), 1u);
  EXPECT_NE(ports[0].find("traffic 't': Service shop/cart has no port 8080 "
                          "(it has 80); the connection is refused"),
            std::string::npos)
      << ports[0];
}

// §8.6: plain TCP (no `http`) to a port declared HTTP that a waypoint
// serves; not with `http`, not on an undeclared port, not without a
// waypoint.
TEST(LintTest, TcpToHttpPort) {
  World w = ShopWorld(
      {{testing::Ambient(), "ambient"}, {"istio.io/use-waypoint", "waypoint"}});
  w.Add("east", testing::Waypoint("shop", "waypoint"));
  w.Add("east", testing::Svc("shop", "raw", 80, {}, "", "cart"));
  w.Add("east",
        "apiVersion: v1\nkind: Service\nmetadata: {name: plain, namespace: "
        "shop}\nspec:\n  selector: {app: cart}\n  ports: [{name: web, port: "
        "80}]\n");
  w.Traffic("tcp", "{cluster: east, namespace: client, workload: curl}",
            "{host: cart.shop, port: 80}");
  w.Traffic("http", "{cluster: east, namespace: client, workload: curl}",
            "{host: raw.shop, port: 80}", "{method: GET, path: /}");
  w.Traffic("undeclared", "{cluster: east, namespace: client, workload: curl}",
            "{host: plain.shop, port: 80}");
  const auto found = Of(Lint(w.Load()), "tcp-to-http-port");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_NE(found[0].find("traffic 'tcp' has no `http`, so it is plain TCP, "
                          "to port 80 of shop/cart, which is declared HTTP "
                          "and served by waypoint shop/waypoint"),
            std::string::npos)
      << found[0];
  World bare = ShopWorld();
  bare.Traffic("tcp", "{cluster: east, namespace: client, workload: curl}",
               "{host: cart.shop, port: 80}");
  EXPECT_TRUE(Of(Lint(bare.Load()), "tcp-to-http-port").empty());
  // A client outside ambient never meets the waypoint (§6).
  World outside = ShopWorld(
      {{testing::Ambient(), "ambient"}, {"istio.io/use-waypoint", "waypoint"}});
  outside.Add("east", testing::Waypoint("shop", "waypoint"));
  outside.Add("east", testing::Ns("legacy"));
  outside.Add("east", testing::Deploy("legacy", "curl"));
  outside.Traffic("tcp", "{cluster: east, namespace: legacy, workload: curl}",
                  "{host: cart.shop, port: 80}");
  EXPECT_TRUE(Of(Lint(outside.Load()), "tcp-to-http-port").empty());
  // A sidecar client's own HTTP listener takes it, waypoint or not.
  World sidecar = ShopWorld();
  sidecar.Add("east", testing::Ns("legacy", {{"istio-injection", "enabled"}}));
  sidecar.Add("east", testing::Deploy("legacy", "curl"));
  sidecar.Traffic("tcp", "{cluster: east, namespace: legacy, workload: curl}",
                  "{host: cart.shop, port: 80}");
  const auto side = Of(Lint(sidecar.Load()), "tcp-to-http-port");
  ASSERT_EQ(side.size(), 1u);
  EXPECT_NE(side[0].find("the client sidecar's HTTP listener routes none of "
                         "it"),
            std::string::npos)
      << side[0];
}

// K10 (§3.3): a headless Service bound to a waypoint takes none of its
// traffic through it; a ClusterIP one does, and an unbound headless one is
// no finding.
TEST(LintTest, HeadlessServiceWaypoint) {
  World w = ShopWorld({{testing::Ambient(), "ambient"}});
  w.Add("east", testing::Waypoint("shop", "waypoint"));
  for (const char* name : {"db", "plain"})
    w.Add("east", "apiVersion: v1\nkind: Service\nmetadata:\n  name: " +
                      std::string(name) + "\n  namespace: shop\n" +
                      (std::string(name) == "db"
                           ? "  labels: {istio.io/use-waypoint: waypoint}\n"
                           : "") +
                      "spec:\n  clusterIP: None\n  selector: {app: cart}\n"
                      "  ports: [{name: tcp, port: 5432}]\n");
  w.Add("east",
        testing::Svc("shop", "bound", 80,
                     {{"istio.io/use-waypoint", "waypoint"}}, "", "cart"));
  const auto found = Of(Lint(w.Load()), "headless-service-waypoint");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_NE(found[0].find("Service shop/db is headless (clusterIP: None) and "
                          "bound to waypoint shop/waypoint"),
            std::string::npos)
      << found[0];
  // Pods bound to that waypoint themselves (one of type all) take it
  // anyway: no finding.
  World bound = ShopWorld({{testing::Ambient(), "ambient"}}, {},
                          {{"istio.io/use-waypoint", "waypoint"}});
  bound.Add("east", testing::Waypoint("shop", "waypoint", "all"));
  bound.Add("east",
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: db\n"
            "  namespace: shop\n  labels: {istio.io/use-waypoint: waypoint}\n"
            "spec:\n  clusterIP: None\n  selector: {app: cart}\n"
            "  ports: [{name: tcp, port: 5432}]\n");
  EXPECT_TRUE(Of(Lint(bound.Load()), "headless-service-waypoint").empty());
}

// §3.4: a named targetPort not every selected pod declares.
TEST(LintTest, TargetPortUndeclared) {
  World w = ShopWorld();
  w.Add("east",
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: cart-web\n"
        "  namespace: shop\nspec:\n  selector: {app: cart}\n  ports:\n"
        "  - {name: http, port: 80, targetPort: web}\n"
        "  - {name: admin, port: 9000, targetPort: 9000}\n");
  const auto found = Of(Lint(w.Load()), "target-port-undeclared");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_NE(found[0].find("Service shop/cart-web port 80: targetPort web is "
                          "declared by 0 of its 1 workloads in cluster east, "
                          "so every request to that port fails (§3.4)"),
            std::string::npos)
      << found[0];
}

// Strict reading's errors are findings with their object and the
// catalogue's fix, as the JSON contract asks of every finding.
TEST(LintTest, StrictReadingErrorsCarryTheirObjectAndFix) {
  Diagnostics d;
  auto sc = LoadScenarioFile("tests/data/errors/unknown-field.yaml", d);
  LintResult r;
  AddLoadDiagnostics(d.all(), r);
  ASSERT_EQ(r.findings.size(), 1u);
  const LintFinding& f = r.findings[0];
  EXPECT_EQ(f.rule, "unknown-field");
  EXPECT_EQ(f.severity, Severity::kError);
  EXPECT_EQ(f.object.kind, "AuthorizationPolicy");
  EXPECT_EQ(f.object.ns, "shop");
  EXPECT_EQ(f.object.name, "deny-post");
  EXPECT_EQ(f.object.cluster, "east");
  EXPECT_EQ(f.fix, "correct the field name (did-you-mean gives the nearest).");
  EXPECT_EQ(f.location.ToString(),
            "tests/data/errors/manifests/policy-unknown-field.yaml:7:3");
}

TEST(LintTest, EveryFindingRuleIsACatalogueLintRule) {
  World w = ShopWorld({{Ambient(), "ambiant"}});
  w.Add("east", Policy("x", "a/b", "c"));
  const LintResult r = Lint(w.Load());
  ASSERT_FALSE(r.findings.empty());
  for (const LintFinding& f : r.findings) {
    EXPECT_EQ(f.severity, Severity::kWarning) << f.rule;
    EXPECT_FALSE(f.fix.empty()) << f.rule;
    EXPECT_TRUE(f.location.Known()) << f.rule;
  }
}

}  // namespace
}  // namespace meshsim

namespace meshsim {
namespace {

// §16.4: `denied_by` may name the RequestAuthentication that rejects a
// token; it names a policy.
TEST(LintTest, DeniedByARequestAuthenticationNamesAPolicy) {
  Diagnostics d;
  auto sc = LoadScenarioFile("scenarios/ingress-jwt/scenario.yaml", d);
  ASSERT_TRUE(sc && !d.HasErrors());
  bool names_ra = false;
  for (const Expectation& x : sc->expect)
    names_ra = names_ra || x.denied_by == "istio-system/jwt-example";
  ASSERT_TRUE(names_ra);  // the case is in the scenario
  EXPECT_TRUE(Of(Lint(*sc), "reference-not-found").empty());
}

}  // namespace
}  // namespace meshsim

namespace meshsim {
namespace {

// Istio's own sample manifests (tests/data/real/ORIGIN.md), as the docs
// apply them together, lint clean; the one warning is right: the 90/10
// reviews route is for a Service with no waypoint yet (the docs add one
// with `istioctl waypoint apply`), so ambient clients ignore it (§9).
TEST(LintTest, IstioSampleManifestsLintAsChecked) {
  const std::vector<
      std::pair<std::vector<std::string>, std::vector<std::string>>>
      sets = {
          {{"bookinfo.yaml", "bookinfo-versions.yaml", "bookinfo-gateway.yaml",
            "route-reviews-90-10.yaml", "curl.yaml"},
           {"HTTPRoute default/reviews: Service default/reviews has no "
            "waypoint"}},
          {{"bookinfo-waypoints.yaml", "curl.yaml"}, {}},
          {{"helloworld.yaml", "helloworld-gateway.yaml", "httpbin.yaml",
            "httpbin-gateway.yaml", "eastwest-gateway.yaml",
            "expose-services.yaml"},
           {}},
      };
  for (const auto& [files, warnings] : sets) {
    std::string list;
    for (const std::string& f : files) list += (list.empty() ? "" : ", ") + f;
    const std::string text =
        "name: istio samples\nclusters:\n  - name: c1\n    nodes: 3\n"
        "    manifests: [" +
        list + "]\n";
    Diagnostics d;
    auto sc = LoadScenarioText(text, "tests/data/real/samples.yaml",
                               "tests/data/real", d);
    ASSERT_TRUE(sc && !d.HasErrors()) << list;
    EXPECT_TRUE(Lint(*sc).findings.empty()) << list;
    std::vector<std::string> got;
    for (const Diagnostic& x : d.all())
      if (x.severity == Severity::kWarning) got.push_back(x.message);
    for (const Diagnostic& x : sc->mesh.notes)
      if (x.severity == Severity::kWarning) got.push_back(x.message);
    ASSERT_EQ(got.size(), warnings.size()) << list;
    for (size_t i = 0; i < got.size(); ++i)
      EXPECT_EQ(got[i].rfind(warnings[i], 0), 0u) << got[i];
  }
}

}  // namespace
}  // namespace meshsim

namespace meshsim {
namespace {

// §3.4: before 1.30 an entry with an address block is left out of the
// ambient index whole. Fires in a cluster that runs ambient, or when the
// entry asks for a waypoint; quiet from 1.30, for single addresses and
// blocks of one, and in a sidecar-only cluster whose entry asks for none.
TEST(LintTest, ServiceEntryAddressBlockBefore130) {
  auto found = [](const std::string& version, const std::string& addresses,
                  bool ambient, bool waypoint) {
    World w("{version: \"" + version + "\"}");
    w.Cluster("east", "net-east", 1);
    w.Add("east", Ns("shop", {{ambient ? Ambient() : "istio-injection",
                               ambient ? "ambient" : "enabled"}}));
    w.Add("east", Deploy("shop", "cart"));
    w.Add("east", Waypoint("shop", "egress"));
    w.Add(
        "east",
        "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\n"
        "metadata:\n  name: corp\n  namespace: shop\n" +
            std::string(waypoint ? "  labels: {istio.io/use-waypoint: egress}\n"
                                 : "") +
            "spec:\n  hosts: [corp.example.com]\n  addresses: [" + addresses +
            "]\n  resolution: NONE\n  location: MESH_EXTERNAL\n"
            "  ports: [{number: 443, name: tls, protocol: TLS}]\n");
    return Of(Lint(w.Load()), "service-entry-address-block");
  };
  const auto both = found("1.29", "10.0.0.0/8, 192.168.1.1", true, true);
  ASSERT_EQ(both.size(), 1u);
  EXPECT_NE(both[0].find("ServiceEntry shop/corp lists the address block "
                         "10.0.0.0/8: before 1.30 istiod converts only single "
                         "addresses for ztunnel and leaves the whole entry out "
                         "of the ambient index"),
            std::string::npos)
      << both[0];
  EXPECT_NE(both[0].find("it binds no waypoint: requests to it never pass "
                         "waypoint shop/egress and its policies never run"),
            std::string::npos)
      << both[0];
  // Ambient without a waypoint: said, without the waypoint's part.
  const auto plain = found("1.28", "10.0.0.0/8", true, false);
  ASSERT_EQ(plain.size(), 1u);
  EXPECT_EQ(plain[0].find("binds no waypoint"), std::string::npos);
  // A sidecar-only cluster: only when the entry asks for a waypoint.
  EXPECT_EQ(found("1.29", "10.0.0.0/8", false, true).size(), 1u);
  EXPECT_TRUE(found("1.29", "10.0.0.0/8", false, false).empty());
  EXPECT_TRUE(found("1.30", "10.0.0.0/8", true, true).empty());
  EXPECT_TRUE(found("1.29", "10.0.0.1/32, 192.168.1.1", true, true).empty());
}

}  // namespace
}  // namespace meshsim
