// `meshsim diff`: the scenario pairs in scenarios/diff report what their
// `expect` files say, witnesses replay through the path function with the
// outcomes Z3 claims, and on random policy pairs the reported classes are
// exactly the concrete requests whose fate the path function says changed.
#include "verify/diff.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <sstream>

#include "model/io/loader.h"
#include "sim/dataplane.h"
#include "tests/test_world.h"

namespace meshsim {
namespace {

namespace fs = std::filesystem;

Scenario MustLoad(const std::string& path, const std::string& manifests = "") {
  Diagnostics d;
  auto sc = LoadScenarioFile(path, d, manifests);
  EXPECT_TRUE(sc && !d.HasErrors()) << path;
  return sc ? *sc : Scenario{};
}

// What the path function says about one concrete request: the set of
// (outcome, waypoint passes, last waypoint) over its paths.
using Fate = std::tuple<std::string, int, std::string>;

std::set<Fate> Fates(const Scenario& sc, const std::string& cluster,
                     const std::string& from_workload,
                     const std::string& from_ingress, const std::string& host,
                     const std::string& pod, int port,
                     const std::optional<HttpRequest>& http) {
  TrafficEntry t;
  t.name = "probe";
  t.from.cluster = cluster;
  if (!from_ingress.empty()) {
    t.from.ingress = from_ingress;
  } else {
    t.from.ns = from_workload.substr(0, from_workload.find('/'));
    t.from.workload = from_workload.substr(from_workload.find('/') + 1);
  }
  t.to.host = host;
  t.to.pod = pod;
  t.to.port = port;
  t.http = http;
  std::set<Fate> out;
  for (const Path& p : EnumeratePaths(BuildForwardingGraph(sc.mesh, t)))
    out.insert({OutcomeName(p.outcome), static_cast<int>(p.waypoints.size()),
                p.waypoints.empty() ? "" : p.waypoints.back()});
  return out;
}

std::set<Fate> WitnessFates(const Scenario& sc, const DiffFinding& df) {
  const Finding& f = df.finding;
  std::optional<HttpRequest> http;
  if (!f.req_method.empty())
    http = HttpRequest{f.req_method, f.req_path, df.headers, df.jwt};
  return Fates(sc, f.from_cluster, f.req_from_workload, f.req_from_ingress,
               f.req_to_host, f.req_to_pod, f.req_port, http);
}

TEST(DiffTest, ScenarioPairsReportWhatTheyExpect) {
  int cases = 0;
  for (const auto& e : fs::directory_iterator("scenarios/diff")) {
    const std::string dir = e.path().string();
    Scenario a = MustLoad(dir + "/scenario.yaml");
    Scenario b = MustLoad(dir + "/new/scenario.yaml");
    DiffResult r = Diff(a, b, DiffOptions{});
    ASSERT_NE(r.result, ProofResult::kUnknown) << dir << ": " << r.reason;
    std::ifstream in(dir + "/expect");
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty()) continue;
      if (line == "equivalent") {
        EXPECT_EQ(r.result, ProofResult::kProved) << dir;
        EXPECT_TRUE(r.findings.empty())
            << dir << ": " << r.findings[0].finding.message;
        EXPECT_FALSE(r.changes.empty()) << dir << ": the versions differ";
        continue;
      }
      // `[!]RULE WHO`: RULE a diff rule id or `*`, WHO a text of the
      // finding's message or `*`. A malformed line is a failure, not a
      // check that matches nothing (a negation that cannot fail).
      const bool negated = line[0] == '!';
      const std::string rest = negated ? line.substr(1) : line;
      const size_t space = rest.find(' ');
      ASSERT_NE(space, std::string::npos)
          << dir << "/expect: '" << line << "' is not '[!]RULE WHO'";
      const std::string rule = rest.substr(0, space);
      const std::string who = rest.substr(space + 1);
      ASSERT_FALSE(who.empty()) << dir << "/expect: '" << line << "'";
      ASSERT_TRUE(rule == "*" || rule.rfind("diff-", 0) == 0)
          << dir << "/expect: '" << rule << "' is not a diff rule";
      bool found = false;
      for (const DiffFinding& df : r.findings)
        found |=
            (rule == "*" || df.finding.rule == rule) &&
            (who == "*" || df.finding.message.find(who) != std::string::npos);
      EXPECT_EQ(found, !negated) << dir << ": " << line;
    }
    // Every witness is real: replayed through the path function in each
    // version, it ends as Z3 said it does.
    for (const DiffFinding& df : r.findings) {
      // The class of any pod outside the mesh has no workload to replay
      // (docs/diff.md).
      if (df.finding.req_from_workload.empty() &&
          df.finding.req_from_ingress.empty())
        continue;
      auto has = [](const std::set<Fate>& fates, const DiffSide& s) {
        for (const Fate& f : fates)
          if (std::get<0>(f) == OutcomeName(s.outcome) &&
              std::get<1>(f) == s.passes && std::get<2>(f) == s.via)
            return true;
        return false;
      };
      EXPECT_TRUE(has(WitnessFates(a, df), df.old_side))
          << dir << ": old side of " << df.finding.message;
      EXPECT_TRUE(has(WitnessFates(b, df), df.new_side))
          << dir << ": new side of " << df.finding.message;
      EXPECT_FALSE(df.changed.empty()) << df.finding.message;
    }
    ++cases;
  }
  EXPECT_GE(cases, 7);
}

TEST(DiffTest, DenyRemovedWitnessIsAPostToAdmin) {
  Scenario a = MustLoad("scenarios/diff/deny-removed/scenario.yaml");
  Scenario b = MustLoad("scenarios/diff/deny-removed/new/scenario.yaml");
  DiffResult r = Diff(a, b, DiffOptions{});
  ASSERT_FALSE(r.findings.empty());
  const DiffFinding& df = r.findings.front();
  EXPECT_EQ(df.finding.rule, "diff-newly-allowed");
  EXPECT_EQ(df.finding.req_method, "POST");
  EXPECT_TRUE(df.finding.req_path == "/admin" ||
              df.finding.req_path.rfind("/admin/", 0) == 0)
      << df.finding.req_path;
  EXPECT_EQ(df.old_side.outcome, Outcome::kDenied);
  EXPECT_EQ(df.new_side.outcome, Outcome::kDelivered);
  ASSERT_EQ(r.changes.size(), 1u);
  EXPECT_EQ(r.changes[0].kind, "AuthorizationPolicy");
  EXPECT_EQ(r.changes[0].name, "shop/deny-admin");
  EXPECT_EQ(r.changes[0].change, "removed");
  EXPECT_TRUE(r.changes[0].old_location.Known());
}

TEST(DiffTest, NewManifestsDirGivesTheSameAnswerAsTwoScenarios) {
  const std::string dir = "scenarios/diff/waypoint-renamed";
  Scenario a = MustLoad(dir + "/scenario.yaml");
  Scenario b = MustLoad(dir + "/new/scenario.yaml");
  Scenario c = MustLoad(dir + "/scenario.yaml", dir + "/new");
  DiffResult x = Diff(a, b, DiffOptions{}), y = Diff(a, c, DiffOptions{});
  ASSERT_EQ(x.findings.size(), y.findings.size());
  for (size_t i = 0; i < x.findings.size(); ++i)
    EXPECT_EQ(x.findings[i].finding.message, y.findings[i].finding.message);
  EXPECT_EQ(x.changes.size(), y.changes.size());
}

TEST(DiffTest, IdenticalVersionsAreEquivalentWithNoChanges) {
  Scenario a = MustLoad("scenarios/bookinfo/scenario.yaml");
  DiffResult r = Diff(a, a, DiffOptions{});
  EXPECT_EQ(r.result, ProofResult::kProved);
  EXPECT_TRUE(r.findings.empty());
  EXPECT_TRUE(r.changes.empty());
  EXPECT_GT(r.destinations, 5u);
}

// A ServiceEntry with no endpoint in the mesh (egress) is not in the
// encoding: a change that may concern it makes the diff unknown, naming it,
// never "equivalent"; a change elsewhere (a Deployment of another
// namespace) leaves the answer proved.
TEST(DiffTest, AChangeNearAnEgressEntryIsNotCalledEquivalent) {
  auto version = [](const std::string& method, int other_replicas) {
    testing::World w;
    w.Cluster("east", "net-east", 2);
    w.Add("east", testing::Ns("client", {{testing::Ambient(), "ambient"}}));
    w.Add("east", testing::Deploy("client", "curl"));
    w.Add("east", testing::Ns("other", {{testing::Ambient(), "ambient"}}));
    w.Add("east", testing::Deploy("other", "app", other_replicas));
    w.Add("east", testing::Ns("egress"));
    w.Add("east", testing::Waypoint("egress", "waypoint"));
    w.Add("east",
          "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\n"
          "metadata:\n  name: ext\n  namespace: egress\n  labels: "
          "{istio.io/use-waypoint: waypoint}\nspec:\n  hosts: "
          "[api.example.com]\n  ports: [{number: 80, name: http, protocol: "
          "HTTP}]\n  resolution: DNS\n");
    w.Add("east",
          "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
          "metadata:\n  name: allow\n  namespace: egress\nspec:\n"
          "  targetRefs: [{kind: ServiceEntry, group: networking.istio.io, "
          "name: ext}]\n  rules: [{to: [{operation: {methods: [" +
              method + "]}}]}]\n");
    return w.Load();
  };
  const Scenario a = version("GET", 1);
  const DiffResult policy = Diff(a, version("POST", 1), DiffOptions{});
  EXPECT_EQ(policy.result, ProofResult::kUnknown);
  EXPECT_EQ(policy.not_encoded,
            std::vector<std::string>{"ServiceEntry egress/ext (east)"});
  EXPECT_NE(policy.reason.find("egress is not in the encoding"),
            std::string::npos)
      << policy.reason;
  const DiffResult elsewhere = Diff(a, version("GET", 2), DiffOptions{});
  EXPECT_EQ(elsewhere.result, ProofResult::kProved) << elsewhere.reason;
  EXPECT_TRUE(elsewhere.not_encoded.empty());
}

// §8.6, §16.2, §9: the TCP chain's routes as diff compares them (found by
// the 2026-12-06 review, tests/data/diff-tcp/): a tls rule's changed
// sniHosts at a sidecar on a TLS port (none on a TCP port: no tls filter
// chain there); a waypoint reading every tls rule before any tcp
// rule; a GAMMA TLSRoute; and no route change for a consumer TCPRoute of
// another namespace, nor for plain TCP to a port declared HTTP (no route
// there).
TEST(DiffTest, TcpChainRoutesAreComparedAsTheProxyReadsThem) {
  const std::string dir = "tests/data/diff-tcp/";
  const struct {
    const char* old_file;
    const char* new_file;
    bool route_changed;
  } cases[] = {{"sni-a", "sni-b", true},
               {"sni-tcp-a", "sni-tcp-b", false},
               {"tcproute-c", "tcproute-d", true},
               {"tcproute-e", "tcproute-f", true},
               {"tcproute-g", "tcproute-h", false},
               {"sniff-h1", "sniff-h2", false}};
  for (const auto& c : cases) {
    const DiffResult r =
        Diff(MustLoad(dir + c.old_file + ".yaml"),
             MustLoad(dir + c.new_file + ".yaml"), DiffOptions{});
    bool changed = false;
    for (const DiffFinding& f : r.findings)
      changed |= f.finding.rule == "diff-route-changed";
    EXPECT_EQ(changed, c.route_changed) << c.old_file;
    EXPECT_EQ(r.result,
              c.route_changed ? ProofResult::kViolated : ProofResult::kProved)
        << c.old_file << ": " << r.reason;
  }
}

// §4.1: diff leaves out requests to Istio's reserved pod ports (a pod
// leaving ambient only changes who refuses them), judged by the pod port:
// a Service port 15001 in front of pod port 8080 is an application's
// (tests/data/diff-own-port/; the review of 2026-12-07 found the filter on
// the Service port), and a pod leaving ambient changes nothing on 15001.
TEST(DiffTest, ReservedPortsAreJudgedByThePodPort) {
  const DiffResult r =
      Diff(MustLoad("tests/data/diff-own-port/old.yaml"),
           MustLoad("tests/data/diff-own-port/new.yaml"), DiffOptions{});
  ASSERT_EQ(r.result, ProofResult::kViolated) << r.reason;
  bool denied = false;
  for (const DiffFinding& f : r.findings)
    denied |= f.finding.rule == "diff-newly-denied";
  EXPECT_TRUE(denied);
  const DiffResult leaves =
      Diff(MustLoad("scenarios/diff/client-leaves-ambient/scenario.yaml"),
           MustLoad("scenarios/diff/client-leaves-ambient/new/scenario.yaml"),
           DiffOptions{});
  for (const DiffFinding& f : leaves.findings)
    EXPECT_EQ(f.finding.message.find(":15001"), std::string::npos)
        << f.finding.message;
}

TEST(DiffTest, MaxFindingsCountsTheRest) {
  Scenario a = MustLoad("scenarios/diff/waypoint-renamed/scenario.yaml");
  Scenario b = MustLoad("scenarios/diff/waypoint-renamed/new/scenario.yaml");
  DiffResult all = Diff(a, b, DiffOptions{});
  ASSERT_FALSE(all.findings.empty());
  DiffOptions o;
  o.max_findings = 0;
  DiffResult r = Diff(a, b, o);
  EXPECT_TRUE(r.findings.empty());
  EXPECT_EQ(r.result, ProofResult::kViolated);
  size_t bypasses = 0;
  for (const DiffFinding& f : all.findings)
    bypasses += f.finding.rule == "diff-new-bypass";
  EXPECT_GT(bypasses, 0u);
  EXPECT_EQ(r.more["diff-new-bypass"], bypasses);
}

// ---- cross-check on random policy pairs -----------------------------------

// One namespace `shop` (cart, one replica), three clients (two ambient, one
// sidecar), a waypoint that may or may not be bound, and random
// AuthorizationPolicies (in shop, the root namespace or a client namespace)
// over a small vocabulary of principals, methods and paths.
std::string RandomVersion(std::mt19937& rng, bool bound, bool waypoint) {
  auto pick = [&](const std::vector<std::string>& v) {
    return v[rng() % v.size()];
  };
  std::ostringstream y;
  y << "name: random\nistio: {version: \"1.31\"}\nclusters:\n- name: east\n"
       "  nodes: 1\n  resources:\n";
  y << "  - {apiVersion: v1, kind: Namespace, metadata: {name: client, "
       "labels: {istio.io/dataplane-mode: ambient}}}\n";
  y << "  - {apiVersion: v1, kind: Namespace, metadata: {name: legacy, "
       "labels: {istio-injection: enabled}}}\n";
  y << "  - {apiVersion: v1, kind: Namespace, metadata: {name: shop, labels: "
       "{istio.io/dataplane-mode: ambient"
    << (bound ? ", istio.io/use-waypoint: waypoint" : "") << "}}}\n";
  if (waypoint)
    y << "  - {apiVersion: gateway.networking.k8s.io/v1, kind: Gateway, "
         "metadata: {name: waypoint, namespace: shop}, spec: "
         "{gatewayClassName: istio-waypoint, listeners: [{name: mesh, port: "
         "15008, protocol: HBONE}]}}\n";
  auto deploy = [&](const std::string& ns, const std::string& name, int port) {
    y << "  - {apiVersion: apps/v1, kind: Deployment, metadata: {name: " << name
      << ", namespace: " << ns
      << "}, spec: {replicas: 1, selector: {matchLabels: {app: " << name
      << "}}, template: {metadata: {labels: {app: " << name
      << "}}, spec: {serviceAccountName: " << name
      << ", containers: [{name: c, image: c"
      << (port ? ", ports: [{containerPort: " + std::to_string(port) + "}]"
               : "")
      << "}]}}}}\n";
  };
  deploy("client", "a", 0);
  deploy("client", "b", 0);
  deploy("legacy", "c", 0);
  deploy("shop", "cart", 8080);
  y << "  - {apiVersion: v1, kind: Service, metadata: {name: cart, namespace: "
       "shop}, spec: {selector: {app: cart}, ports: [{port: 80, targetPort: "
       "8080}]}}\n";
  const int n = static_cast<int>(rng() % 3);
  for (int i = 0; i < n; ++i) {
    // Mostly in the destination's namespace; some in the root namespace
    // (mesh-wide) or in a client namespace (never applying to cart).
    y << "  - apiVersion: security.istio.io/v1\n    kind: "
         "AuthorizationPolicy\n    metadata: {name: p"
      << i
      << ", namespace: " << pick({"shop", "shop", "istio-system", "client"})
      << "}\n    spec:\n";
    y << (rng() % 2 ? "      targetRefs: [{kind: Service, group: \"\", name: "
                      "cart}]\n"
                    : "      selector: {matchLabels: {app: cart}}\n");
    y << "      action: " << pick({"ALLOW", "DENY"}) << "\n      rules:\n";
    y << "      - {";
    if (rng() % 2)
      y << "from: [{source: {principals: ["
        << pick({"cluster.local/ns/client/sa/a", "cluster.local/ns/client/sa/*",
                 "cluster.local/ns/legacy/sa/c",
                 "cluster.local/ns/shop/sa/waypoint"})
        << "]}}], ";
    if (rng() % 2) {
      y << "to: [{operation: {";
      if (rng() % 2)
        y << "methods: [" << pick({"GET", "POST", "DELETE"}) << "], ";
      y << "paths: [" << pick({"/admin", "/admin/*", "/api*", "/api", "/*"})
        << "]}}], ";
    }
    y << "}\n";
  }
  y << "traffic: []\n";
  return y.str();
}

TEST(DiffTest, ClassesMatchThePathFunctionOnRandomPolicyPairs) {
  const char* env = std::getenv("MESHSIM_DIFF_PAIRS");
  const uint32_t pairs = env ? static_cast<uint32_t>(std::atoi(env)) : 100;
  const std::vector<std::string> sources = {"client/a", "client/b", "legacy/c",
                                            "shop/cart"};
  const std::vector<std::string> methods = {"GET", "POST", "DELETE", "PATCH"};
  const std::vector<std::string> paths = {
      "/", "/admin", "/admin/x", "/api", "/api/x", "/apix", "/other"};
  int differing = 0;
  for (uint32_t seed = 1; seed <= pairs; ++seed) {
    std::mt19937 rng(seed);
    const bool wp = rng() % 4 != 0;
    const bool bound_old = rng() % 2, bound_new = rng() % 3 != 0;
    const std::string ta = RandomVersion(rng, bound_old, wp);
    const std::string tb = RandomVersion(rng, bound_new, wp);
    Diagnostics da, db;
    auto a = LoadScenarioText(ta, "old.yaml", ".", da);
    auto b = LoadScenarioText(tb, "new.yaml", ".", db);
    ASSERT_TRUE(a && b && !da.HasErrors() && !db.HasErrors()) << ta << tb;
    DiffOptions o;
    o.max_findings = 10000;
    DiffResult r = Diff(*a, *b, o);
    ASSERT_NE(r.result, ProofResult::kUnknown) << r.reason;
    // ... and as the path function says, over the finite universe.
    std::set<std::tuple<std::string, std::string, std::string>> concrete;
    const auto carts = a->mesh.clusters[0].WorkloadsOf("shop", "cart");
    ASSERT_EQ(carts.size(), 1u);
    const std::string cart = carts[0]->Key();
    for (const std::string& src : sources) {
      const std::string src_pod =
          a->mesh.clusters[0]
              .WorkloadsOf(src.substr(0, src.find('/')),
                           src.substr(src.find('/') + 1))[0]
              ->Key();
      for (int dest = 0; dest < 2; ++dest) {
        if (dest == 1 && src == "shop/cart") continue;  // a self-call
        std::vector<std::optional<HttpRequest>> reqs = {std::nullopt};
        for (const std::string& m : methods)
          for (const std::string& p : paths)
            reqs.push_back(HttpRequest{m, p, {}, std::nullopt});
        for (const auto& http : reqs) {
          const std::string host =
              dest == 0 ? "cart.shop.svc.cluster.local" : "";
          const std::string pod = dest == 0 ? "" : cart;
          const int port = dest == 0 ? 80 : 8080;
          auto fa = Fates(*a, "east", src, "", host, pod, port, http);
          auto fb = Fates(*b, "east", src, "", host, pod, port, http);
          ASSERT_EQ(fa.size(), 1u);
          ASSERT_EQ(fb.size(), 1u);
          const auto& [o1, p1, v1] = *fa.begin();
          const auto& [o2, p2, v2] = *fb.begin();
          std::vector<std::string> rules;
          if (o1 != "delivered" && o2 == "delivered")
            rules.push_back("diff-newly-allowed");
          if (o1 != "denied" && o2 == "denied")
            rules.push_back("diff-newly-denied");
          if (o1 != "failed" && o2 == "failed")
            rules.push_back("diff-newly-failed");
          const bool bypass = p1 >= 1 && p2 == 0 && o2 == "delivered";
          if (bypass) rules.push_back("diff-new-bypass");
          if (p2 >= 2 && p1 < 2) rules.push_back("diff-double-pass");
          if ((p1 >= 1 || p2 >= 1) && v1 != v2 && !bypass)
            rules.push_back("diff-waypoint-changed");
          for (const std::string& rule : rules)
            concrete.insert({dest == 0 ? "service" : "pod", src_pod, rule});
        }
      }
    }
    // Classes of services other than cart do not exist; pods other than
    // cart's are the clients themselves, whose policies never change.
    std::set<std::tuple<std::string, std::string, std::string>> reported_cart;
    for (const DiffFinding& df : r.findings) {
      if (df.finding.req_to_host.empty() && df.finding.req_to_pod != cart)
        continue;
      std::vector<std::string> who = df.alike;
      who.push_back(df.finding.req_from_workload);
      for (const std::string& w : who)
        if (w.find('/') != std::string::npos)  // not the synthetic outsider
          reported_cart.insert(
              {df.finding.req_to_host.empty() ? "pod" : "service", w,
               df.finding.rule});
    }
    EXPECT_EQ(reported_cart, concrete) << "seed " << seed << "\nold:\n"
                                       << ta << "\nnew:\n"
                                       << tb;
    differing += !concrete.empty();
    if (::testing::Test::HasFailure()) break;
  }
  EXPECT_GT(differing, static_cast<int>(pairs) / 4);
}

}  // namespace
}  // namespace meshsim
