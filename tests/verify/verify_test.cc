// `meshsim verify` on the known cases of §10: each scenarios/verify/<case>/
// flagged.yaml is flagged with the case's rule (its `expect` file names the
// rule and the kind of client in the counterexample), and fixed.yaml is
// proved; the §4.3 guard's proof names the guard policy.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "model/io/loader.h"
#include "model/rules.h"
#include "verify/verifier.h"

namespace meshsim {
namespace {

namespace fs = std::filesystem;

VerifyResult VerifyFile(const std::string& path, VerifyOptions options = {}) {
  Diagnostics d;
  auto sc = LoadScenarioFile(path, d);
  EXPECT_TRUE(sc && !d.HasErrors()) << path;
  return Verify(*sc, options);
}

TEST(VerifyCasesTest, EachKnownCaseIsFlaggedAndItsTwinProved) {
  int cases = 0;
  for (const auto& e : fs::directory_iterator("scenarios/verify")) {
    if (!e.is_directory()) continue;
    std::ifstream in(e.path() / "expect");
    std::string rule, kind;
    std::getline(in, rule);
    std::getline(in, kind);
    // Both lines are required: an empty one would match every message.
    ASSERT_FALSE(rule.empty()) << e.path() << "/expect: no rule line";
    ASSERT_FALSE(kind.empty()) << e.path() << "/expect: no message line";
    VerifyResult flagged = VerifyFile((e.path() / "flagged.yaml").string());
    bool found = false;
    std::string all;
    for (const Finding& f : flagged.findings) {
      // Every rule the verifier reports is in the catalogue (SARIF, expect:
      // lists and --property read it from there).
      const Rule* catalogued = FindRule(f.rule);
      EXPECT_TRUE(catalogued && catalogued->kind != RuleKind::kDiff)
          << e.path() << ": rule " << f.rule << " is not in model/rules.cc";
      all += "  [" + f.rule + "] " + f.message + "\n";
      if (f.rule == rule && f.message.find(kind) != std::string::npos)
        found = true;
    }
    EXPECT_TRUE(found) << e.path() << ": expected [" << rule << "] from '"
                       << kind << "', got:\n"
                       << all;
    // The twin holds every property: proved, or not applicable when the
    // fix removes what the property is about (e.g. the waypoint binding).
    VerifyResult fixed = VerifyFile((e.path() / "fixed.yaml").string());
    for (const PropertyResult& p : fixed.properties)
      EXPECT_TRUE(p.result == ProofResult::kProved ||
                  p.result == ProofResult::kNotApplicable)
          << e.path() << " fixed: " << p.name << " "
          << ProofResultName(p.result);
    for (const Finding& f : fixed.findings)
      EXPECT_NE(f.severity, Severity::kError)
          << e.path() << " fixed: [" << f.rule << "] " << f.message;
    ++cases;
  }
  EXPECT_GE(cases, 20);
}

// K11 (§3.7, §9): with the route in the encoding, the solver finds the
// request a route at waypoint wa sends past other's waypoint wb — naming
// the route rule, with the route first among the objects — and the lint
// that used to flag the route whatever the policies says nothing. A guard
// on other's pods admitting only wb's identity denies that request, which
// the solver then proves; the lint could not tell.
// The text of `file` ("" when it cannot be read).
std::string Slurp(const std::string& file) {
  std::ifstream in(file);
  return std::string((std::istreambuf_iterator<char>(in)),
                     std::istreambuf_iterator<char>());
}

// k11-route-across-waypoints' fix, for its cluster's resources: other's
// pods admit only waypoint wb.
const char* const kOtherGuard =
    "      - apiVersion: security.istio.io/v1\n"
    "        kind: AuthorizationPolicy\n"
    "        metadata: {name: other-guard, namespace: shop}\n"
    "        spec: {selector: {matchLabels: {app: other}}, action: ALLOW, "
    "rules: [{from: [{source: {principals: "
    "[cluster.local/ns/shop/sa/wb]}}]}]}\n";

TEST(VerifyCasesTest, RouteAcrossWaypointsIsTheSolversWhenRoutesAreEncoded) {
  const std::string file =
      "scenarios/verify/k11-route-across-waypoints/flagged.yaml";
  std::string text = Slurp(file);
  ASSERT_FALSE(text.empty());
  auto k11 = [](const VerifyResult& r) {
    std::vector<const Finding*> out;
    for (const Finding& f : r.findings)
      if (f.message.find("K11") != std::string::npos) out.push_back(&f);
    return out;
  };
  VerifyResult flagged = VerifyFile(file);
  const std::vector<const Finding*> found = k11(flagged);
  ASSERT_EQ(found.size(), 1u);
  const Finding& f = *found[0];
  EXPECT_EQ(f.rule, "waypoint-bypass");
  EXPECT_TRUE(f.past_backend_waypoint);
  EXPECT_EQ(f.landing_pod, "shop/other-0");
  EXPECT_EQ(f.client_kind, "ambient");
  EXPECT_NE(f.message.find("HTTPRoute shop/to-other rule 0"), std::string::npos)
      << f.message;
  ASSERT_FALSE(f.objects.empty());
  EXPECT_EQ(f.objects[0].kind, "HTTPRoute");
  // A request a client can send (the route matches every method; which
  // one the solver picks is its choice).
  const std::set<std::string> standard = {"GET",     "HEAD",   "POST",
                                          "PUT",     "DELETE", "CONNECT",
                                          "OPTIONS", "TRACE",  "PATCH"};
  EXPECT_EQ(standard.count(f.req_method), 1u) << f.req_method;
  EXPECT_EQ(f.req_path.substr(0, 1), "/");

  std::string guarded = text;
  guarded.insert(guarded.find("traffic: []"), kOtherGuard);
  Diagnostics d;
  auto sc = LoadScenarioText(guarded, file,
                             "scenarios/verify/k11-route-across-waypoints", d);
  ASSERT_TRUE(sc && !d.HasErrors());
  EXPECT_TRUE(k11(Verify(*sc, {})).empty());
}

// K11 through a VirtualService the encoding does not state (a destination
// without port to a Service with a named targetPort): the lint finds it,
// and the property is violated, not proved.
TEST(VerifyCasesTest, RouteAcrossWaypointsInAnUnstatedVirtualService) {
  VerifyResult r =
      VerifyFile("tests/data/verify/k11-virtual-service-not-encoded.yaml");
  bool found = false;
  for (const Finding& f : r.findings)
    found = found || (f.rule == "waypoint-bypass" &&
                      f.message.find("VirtualService shop/cart-vs at waypoint "
                                     "shop/wa sends shop/cart's requests to "
                                     "other/orders") != std::string::npos);
  EXPECT_TRUE(found);
  for (const PropertyResult& p : r.properties)
    if (p.name == "waypoint-bypass") {
      EXPECT_EQ(p.result, ProofResult::kViolated);
      EXPECT_TRUE(p.core.empty());
    }
}

// Exposure is asked only where no bypass exists with every waypoint up:
// where every destination asking for a waypoint has one, none was asked,
// and that is no proof.
// §5: the ingress goes straight to a resolution DNS ServiceEntry that opted
// in with istio.io/ingress-use-waypoint (only EDS clusters get the
// waypoint): the bypass is reported, and its fix does not suggest the
// label the entry already has.
// §7.2: an ambient client of a Service local and unbound in its cluster
// reaches another cluster's pod of it, bound there: the fix names the
// client's cluster's binding, not a binding to repair.
TEST(VerifyCasesTest, AMixedScopeBypassIsToldToBindInTheClientsCluster) {
  VerifyResult r =
      VerifyFile("tests/data/verify/mixed-scope-bypass/scenario.yaml");
  size_t across = 0;
  for (const Finding& f : r.findings) {
    // Service traffic: a pod dialled by its IP has no service to bind.
    if (f.rule != "waypoint-bypass" || f.client_kind != "ambient" ||
        f.from_cluster != "east" || f.cluster != "west" ||
        !f.req_to_pod.empty())
      continue;
    ++across;
    EXPECT_NE(f.fix.find("to the waypoint in cluster east too"),
              std::string::npos)
        << f.fix;
  }
  EXPECT_GE(across, 1u);
}

TEST(VerifyCasesTest, AnIngressToADnsEntryIsNotToldToOptIn) {
  VerifyResult r =
      VerifyFile("tests/data/verify/ingress-dns-entry/scenario.yaml");
  size_t ingress = 0;
  for (const Finding& f : r.findings) {
    if (f.rule != "waypoint-bypass" || f.client_kind != "ingress") continue;
    ++ingress;
    EXPECT_EQ(f.fix.find("label the service istio.io/ingress-use-waypoint"),
              std::string::npos)
        << f.fix;
    EXPECT_NE(f.fix.find("resolution STATIC or NONE"), std::string::npos)
        << f.fix;
  }
  EXPECT_GE(ingress, 1u);
}

TEST(VerifyCasesTest, ExposureAskedOfNoDestinationIsNotProved) {
  VerifyResult r = VerifyFile("scenarios/multicluster-waypoints/scenario.yaml");
  bool seen = false;
  for (const PropertyResult& p : r.properties) {
    if (p.name == "waypoint-bypass") {
      EXPECT_EQ(p.result, ProofResult::kViolated);
    }
    if (p.name != "fail-open-exposure") continue;
    seen = true;
    EXPECT_EQ(p.classes_checked, 0u);
    EXPECT_EQ(p.result, ProofResult::kNotApplicable);
  }
  EXPECT_TRUE(seen);
}

// §15: the auto-waypoint collision names its Service (namespace/name) and
// cluster; it named an empty one before (the report audit's F13).
TEST(VerifyCasesTest, AutoWaypointCollisionNamesItsService) {
  VerifyResult r = VerifyFile("scenarios/solo-auto-waypoint/scenario.yaml");
  int seen = 0;
  for (const Finding& f : r.findings) {
    if (f.rule != "auto-waypoint-collision") continue;
    ++seen;
    ASSERT_EQ(f.objects.size(), 1u);
    EXPECT_EQ(f.objects[0].kind, "Service");
    EXPECT_EQ(f.objects[0].name, "catalog/catalog");
    EXPECT_FALSE(f.cluster.empty());
  }
  EXPECT_EQ(seen, 1);
}

// K11 in a two-cluster mesh (§9, §7): the same services and waypoints in
// east and west, all local, the route in one cluster or the other. The
// waypoint of the route's cluster applies it to that cluster's pods, so
// the solver flags it from that cluster's clients; with the route in both
// and the guards in both, the property is proved. Until 2026-12-04 any
// route in a multicluster mesh was outside the encoding.
TEST(VerifyCasesTest, RouteAcrossWaypointsInEachClusterOfAMulticlusterMesh) {
  const std::string file =
      "scenarios/verify/k11-route-across-waypoints/flagged.yaml";
  const std::string text = Slurp(file);
  const size_t begin = text.find("  - name: east\n");
  const size_t end = text.find("traffic: []");
  const size_t route = text.find(
      "      - apiVersion: gateway.networking.k8s.io/v1\n        kind: "
      "HTTPRoute");
  ASSERT_NE(begin, std::string::npos);
  ASSERT_NE(end, std::string::npos);
  ASSERT_TRUE(route != std::string::npos && route > begin && route < end);
  // The cluster block named `name`, with or without the route and guard.
  auto block = [&](const std::string& name, bool with_route, bool guarded) {
    std::string b = with_route ? text.substr(begin, end - begin)
                               : text.substr(begin, route - begin);
    b.replace(b.find("name: east"), 10, "name: " + name);
    return guarded ? b + kOtherGuard : b;
  };
  auto k11 = [&](bool east_route, bool west_route, bool guarded) {
    const std::string yaml =
        text.substr(0, begin) + block("east", east_route, guarded) +
        block("west", west_route, guarded) + text.substr(end);
    Diagnostics d;
    auto sc = LoadScenarioText(
        yaml, file, "scenarios/verify/k11-route-across-waypoints", d);
    EXPECT_TRUE(sc && !d.HasErrors());
    std::set<std::string> clusters;
    if (!sc) return clusters;
    EXPECT_EQ(sc->mesh.clusters.size(), 2u);
    for (const Finding& f : Verify(*sc, {}).findings)
      if (f.message.find("K11") != std::string::npos) {
        EXPECT_EQ(f.landing_pod, "shop/other-0");
        EXPECT_NE(f.message.find("HTTPRoute shop/to-other rule 0"),
                  std::string::npos);
        clusters.insert(f.from_cluster);
      }
    return clusters;
  };
  EXPECT_EQ(k11(true, false, false), std::set<std::string>{"east"});
  EXPECT_EQ(k11(false, true, false), std::set<std::string>{"west"});
  EXPECT_TRUE(k11(true, true, true).empty());
}

// K11 through a VirtualService at the waypoint (§16.2) to a DestinationRule
// subset (§16.1): the solver's request is the one the rule matches (uri
// exact /), it lands on the subset's pod (v2; v1 admits only wb), the
// finding names the VirtualService's rule and puts the VirtualService
// first. Moving the rule to another path or method moves the
// counterexample; an earlier rule that takes every request elsewhere
// leaves none.
TEST(VerifyCasesTest, VirtualServiceAtAWaypointIsInTheEncoding) {
  const std::string file =
      "scenarios/verify/k11-virtual-service-across-waypoints/flagged.yaml";
  const std::string text = Slurp(file);
  ASSERT_FALSE(text.empty());
  auto k11 = [&](const std::string& yaml) {
    Diagnostics d;
    auto sc = LoadScenarioText(
        yaml, file, "scenarios/verify/k11-virtual-service-across-waypoints", d);
    EXPECT_TRUE(sc && !d.HasErrors()) << d.HasErrors();
    std::vector<Finding> out;
    if (!sc) return out;
    for (const Finding& f : Verify(*sc, {}).findings)
      if (f.past_backend_waypoint) out.push_back(f);
    return out;
  };
  const std::vector<Finding> found = k11(text);
  ASSERT_EQ(found.size(), 1u);
  const Finding& f = found[0];
  EXPECT_EQ(f.rule, "waypoint-bypass");
  EXPECT_EQ(f.landing_pod, "shop/other-v2-0");
  EXPECT_EQ(f.req_path, "/");
  EXPECT_NE(f.message.find("VirtualService shop/cart-to-other route 0"),
            std::string::npos)
      << f.message;
  ASSERT_FALSE(f.objects.empty());
  EXPECT_EQ(f.objects[0].kind, "VirtualService");

  std::string moved = text;
  moved.replace(moved.find("{uri: {exact: /}}"), 17, "{uri: {prefix: /api/}}");
  const std::vector<Finding> at_api = k11(moved);
  ASSERT_EQ(at_api.size(), 1u);
  EXPECT_EQ(at_api[0].req_path.substr(0, 5), "/api/") << at_api[0].req_path;

  std::string deletes = text;
  deletes.replace(deletes.find("{uri: {exact: /}}"), 17,
                  "{uri: {exact: /}, method: {exact: DELETE}}");
  const std::vector<Finding> on_delete = k11(deletes);
  ASSERT_EQ(on_delete.size(), 1u);
  EXPECT_EQ(on_delete[0].req_method, "DELETE");

  // First match wins: a rule before it sends every request to v1, which
  // admits only wb, so no request reaches other's pods past wb.
  std::string first = text;
  first.replace(first.find("            - match: [{uri: {exact: /}}]"), 0,
                "            - route: [{destination: {host: other, subset: "
                "v1, port: {number: 80}}}]\n");
  EXPECT_TRUE(k11(first).empty());
}

// K15 through an Istio Gateway (§16.3): the Router reaches productpage
// through its waypoint (ingress-use-waypoint), so double-l7 concerns it and
// holds; a VirtualService bound to both the gateway and `mesh` that splits
// reviews runs at the Router and again at the waypoint: violated, naming it.
TEST(VerifyCasesTest, DoubleL7CoversIstioGatewayVirtualServices) {
  const std::string dir = "scenarios/istio-gateway-ingress-use-waypoint";
  const std::string text = Slurp(dir + "/scenario.yaml");
  const std::string anchor =
      "      - ../istio-gateway-ingress/manifests/bookinfo-gateway.yaml\n";
  ASSERT_NE(text.find(anchor), std::string::npos);
  auto double_l7 = [&](const std::string& gateways) {
    std::string t = text;
    t.insert(
        t.find(anchor) + anchor.size(),
        "    resources:\n"
        "      - apiVersion: networking.istio.io/v1\n"
        "        kind: VirtualService\n"
        "        metadata: {name: reviews-split, namespace: default}\n"
        "        spec:\n"
        "          hosts: [reviews]\n"
        "          gateways: " +
            gateways +
            "\n"
            "          http:\n"
            "            - route:\n"
            "                - {destination: {host: reviews}, weight: 50}\n"
            "                - {destination: {host: ratings}, weight: 50}\n");
    Diagnostics d;
    auto sc = LoadScenarioText(t, dir + "/scenario.yaml", dir, d);
    EXPECT_TRUE(sc && !d.HasErrors());
    std::pair<PropertyResult, std::vector<Finding>> out;
    if (!sc) return out;
    const VerifyResult r = Verify(*sc, {});
    for (const PropertyResult& p : r.properties)
      if (p.name == "double-l7") out.first = p;
    for (const Finding& f : r.findings)
      if (f.rule == "double-l7") out.second.push_back(f);
    return out;
  };
  const auto [held, none] = double_l7("[bookinfo-gateway]");
  EXPECT_EQ(held.result, ProofResult::kProved);
  EXPECT_GE(held.classes_checked, 3u);  // productpage, reviews, ratings
  EXPECT_TRUE(none.empty());
  const auto [twice, found] = double_l7("[bookinfo-gateway, mesh]");
  EXPECT_EQ(twice.result, ProofResult::kViolated);
  // reviews only: ratings' waypoint has no routes of its own for it.
  ASSERT_EQ(found.size(), 1u);
  EXPECT_NE(found[0].message.find("to default/reviews get"), std::string::npos)
      << found[0].message;
  EXPECT_NE(found[0].message.find("VirtualService default/reviews-split"),
            std::string::npos)
      << found[0].message;
  EXPECT_NE(found[0].message.find("applies again"), std::string::npos);
}

// §4.3: the guard scenario is proved, and the unsat core names the guard.
// A property no request concerns is not applicable, never proved: this
// Bookinfo has no waypoint, so no destination asks for one, no request can
// pass one, and no ingress route reaches a service through one (double-l7).
// K11 is a request a route sends to another backend: a pod that belongs
// both to the addressed service and to that backend, reached by a rule that
// sends to the addressed service itself, is not one. Here the only rule to
// the other backend is denied at the waypoint, so nothing is K11.
TEST(VerifyCasesTest, RouteToTheAddressedServiceIsNotK11OnASharedPod) {
  const VerifyResult r = VerifyFile("tests/data/verify/k11-shared-pod.yaml");
  for (const Finding& f : r.findings)
    EXPECT_FALSE(f.past_backend_waypoint) << f.message;
  // Without the deny, the /other rule is K11 on the same pod.
  std::string text = Slurp("tests/data/verify/k11-shared-pod.yaml");
  text = text.substr(0, text.find("      - apiVersion: security.istio.io/v1")) +
         "traffic: []\n";
  Diagnostics d;
  auto sc = LoadScenarioText(text, "k11-shared-pod-open.yaml", ".", d);
  ASSERT_TRUE(sc && !d.HasErrors());
  bool k11 = false;
  for (const Finding& f : Verify(*sc, {}).findings)
    k11 |= f.past_backend_waypoint && f.landing_pod.rfind("shop/cart-", 0) == 0;
  EXPECT_TRUE(k11);
}

TEST(VerifyCasesTest, VacuousPropertiesAreNotApplicable) {
  VerifyResult r =
      VerifyFile("scenarios/bookinfo-l7-policy-by-selector/scenario.yaml");
  int seen = 0;
  for (const PropertyResult& p : r.properties) {
    EXPECT_EQ(p.result, ProofResult::kNotApplicable) << p.name;
    EXPECT_FALSE(p.reason.empty()) << p.name;
    EXPECT_TRUE(p.core.empty()) << p.name;
    ++seen;
  }
  EXPECT_EQ(seen, 4);
  // The same mesh with its namespace bound to a waypoint concerns the
  // bypass and double-pass properties; every destination there violates
  // waypoint-bypass, so exposure is asked of none; its ingress is not set
  // to use the waypoint (§5), so double-l7 still concerns no request.
  VerifyResult bound = VerifyFile("scenarios/bookinfo/scenario.yaml");
  for (const PropertyResult& p : bound.properties)
    EXPECT_EQ(p.result == ProofResult::kNotApplicable,
              p.name == "double-l7" || p.name == "fail-open-exposure")
        << p.name;
  // An ingress route to a service whose waypoint the ingress uses concerns
  // double-l7: proved over that one route backend when only one tier routes.
  VerifyResult fixed = VerifyFile("scenarios/verify/k15-double-l7/fixed.yaml");
  const PropertyResult* dl7 = nullptr;
  for (const PropertyResult& p : fixed.properties)
    if (p.name == "double-l7") dl7 = &p;
  ASSERT_NE(dl7, nullptr);
  EXPECT_EQ(dl7->result, ProofResult::kProved);
  EXPECT_EQ(dl7->classes_checked, 1u);
}

// The published Bookinfo's bypass findings share one root cause (no L4
// guard in namespace default): one group, every finding counted, every kind
// of client named, and a guard to apply with the waypoint's real principal.
// Applying that guard removes the cause: the guarded twin has no group.
TEST(VerifyCasesTest, FindingsAreGroupedByRootCauseWithTheGuardToApply) {
  VerifyResult r = VerifyFile("scenarios/bookinfo/scenario.yaml");
  size_t bypass = 0;
  for (const Finding& f : r.findings) bypass += f.rule == "waypoint-bypass";
  ASSERT_GT(bypass, 1u);
  const FindingGroup* g = nullptr;
  size_t counted = 0;
  for (const FindingGroup& x : r.groups) {
    counted += x.count;
    if (x.rule == "waypoint-bypass") {
      EXPECT_EQ(g, nullptr) << "a second bypass group: " << x.cause;
      g = &x;
    }
  }
  EXPECT_EQ(counted, r.findings.size());
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->count, bypass);
  EXPECT_EQ(g->cause,
            "namespace default in cluster east has no L4 guard for waypoint "
            "default/waypoint");
  EXPECT_GT(g->destinations.size(), 1u);
  EXPECT_NE(std::find(g->clients.begin(), g->clients.end(), "uncaptured"),
            g->clients.end());
  EXPECT_NE(g->fix_yaml.find("kind: AuthorizationPolicy"), std::string::npos);
  EXPECT_NE(g->fix_yaml.find("namespace: default"), std::string::npos);
  EXPECT_NE(g->fix_yaml.find("cluster.local/ns/default/sa/waypoint"),
            std::string::npos)
      << g->fix_yaml;
  EXPECT_EQ(r.findings[g->representative].rule, "waypoint-bypass");
}

TEST(VerifyCasesTest, GuardProofNamesTheGuardPolicy) {
  VerifyResult r = VerifyFile("scenarios/waypoint-guard/scenario.yaml");
  ASSERT_EQ(r.properties[0].name, "waypoint-bypass");
  EXPECT_EQ(r.properties[0].result, ProofResult::kProved);
  EXPECT_NE(std::find(r.properties[0].core.begin(), r.properties[0].core.end(),
                      "shop/require-waypoint"),
            r.properties[0].core.end());
  // Its twin without the guard is violated, with a counterexample per kind
  // of client: uncaptured, sidecar, ingress and ambient (pod IP).
  VerifyResult open = VerifyFile("scenarios/waypoint-no-guard/scenario.yaml");
  EXPECT_EQ(open.properties[0].result, ProofResult::kViolated);
  std::set<std::string> kinds;
  for (const Finding& f : open.findings) {
    if (f.rule != "waypoint-bypass") continue;
    // An uncaptured client is either a named out-of-mesh workload or any pod
    // outside the mesh; the solver may pick either.
    for (const char* k : {"outside the mesh", "uncaptured workload",
                          "sidecar workload", "ingress", "ambient workload"})
      if (f.message.find(k) != std::string::npos)
        kinds.insert(
            std::string(k) == "outside the mesh" ? "uncaptured workload" : k);
  }
  EXPECT_EQ(kinds.size(), 4u);
}

// §2.6, §8.1: the sources of a Service whose canary waypoint lives in
// another namespace are keyed by that namespace's policies too: every
// property is decided (it had been unknown, "the slice plan did not key").
TEST(VerifyCasesTest, ACanaryWaypointInAnotherNamespaceIsDecided) {
  VerifyResult r =
      VerifyFile("tests/data/verify/canary-other-namespace/scenario.yaml");
  std::map<std::string, ProofResult> by_name;
  for (const PropertyResult& p : r.properties) by_name[p.name] = p.result;
  EXPECT_EQ(by_name["waypoint-double-pass"], ProofResult::kProved);
  // Pod app/a is reachable by IP without a waypoint (no guard).
  EXPECT_EQ(by_name["waypoint-bypass"], ProofResult::kViolated);
  for (const PropertyResult& p : r.properties)
    EXPECT_NE(p.result, ProofResult::kUnknown) << p.name << ": " << p.reason;
}

// §8.2, K19: the l7-policy-without-waypoint finding says, as istiod's status
// does (authorization_test.go TestConvertAuthorizationPolicyStatus), which
// HTTP attributes ztunnel cannot read and what is left of the policy there:
// an ALLOW allows less, a DENY with a rule left denies more, one without has
// no effect; an L4-only policy gets none.
TEST(VerifyLintTest, L7PolicyFindingNamesTheAttributesAndTheEffect) {
  const VerifyResult r = VerifyFile(
      "scenarios/conformance/authz-ztunnel-http-attributes/scenario.yaml");
  std::map<std::string, std::string> by_policy;
  for (const Finding& f : r.findings) {
    if (f.rule != "l7-policy-without-waypoint") continue;
    ASSERT_FALSE(f.objects.empty());
    by_policy[f.objects.front().name] = f.message;
  }
  const std::string none = "no rule remains that ztunnel can enforce";
  const std::string more = "denies more than written";
  const std::string less = "allows less than written";
  const std::string never =
      "left out and never match at ztunnel, so it denies less than written";
  const std::map<std::string, std::pair<std::string, std::string>> want = {
      {"shop/l7-only", {"(found: notRequestPrincipals)", none}},
      {"shop/mixed", {"(found: notRequestPrincipals)", more}},
      // The L7-only rule never matches there; the other one still denies
      // (this said "denies more than written" until 2026-12-06).
      {"shop/l7-and-l4-rule", {"(found: notRequestPrincipals)", never}},
      {"shop/catch-all-and-l7", {"(found: notRequestPrincipals)", never}},
      {"shop/l4-from-l7-when", {"(found: request.headers[x-token])", none}},
      {"shop/l4-from-l7-to", {"(found: methods)", none}},
      {"shop/allow-http",
       {"(found: methods, request.auth.presenter, requestPrincipals)", less}},
  };
  EXPECT_EQ(by_policy.size(), want.size());  // not shop/l4-only
  for (const auto& [policy, w] : want) {
    ASSERT_TRUE(by_policy.count(policy)) << policy;
    EXPECT_NE(by_policy[policy].find(w.first), std::string::npos)
        << by_policy[policy];
    EXPECT_NE(by_policy[policy].find(w.second), std::string::npos)
        << by_policy[policy];
  }
}

// §8.2 (rbac.rs: an empty entry is skipped): a DENY operation of HTTP
// fields only is dropped from its clause, so the rule denies less, not
// more (the finding said "denies more than written" until 2026-12-06).
TEST(VerifyLintTest, ADenyEntryOfHttpFieldsOnlyDeniesLess) {
  const VerifyResult r =
      VerifyFile("tests/data/lint/deny-http-only-operation.yaml");
  int seen = 0;
  for (const Finding& f : r.findings) {
    if (f.rule != "l7-policy-without-waypoint") continue;
    ++seen;
    EXPECT_NE(f.message.find("so it denies less than written"),
              std::string::npos)
        << f.message;
    EXPECT_EQ(f.message.find("denies more"), std::string::npos) << f.message;
  }
  EXPECT_EQ(seen, 1);
}

// §15.2: a peered entry bound to the peered copy of its global waypoint
// uses the copy's replicas on its network, a flat peer's too: a cluster
// without a replica of its own is no `waypoint-unavailable`.
TEST(VerifyLintTest, APeeredCopyIsAvailableThroughAFlatPeersReplica) {
  Diagnostics d;
  auto sc = LoadScenarioFile("tests/data/lint/peered-copy-flat-peer.yaml", d);
  ASSERT_TRUE(sc && !d.HasErrors());
  // Not for lack of a binding: a's entry names the waypoint's copy.
  bool bound = false;
  for (const Service& s : sc->mesh.clusters[0].services)
    bound =
        bound || (s.peered && s.peered->global_waypoint == "sample/waypoint");
  EXPECT_TRUE(bound);
  for (const Finding& f : VerifyLint(*sc).findings)
    EXPECT_NE(f.rule, "waypoint-unavailable") << f.message;
}

}  // namespace
}  // namespace meshsim
