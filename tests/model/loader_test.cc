// Manifest and scenario loading: formats, dumps, placement, generated gateway
// pods, notes for skipped kinds, and the exact diagnostics of bad input.
#include "model/io/loader.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "tests/test_world.h"

namespace meshsim {
namespace {

namespace fs = std::filesystem;

Cluster ClusterWithNodes(int n) {
  Cluster c;
  c.name = "east";
  c.network = "east";
  for (int i = 0; i < n; ++i)
    c.nodes.push_back({"east-node-" + std::to_string(i), "", "", ""});
  return c;
}

using testing::ReadFile;

// A kubectl List is loaded item by item as it is parsed (streamed); the
// model is the same as for separate documents, and lines stay exact.
// The benchmarks' own scenario files load without an error: a stricter
// loader must not silently break `bench/run-*.sh` (it once did:
// bench/tandem-scenario.yaml lacked Deployment selectors).
TEST(LoaderTest, BenchScenariosLoad) {
  int loaded = 0;
  for (const auto& e : fs::directory_iterator("bench")) {
    if (e.path().extension() != ".yaml") continue;
    Diagnostics d;
    auto sc = LoadScenarioFile(e.path().string(), d);
    std::ostringstream msg;
    d.Print(msg);
    EXPECT_TRUE(sc && !d.HasErrors()) << e.path() << "\n" << msg.str();
    ++loaded;
  }
  EXPECT_GE(loaded, 1);
}

TEST(LoaderTest, StreamedListItemsLoadLikeSeparateDocuments) {
  const std::string ns =
      "apiVersion: v1\n    kind: Namespace\n    metadata: {name: shop}\n";
  const std::string deploy =
      "apiVersion: apps/v1\n    kind: Deployment\n    metadata: {name: web, "
      "namespace: shop}\n    spec: {replicas: 2, selector: {matchLabels: {app: "
      "web}}, template: {metadata: "
      "{labels: {app: web}}, spec: {containers: [{name: c}]}}}\n";
  const std::string svc =
      "apiVersion: v1\n    kind: Service\n    metadata: {name: web, "
      "namespace: shop}\n    spec: {selector: {app: web}, ports: [{port: "
      "80}]}\n";
  const std::string list = "apiVersion: v1\nitems:\n  - " + ns + "  - " +
                           deploy + "  - " + svc + "kind: List\n";
  auto load = [](const std::string& text) {
    Mesh mesh;
    mesh.clusters.push_back(ClusterWithNodes(2));
    Diagnostics d;
    LoadManifestText(text, "m.yaml", mesh.clusters[0], d);
    mesh.Finalize(d);
    EXPECT_FALSE(d.HasErrors());
    std::vector<std::string> out;
    for (const Workload& w : mesh.clusters[0].workloads)
      out.push_back(w.Key() + "@" + std::to_string(w.location.line));
    for (const Service& s : mesh.clusters[0].services)
      out.push_back(s.Key() + "@" + std::to_string(s.location.line) + ":" +
                    std::to_string(s.location.column));
    return out;
  };
  std::vector<std::string> streamed = load(list);
  EXPECT_EQ(streamed, (std::vector<std::string>{"shop/web-0@6", "shop/web-1@6",
                                                "shop/web@10:5"}));
  // Separate documents: the same objects.
  auto doc = [](std::string t) {
    for (size_t i = 0; (i = t.find("\n    ", i)) != std::string::npos;)
      t.replace(i, 5, "\n");
    return t;
  };
  const std::string docs = "---\n---\n" + doc("    " + ns).substr(4) + "---\n" +
                           doc("    " + deploy).substr(4) + "---\n" +
                           doc("    " + svc).substr(4);
  std::vector<std::string> separate = load(docs);
  ASSERT_EQ(separate.size(), streamed.size());
  for (size_t i = 0; i < separate.size(); ++i)
    EXPECT_EQ(separate[i].substr(0, separate[i].find('@')),
              streamed[i].substr(0, streamed[i].find('@')));
}

TEST(LoaderTest, KubectlDumpPodsAreNotDuplicated) {
  Mesh mesh;
  mesh.clusters.push_back(ClusterWithNodes(2));
  Diagnostics d;
  LoadManifestText(ReadFile("tests/data/loader/dump.yaml"), "dump.yaml",
                   mesh.clusters[0], d);
  mesh.Finalize(d);
  ASSERT_FALSE(d.HasErrors());
  const Cluster& c = mesh.clusters[0];
  auto pods = c.WorkloadsOf("shop", "reviews");
  ASSERT_EQ(pods.size(), 2u);
  EXPECT_EQ(pods[0]->owner_kind, "Deployment");
  EXPECT_EQ(pods[0]->ip, "10.1.2.3");  // from status.podIP; pods sorted by name
  EXPECT_EQ(pods[0]->node, "east-node-1");  // spec.nodeName kept
  ASSERT_EQ(d.all().size(), 1u);
  EXPECT_EQ(d.all()[0].ToString(),
            "dump.yaml:46:3: note: skipped 1 object of kind ConfigMap, which "
            "meshsim does not model");
}

// `diff` names changed objects by the digests loading records; `verify`
// and `paths` load without them (ObjectDigestsOff), and only while they run.
TEST(LoaderTest, ObjectDigestsAreSkippedOnlyWhileTurnedOff) {
  const std::string text = ReadFile("tests/data/loader/dump.yaml");
  auto load = [&] {
    Cluster c = ClusterWithNodes(2);
    Diagnostics d;
    LoadManifestText(text, "dump.yaml", c, d);
    EXPECT_FALSE(d.HasErrors());
    return c;
  };
  const Cluster before = load();
  ASSERT_FALSE(before.objects.empty());
  EXPECT_EQ(before.objects.count("Deployment shop/reviews"), 1u);
  {
    const io::ObjectDigestsOff off;
    const Cluster without = load();
    EXPECT_TRUE(without.objects.empty());
    EXPECT_EQ(without.workloads.size(), before.workloads.size());
    EXPECT_EQ(without.services.size(), before.services.size());
  }
  const Cluster after = load();
  ASSERT_EQ(after.objects.size(), before.objects.size());
  for (const auto& [key, d] : before.objects)
    EXPECT_EQ(after.objects.at(key).digest, d.digest) << key;
}

TEST(LoaderTest, JsonListStatefulSetDaemonSetHeadless) {
  Mesh mesh;
  mesh.clusters.push_back(ClusterWithNodes(3));
  Diagnostics d;
  LoadManifestText(ReadFile("tests/data/loader/objects.json"), "objects.json",
                   mesh.clusters[0], d);
  mesh.Finalize(d);
  ASSERT_FALSE(d.HasErrors());
  const Cluster& c = mesh.clusters[0];
  EXPECT_EQ(c.WorkloadsOf("shop", "db").size(), 3u);
  EXPECT_NE(c.FindWorkload("shop/db-2"), nullptr);
  auto agents = c.WorkloadsOf("shop", "agent");
  ASSERT_EQ(agents.size(), 3u);  // one per node
  EXPECT_EQ(agents[1]->node, "east-node-1");
  const Service* db = c.FindService("shop/db");
  ASSERT_NE(db, nullptr);
  EXPECT_TRUE(db->headless);
  EXPECT_TRUE(db->vips.empty());
  EXPECT_EQ(db->location.ToString(), "objects.json:12:3");
  EXPECT_EQ(c.FindWorkload("shop/db-0")->capture, Capture::kAmbient);
}

TEST(LoaderTest, RoundRobinPlacementIsIndependentOfManifestOrder) {
  auto place = [](const std::string& text) {
    Mesh mesh;
    mesh.clusters.push_back(ClusterWithNodes(2));
    Diagnostics d;
    LoadManifestText(text, "m.yaml", mesh.clusters[0], d);
    mesh.Finalize(d);
    std::map<std::string, std::string> out;
    for (const Workload& w : mesh.clusters[0].workloads)
      out[w.Key()] = w.node + " " + w.ip;
    return out;
  };
  std::string a = testing::Deploy("shop", "a", 2),
              b = testing::Deploy("shop", "b", 1);
  auto ab = place(a + "---\n" + b), ba = place(b + "---\n" + a);
  EXPECT_EQ(ab, ba);
  EXPECT_EQ(ab["shop/a-0"].substr(0, 11), "east-node-0");
  EXPECT_EQ(ab["shop/a-1"].substr(0, 11), "east-node-1");
  EXPECT_EQ(ab["shop/b-0"].substr(0, 11), "east-node-0");
}

// §2.1: a Gateway gets one generated pod named and labelled like Istio's.
TEST(LoaderTest, GatewayGetsGeneratedPod) {
  testing::World w;
  w.Cluster("east", "east", 1);
  w.Add("east", testing::Waypoint("shop", "waypoint"));
  w.Add("east", testing::Ingress("shop", "web"));
  Scenario s = w.Load();
  const Cluster& c = s.mesh.clusters[0];
  const Workload* wp = c.FindWorkload("shop/waypoint-0");
  ASSERT_NE(wp, nullptr);
  EXPECT_EQ(wp->service_account, "waypoint");
  EXPECT_EQ(wp->role, WorkloadRole::kWaypoint);
  EXPECT_EQ(wp->labels.at("gateway.networking.k8s.io/gateway-name"),
            "waypoint");
  const Workload* in = c.FindWorkload("shop/web-istio-0");
  ASSERT_NE(in, nullptr);
  EXPECT_EQ(in->service_account, "web-istio");
  EXPECT_EQ(in->role, WorkloadRole::kIngress);
}

TEST(LoaderTest, InlineResourcesKeepScenarioLocations) {
  testing::World w;
  w.Cluster("east", "east", 1);
  w.Add("east", testing::Ns("shop"));
  Scenario s = w.Load();
  EXPECT_EQ(s.mesh.clusters[0].FindNamespace("shop")->location.ToString(),
            "world.yaml:7:5");
}

// §2.4: serviceEntryVisibility values are checked where they are written;
// NONE is one of them.
TEST(LoaderTest, ServiceEntryVisibilityValuesAreChecked) {
  Diagnostics d;
  auto s = LoadScenarioText(
      "istio:\n  meshConfig:\n    serviceEntryVisibility:\n"
      "      defaultVisibility: NAMESPCE\n"
      "      policies: [{visibility: NONE}]\nclusters: [{name: east}]\n",
      "s.yaml", ".", d);
  EXPECT_TRUE(d.HasErrors());
  std::string all;
  for (const Diagnostic& x : d.all()) all += x.ToString() + "\n";
  EXPECT_NE(
      all.find("s.yaml:4:26: error: istio.meshConfig.serviceEntryVisibility."
               "defaultVisibility must be PUBLIC, NAMESPACE or NONE, got "
               "'NAMESPCE' (did you mean 'NAMESPACE'?)"),
      std::string::npos)
      << all;
  // The misspelled value is the only error: NONE is accepted.
  EXPECT_EQ(all.find("error:"), all.rfind("error:")) << all;
  EXPECT_EQ(all.find("policies[0]"), std::string::npos) << all;
}

TEST(LoaderTest, UnknownScenarioKeyWarnsWithSuggestion) {
  Diagnostics d;
  auto s = LoadScenarioText("clusters: [{name: east}]\ntrafic: []\n", "s.yaml",
                            ".", d);
  ASSERT_TRUE(s);
  EXPECT_FALSE(d.HasErrors());
  ASSERT_EQ(d.all().size(), 1u);
  EXPECT_EQ(d.all()[0].ToString(),
            "s.yaml:2:1: warning: scenario: unknown key 'trafic' is ignored "
            "(did you mean 'traffic'?)");
}

// Keys no command reads are said to be ignored, with where their meaning
// lives, not dropped in silence; `description` stays quiet.
TEST(LoaderTest, KeysNoCommandReadsWarnWhereTheirMeaningLives) {
  Diagnostics d;
  auto s = LoadScenarioText(
      "description: x\nnetwork: net-a\nverify: [waypoint-bypass]\n"
      "clusters: [{name: east}]\n"
      "traffic:\n- {name: t, description: y, connections: 4,\n"
      "   from: {ip: 10.0.0.1}, to: {ip: 10.0.0.2, port: 80}}\n",
      "s.yaml", ".", d);
  ASSERT_TRUE(s);
  std::vector<std::string> warnings;
  for (const Diagnostic& x : d.all())
    if (x.ToString().find("is not read by meshsim") != std::string::npos)
      warnings.push_back(x.ToString());
  ASSERT_EQ(warnings.size(), 3u) << d.all().size();
  EXPECT_EQ(warnings[0].rfind("s.yaml:2:1: warning: scenario: key 'network' "
                              "is not read by meshsim and is ignored: a "
                              "cluster's network is `clusters[].network`",
                              0),
            0u)
      << warnings[0];
  EXPECT_EQ(warnings[1].rfind("s.yaml:3:1: warning: scenario: key 'verify'", 0),
            0u)
      << warnings[1];
  EXPECT_NE(warnings[2].find("traffic[0]: key 'connections'"),
            std::string::npos)
      << warnings[2];
  EXPECT_NE(warnings[2].find("`concurrency`"), std::string::npos);
  for (const Diagnostic& x : d.all())
    EXPECT_EQ(x.ToString().find("description"), std::string::npos)
        << x.ToString();
}

// Every file under tests/data/errors/ names, on its first lines, the exact
// diagnostics it must produce ("# expect: ..." lines), and the CLI exits
// with 2.
TEST(LoaderErrorsTest, EachBadInputGivesItsExactDiagnostic) {
  int checked = 0;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator("tests/data/errors"))
    if (e.path().extension() == ".yaml") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const fs::path& f : files) {
    std::ifstream in(f);
    std::vector<std::string> wants;
    for (std::string line;
         std::getline(in, line) && line.rfind("# expect: ", 0) == 0;)
      wants.push_back(line.substr(10));
    ASSERT_FALSE(wants.empty()) << f << " must start with '# expect: '";
    Diagnostics d;
    LoadScenarioFile(f.string(), d);
    EXPECT_TRUE(d.HasErrors()) << f;
    std::string got;
    for (const Diagnostic& x : d.all()) got += x.ToString() + "\n";
    for (const std::string& want : wants)
      EXPECT_NE(got.find(want + "\n"), std::string::npos)
          << f << "\nwant: " << want << "\ngot:\n"
          << got;
    ++checked;
  }
  EXPECT_GE(checked, 10);
}

// An expectation naming a traffic entry that failed to resolve adds no
// second error ("no traffic entry is named 'x'"): the entry's own error is
// the one to fix.
TEST(LoaderErrorsTest, AnUnresolvedEntryDoesNotCascadeIntoItsExpectations) {
  Diagnostics d;
  LoadScenarioFile("tests/data/errors/unknown-namespace.yaml", d);
  size_t errors = 0;
  std::string got;
  for (const Diagnostic& x : d.all()) {
    errors += x.severity == Severity::kError;
    got += x.ToString() + "\n";
  }
  EXPECT_EQ(errors, 1u) << got;
  EXPECT_EQ(got.find("no traffic entry is named"), std::string::npos) << got;
}

// Files under tests/data/warnings/ load without errors and produce every
// warning named on their "# expect: " lines.
TEST(LoaderErrorsTest, EachQuestionableInputGivesItsExactWarnings) {
  int checked = 0;
  for (const auto& e : fs::directory_iterator("tests/data/warnings")) {
    if (e.path().extension() != ".yaml") continue;
    std::ifstream in(e.path());
    std::vector<std::string> wants;
    for (std::string line; std::getline(in, line);)
      if (line.rfind("# expect: ", 0) == 0) wants.push_back(line.substr(10));
    ASSERT_FALSE(wants.empty()) << e.path();
    Diagnostics d;
    LoadScenarioFile(e.path().string(), d);
    EXPECT_FALSE(d.HasErrors()) << e.path();
    std::string got;
    for (const Diagnostic& x : d.all()) got += x.ToString() + "\n";
    for (const std::string& want : wants) {
      EXPECT_NE(got.find(want + "\n"), std::string::npos)
          << "want: " << want << "\ngot:\n"
          << got;
      ++checked;
    }
  }
  EXPECT_GE(checked, 3);
}

// §7.1: only the cluster with neither `network:` nor istio-system's label
// is warned about, and it keeps meshsim's default, its own name.
TEST(LoaderTest, OnlyAClusterWithNoNetworkAtAllIsWarnedAbout) {
  Diagnostics d;
  auto sc =
      LoadScenarioFile("tests/data/warnings/cluster-without-network.yaml", d);
  ASSERT_TRUE(sc);
  int said = 0;
  for (const Diagnostic& x : d.all())
    said += x.ToString().find(": no network:") != std::string::npos;
  EXPECT_EQ(said, 1);
  std::vector<std::string> networks;
  for (const Cluster& c : sc->mesh.clusters) networks.push_back(c.network);
  EXPECT_EQ(networks, (std::vector<std::string>{"east", "west", "north"}));
}

// istio.flags: a string setting keeps its value as written; a Solo-only
// setting is dropped in a community mesh (that istiod has no such flag) and
// kept in a Solo one.
TEST(LoaderTest, IstioFlagsByKindAndDistribution) {
  auto load = [](const std::string& distribution) {
    Diagnostics d;
    auto sc = LoadScenarioText(
        "name: t\nistio: {version: \"1.30\", distribution: " + distribution +
            ", flags: {PEERING_DISCOVERY_SUFFIX: Corp.Internal, "
            "ENABLE_WAYPOINT_INTEROP: TRUE, PILOT_PREFER_SENDING_HBONE: "
            "True}}\nclusters: [{name: east, nodes: 1, resources: []}]\n",
        "t.yaml", ".", d);
    EXPECT_FALSE(d.HasErrors());
    return sc ? sc->mesh.istio.flags : std::map<std::string, std::string>{};
  };
  const auto solo = load("solo");
  EXPECT_EQ(solo.at("PEERING_DISCOVERY_SUFFIX"), "Corp.Internal");
  EXPECT_EQ(solo.at("ENABLE_WAYPOINT_INTEROP"), "true");
  EXPECT_EQ(solo.at("PILOT_PREFER_SENDING_HBONE"), "true");
  const auto community = load("community");
  EXPECT_EQ(community.count("PEERING_DISCOVERY_SUFFIX"), 0u);
  EXPECT_EQ(community.count("ENABLE_WAYPOINT_INTEROP"), 0u);
  EXPECT_EQ(community.at("PILOT_PREFER_SENDING_HBONE"), "true");
}

// istiod accepts what its webhook lets through: an HTTP server whose tls
// block only redirects (with a credentialName); a route whose host-named
// Service backendRef has weight 0 (buildHTTPDestination skips it before it
// would refuse the name).
TEST(LoaderTest, AcceptsWhatIstiodAccepts) {
  Diagnostics d;
  auto sc = LoadScenarioText(
      "name: t\nclusters:\n- name: east\n  resources:\n"
      "  - apiVersion: networking.istio.io/v1\n    kind: Gateway\n"
      "    metadata: {name: gw, namespace: shop}\n"
      "    spec:\n      servers:\n"
      "      - port: {number: 80, name: http, protocol: HTTP}\n"
      "        hosts: [\"*\"]\n"
      "        tls: {httpsRedirect: true, credentialName: cert}\n"
      "  - apiVersion: gateway.networking.k8s.io/v1\n    kind: HTTPRoute\n"
      "    metadata: {name: r, namespace: shop}\n"
      "    spec:\n      rules:\n      - backendRefs:\n"
      "        - {name: a, port: 80}\n"
      "        - {name: b.shop.svc.cluster.local, port: 80, weight: 0}\n",
      "t.yaml", ".", d);
  ASSERT_TRUE(sc);
  std::string got;
  for (const Diagnostic& x : d.all()) got += x.ToString() + "\n";
  EXPECT_FALSE(d.HasErrors()) << got;
  EXPECT_EQ(sc->mesh.clusters[0].routes.size(), 1u) << got;
}

// The neighbours of tests/data/errors/istiod-refuses-*.yaml that istiod's
// webhook accepts (hosts differing in case, jwks beside jwksUri before
// 1.23, an IPv6 zone, a trailing dot, redirect port 0, a 1ms timeout, a
// capitalised subset name, durations of whole milliseconds written with a
// fraction, such as 1.001s) load without an error.
TEST(LoaderTest, AcceptsTheEdgeCasesIstiodAccepts) {
  Diagnostics d;
  auto sc =
      LoadScenarioFile("tests/data/loader/istiod-admits-edge-cases.yaml", d);
  ASSERT_TRUE(sc);
  std::string got;
  for (const Diagnostic& x : d.all()) got += x.ToString() + "\n";
  EXPECT_FALSE(d.HasErrors()) << got;
  int entries = 0;
  for (const Workload& w : sc->mesh.clusters[0].workloads)
    entries += w.kind == "WorkloadEntry";
  EXPECT_EQ(entries, 4) << got;
}

// §16.10: a null value in a custom resource's map is pruned by the API
// server, so the AuthorizationPolicy selects app=cart alone, the
// VirtualService sets no header x-null and its match tests x-a alone, and the
// listener's selector is empty; a built-in kind's decoder keeps a null label
// as "".
TEST(LoaderTest, ANullInACustomResourcesMapIsPrunedAndInAPodsIsEmpty) {
  Diagnostics d;
  auto sc = LoadScenarioText(
      "clusters:\n  - name: east\n    resources:\n"
      "      - {apiVersion: v1, kind: Pod, metadata: {name: p, namespace: "
      "shop, labels: {app: cart, x: ~}}, spec: {containers: [{name: a, "
      "image: x}]}}\n"
      "      - {apiVersion: security.istio.io/v1, kind: AuthorizationPolicy, "
      "metadata: {name: ap, namespace: shop}, spec: {selector: {matchLabels: "
      "{app: cart, x: ~}}}}\n"
      "      - {apiVersion: networking.istio.io/v1, kind: VirtualService, "
      "metadata: {name: vs, namespace: shop}, spec: {hosts: [cart], http: "
      "[{match: [{headers: {x-a: {exact: a}, x-null: ~, x-b: {exact: b, "
      "prefix: ~}}, withoutHeaders: {x-gone: ~}}], headers: {request: {set: "
      "{x-null: ~, x-set: v}}}, timeout: ~, route: [{destination: {host: "
      "cart}}]}]}}\n"
      "      - {apiVersion: networking.istio.io/v1, kind: DestinationRule, "
      "metadata: {name: dr, namespace: shop}, spec: {host: cart, "
      "trafficPolicy: {tls: {mode: SIMPLE, insecureSkipVerify: ~}}}}\n"
      "      - {apiVersion: gateway.networking.k8s.io/v1, kind: Gateway, "
      "metadata: {name: gw, namespace: shop}, spec: {gatewayClassName: istio, "
      "listeners: [{name: http, port: 80, protocol: HTTP, allowedRoutes: "
      "{namespaces: {from: Selector, selector: {matchLabels: {team: ~}}}}}]}}\n"
      "traffic: []\n",
      "s.yaml", ".", d);
  std::string got;
  for (const Diagnostic& x : d.all()) got += x.ToString() + "\n";
  ASSERT_TRUE(sc && !d.HasErrors()) << got;
  // Each pruned entry of a map is warned at its key; a null field (timeout),
  // a nullable one (insecureSkipVerify) and a pod's label are not; nor is
  // the match {exact: b, prefix: ~}, whose oneOf holds once it is pruned.
  std::vector<std::string> nulls;
  for (const Diagnostic& x : d.all())
    if (x.message.find("is null: the API server drops the entry") !=
        std::string::npos)
      nulls.push_back(x.message.substr(0, x.message.find(" is null")));
  EXPECT_EQ(nulls, (std::vector<std::string>{
                       "AuthorizationPolicy shop/ap: "
                       "spec.selector.matchLabels['x']",
                       "VirtualService shop/vs: "
                       "spec.http[0].match[0].headers['x-null']",
                       "VirtualService shop/vs: "
                       "spec.http[0].match[0].withoutHeaders['x-gone']",
                       "VirtualService shop/vs: "
                       "spec.http[0].headers.request.set['x-null']",
                       "Gateway shop/gw: spec.listeners[0].allowedRoutes."
                       "namespaces.selector.matchLabels['team']"}))
      << got;
  const Cluster& c = sc->mesh.clusters[0];
  ASSERT_EQ(c.authorization_policies.size(), 1u);
  EXPECT_EQ(c.authorization_policies[0].selector, (Labels{{"app", "cart"}}));
  const Workload* pod = nullptr;
  for (const Workload& w : c.workloads)
    if (w.name == "p") pod = &w;
  ASSERT_NE(pod, nullptr);
  EXPECT_EQ(pod->labels, (Labels{{"app", "cart"}, {"x", ""}}));
  ASSERT_EQ(c.routes.size(), 1u);
  ASSERT_FALSE(c.routes[0].rules.empty());
  const auto& filters = c.routes[0].rules[0].filters;
  ASSERT_FALSE(filters.empty());
  EXPECT_EQ(filters[0].set_headers, (Labels{{"x-set", "v"}}));
  // The match tests x-a alone; the null withoutHeaders entry asks nothing.
  const HttpMatch& m = c.routes[0].rules[0].matches.at(0);
  ASSERT_EQ(m.headers.size(), 2u);
  EXPECT_EQ(m.headers[0].name, "x-a");
  EXPECT_EQ(m.headers[1].name, "x-b");
  EXPECT_TRUE(m.without_headers.empty());
  // A listener selector of nothing but a null admits every namespace.
  ASSERT_EQ(c.gateways.count("shop/gw"), 1u);
  const auto& sel = c.gateways.at("shop/gw").listeners.at(0).allowed_selector;
  ASSERT_TRUE(sel);
  EXPECT_TRUE(sel->match_labels.empty());
}

// §16.10: the API server prunes a null from its copy of one object; an
// alias that shares the map with a pod's labels (which keep the entry as "")
// cannot be both in one tree, so meshsim refuses it as not modelled.
TEST(LoaderTest, ANullInAMapSharedThroughAnAliasIsRefused) {
  Diagnostics d;
  LoadScenarioText(
      "clusters:\n  - name: east\n    resources:\n"
      "      - {apiVersion: security.istio.io/v1, kind: AuthorizationPolicy, "
      "metadata: {name: ap, namespace: shop}, spec: {selector: {matchLabels: "
      "&l {app: api, tier: ~}}}}\n"
      "      - {apiVersion: v1, kind: Pod, metadata: {name: p, namespace: "
      "shop, labels: *l}, spec: {containers: [{name: a, image: x}]}}\n"
      "traffic: []\n",
      "s.yaml", ".", d);
  std::string got;
  for (const Diagnostic& x : d.all()) got += x.ToString() + "\n";
  EXPECT_NE(got.find("error: AuthorizationPolicy shop/ap: "
                     "spec.selector.matchLabels['tier'] is null in a map "
                     "shared through a YAML alias"),
            std::string::npos)
      << got;
}

// §16.10: the API server prunes a null before it checks required fields, so
// a required field written null is missing.
TEST(LoaderTest, ARequiredFieldWrittenNullIsMissing) {
  Diagnostics d;
  auto sc = LoadScenarioText(
      "clusters:\n  - name: east\n    resources:\n"
      "      - {apiVersion: gateway.networking.k8s.io/v1, kind: HTTPRoute, "
      "metadata: {name: r, namespace: shop}, spec: {rules: [{backendRefs: "
      "[{name: ~, port: 80}]}]}}\n"
      "traffic: []\n",
      "s.yaml", ".", d);
  std::string got;
  for (const Diagnostic& x : d.all()) got += x.ToString() + "\n";
  EXPECT_NE(got.find("error: HTTPRoute shop/r: "
                     "spec.rules[0].backendRefs[0].name is required"),
            std::string::npos)
      << got;
}

// §16.10: the API server prunes a custom resource's null map entries but
// never its null list items, which fail the item's type; a built-in kind's
// null item is the zero value, and a null label in metadata stays "".
TEST(LoaderTest, ANullListItemOfACustomResourceIsRefused) {
  Diagnostics d;
  auto sc = LoadScenarioText(
      "clusters:\n  - name: east\n    resources:\n"
      "      - {apiVersion: networking.istio.io/v1, kind: VirtualService, "
      "metadata: {name: r, namespace: shop}, spec: {hosts: [api, null], "
      "http: [{route: [~, {destination: {host: api}}]}]}}\n"
      "      - {apiVersion: v1, kind: Service, metadata: {name: api, "
      "namespace: shop}, spec: {selector: {app: api}, ports: [{port: 80}]}}\n"
      "traffic: []\n",
      "s.yaml", ".", d);
  std::vector<std::string> errors;
  for (const Diagnostic& x : d.all())
    if (x.severity == Severity::kError) errors.push_back(x.ToString());
  ASSERT_EQ(errors.size(), 2u) << ::testing::PrintToString(errors);
  EXPECT_NE(errors[0].find("spec.hosts[1] must be a string, got null"),
            std::string::npos)
      << errors[0];
  EXPECT_NE(errors[1].find("spec.http[0].route[0] must be a map, got null"),
            std::string::npos)
      << errors[1];
}

// §3.4: the neighbours of tests/data/errors/se-invalid.yaml that
// validateServiceEntry accepts: several hosts with a TCP port under
// resolution NONE, a CIDR under STATIC, a wildcard DNS host with endpoints,
// a lower-case protocol, and one name on two ports of different numbers in
// two entries.
TEST(LoaderTest, AcceptsTheServiceEntriesIstiodAccepts) {
  const std::string entry =
      "  - apiVersion: networking.istio.io/v1\n    kind: ServiceEntry\n"
      "    metadata: {name: NAME, namespace: shop}\n    spec:\n";
  auto named = [&](const std::string& name) {
    std::string e = entry;
    e.replace(e.find("NAME"), 4, name);
    return e;
  };
  Diagnostics d;
  auto sc = LoadScenarioText(
      "name: t\nclusters:\n- name: east\n  resources:\n" + named("none") +
          "      hosts: [x.example.net, y.example.net]\n"
          "      ports: [{number: 6379, name: redis, protocol: TCP}]\n"
          "      resolution: NONE\n" +
          named("static") +
          "      hosts: [db.example.com]\n"
          "      addresses: [10.9.0.0/16]\n"
          "      ports: [{number: 5432, name: tcp, protocol: tcp}]\n"
          "      resolution: STATIC\n"
          "      endpoints: [{address: 10.9.0.7}]\n" +
          named("wild") +
          "      hosts: [\"*.example.org\"]\n"
          "      ports: [{number: 80, name: tcp, protocol: http}]\n"
          "      resolution: DNS\n"
          "      endpoints: [{address: origin.example.org}]\n",
      "t.yaml", ".", d);
  ASSERT_TRUE(sc);
  std::string got;
  for (const Diagnostic& x : d.all()) got += x.ToString() + "\n";
  EXPECT_FALSE(d.HasErrors()) << got;
  EXPECT_EQ(sc->mesh.clusters[0].services.size(), 3u) << got;
}

TEST(LoaderErrorsTest, MissingScenarioFile) {
  Diagnostics d;
  EXPECT_FALSE(LoadScenarioFile("tests/data/errors/does-not-exist.yaml", d));
  ASSERT_EQ(d.all().size(), 1u);
  EXPECT_EQ(d.all()[0].ToString(),
            "tests/data/errors/does-not-exist.yaml: error: scenario file "
            "'tests/data/errors/does-not-exist.yaml' does not exist");
}

TEST(DiagnosticsTest, ClosestMatch) {
  EXPECT_EQ(ClosestMatch("crat", {"cart", "ratings"}), "cart");
  EXPECT_EQ(ClosestMatch("productpage", {"cart"}), "");
}

}  // namespace
}  // namespace meshsim

namespace meshsim {
namespace {

// Istio's own sample manifests, as published (tests/data/real/ORIGIN.md),
// load without errors; the only notes are skipped kinds meshsim does not
// model.
TEST(RealManifestsTest, IstioSamplesLoadCleanly) {
  const std::set<std::string> expected_skips = {
      "ServiceAccount", "Gateway (networking.istio.io)",
      "IstioOperator (install.istio.io)"};
  int files = 0;
  for (const auto& e : fs::directory_iterator("tests/data/real")) {
    if (e.path().extension() != ".yaml") continue;
    Mesh mesh;
    mesh.clusters.push_back(ClusterWithNodes(3));
    Diagnostics d;
    LoadManifestText(ReadFile(e.path().string()), e.path().string(),
                     mesh.clusters[0], d);
    mesh.Finalize(d);
    EXPECT_FALSE(d.HasErrors()) << e.path();
    for (const Diagnostic& x : d.all()) {
      ASSERT_EQ(x.severity, Severity::kNote) << x.ToString();
      std::string kind = x.message.substr(x.message.find("of kind ") + 8);
      kind = kind.substr(0, kind.find(", which"));
      EXPECT_TRUE(expected_skips.count(kind)) << x.ToString();
    }
    ++files;
  }
  EXPECT_GE(files, 10);
}

// Bookinfo as published: 6 Deployments become 6 pods; the 4 Services select
// them; the reviews Service has 3 endpoints.
TEST(RealManifestsTest, BookinfoModel) {
  Mesh mesh;
  mesh.clusters.push_back(ClusterWithNodes(3));
  Diagnostics d;
  LoadManifestText(ReadFile("tests/data/real/bookinfo.yaml"), "bookinfo.yaml",
                   mesh.clusters[0], d);
  mesh.Finalize(d);
  const Cluster& c = mesh.clusters[0];
  EXPECT_EQ(c.workloads.size(), 6u);
  EXPECT_EQ(c.services.size(), 4u);
  size_t reviews = c.service_by_key.at("default/reviews");
  EXPECT_EQ(c.service_endpoints[reviews].size(), 3u);
  EXPECT_EQ(c.FindWorkload("default/reviews-v2-0")->service_account,
            "bookinfo-reviews");
}

}  // namespace
}  // namespace meshsim

namespace meshsim {
namespace {

TEST(GatewayDurationTest, ParsesGatewayApiDurations) {
  EXPECT_EQ(ParseGatewayDuration("10s"), 10'000'000'000);
  EXPECT_EQ(ParseGatewayDuration("500ms"), 500'000'000);
  EXPECT_EQ(ParseGatewayDuration("1m30s"), 90'000'000'000);
  EXPECT_EQ(ParseGatewayDuration("1h"), 3'600'000'000'000);
  EXPECT_EQ(ParseGatewayDuration("two seconds"), std::nullopt);
  EXPECT_EQ(ParseGatewayDuration("1.5s"), std::nullopt);
  EXPECT_EQ(ParseGatewayDuration("123456s"), std::nullopt);
  EXPECT_EQ(ParseGatewayDuration(""), std::nullopt);
}

// The manifests meshsim ships for its Indexed Job (docs/scale-out.md) pass
// the same strict schema checks as users' manifests: a field kubectl would
// refuse fails this test.
TEST(LoaderTest, ShippedKubernetesManifestsMatchTheirSchemas) {
  for (const char* f :
       {"deploy/kubernetes/shards-job.yaml", "deploy/kubernetes/merge-job.yaml",
        "deploy/kubernetes/results-pvc.yaml"}) {
    Cluster c = ClusterWithNodes(1);
    Diagnostics d;
    LoadManifestText(ReadFile(f), f, c, d);
    EXPECT_FALSE(d.HasErrors()) << f;
    for (const Diagnostic& x : d.all())
      EXPECT_EQ(x.severity, Severity::kNote) << x.ToString();
  }
  // The schemas are applied: a misspelt completion mode and an unknown field
  // of the Job's spec are errors.
  std::string job = ReadFile("deploy/kubernetes/shards-job.yaml");
  job.replace(job.find("completionMode: Indexed"), 23,
              "completionMode: Indexd\n  parallelsm: 2");
  Cluster c = ClusterWithNodes(1);
  Diagnostics d;
  LoadManifestText(job, "job.yaml", c, d);
  std::string all;
  for (const Diagnostic& x : d.all()) all += x.ToString() + "\n";
  EXPECT_NE(all.find("Indexd"), std::string::npos) << all;
  EXPECT_NE(all.find("parallelsm"), std::string::npos) << all;
}

}  // namespace
}  // namespace meshsim

namespace meshsim {
namespace {

// Clusters' manifests load on threads of their own: the diagnostics come
// in cluster order (each cluster's header, then its manifests), the same on
// every load, and each cluster holds only its own objects.
TEST(LoaderTest, ClustersLoadedInParallelReportInClusterOrder) {
  const fs::path dir = fs::temp_directory_path() / "meshsim-parallel-load";
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ostringstream sc;
  sc << "name: parallel\nclusters:\n";
  for (int i = 0; i < 6; ++i) {
    const std::string c = "c" + std::to_string(i);
    std::ofstream m(dir / (c + ".yaml"));
    m << "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns" << i
      << "\n---\napiVersion: example.com/v1\nkind: Widget" << i
      << "\nmetadata:\n  name: w\n  namespace: ns" << i << "\n";
    for (int s = 0; s < 50; ++s)
      m << "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: svc" << s
        << "\n  namespace: ns" << i << "\nspec:\n  ports: [{port: 80}]\n";
    // A Service port out of range: an error in each cluster.
    m << "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: bad\n"
         "  namespace: ns"
      << i << "\nspec:\n  ports: [{port: 70000}]\n";
    sc << "  - name: " << c << "\n    nodes: " << (i == 3 ? "0" : "1")
       << "\n    manifests: [" << c << ".yaml]\n";
  }
  std::string first;
  for (int run = 0; run < 5; ++run) {
    Diagnostics d;
    auto s =
        LoadScenarioText(sc.str(), (dir / "s.yaml").string(), dir.string(), d);
    ASSERT_TRUE(s);
    std::string all;
    for (const Diagnostic& x : d.all()) all += x.ToString() + "\n";
    if (run == 0) {
      first = all;
      // c3's header error (nodes: 0) between c2's and c3's manifests, and
      // every cluster's skipped-kind note and port error in order.
      size_t at = 0;
      for (int i = 0; i < 6; ++i) {
        const std::string file = (dir / ("c" + std::to_string(i) + ".yaml"))
                                     .lexically_normal()
                                     .string();
        if (i == 3) {
          const size_t header = all.find("cluster c3: nodes", at);
          ASSERT_NE(header, std::string::npos) << all;
          at = header;
        }
        const size_t note = all.find(file + ":", at);
        ASSERT_NE(note, std::string::npos) << i << "\n" << all;
        at = note + 1;
      }
      ASSERT_EQ(s->mesh.clusters.size(), 6u);
      for (const Cluster& c : s->mesh.clusters)
        for (const Service& svc : c.services)
          EXPECT_EQ(svc.ns, "ns" + c.name.substr(1)) << c.name;
    } else {
      EXPECT_EQ(all, first) << "run " << run;
    }
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace meshsim

namespace meshsim {
namespace {

// §3.6 (IsPodReady; TestPodWorkloads "simple pod not ready"): a pod whose
// status has a phase or conditions is ready only with a Ready condition
// "True"; one written without any status, or with only an address, is taken
// as running and ready. A Running pod with no Ready condition is warned
// about, as the manifest may have meant it ready.
TEST(LoaderTest, APodWithAStatusNeedsAReadyCondition) {
  const struct {
    const char* status;
    bool ready;
    bool warned;
  } cases[] = {
      {"", true, false},
      {"status: {phase: Running, podIP: 10.3.0.5}\n", false, true},
      {"status: {podIP: 10.3.0.5}\n", true, false},
      {"status: {phase: Running, podIP: 10.3.0.5, conditions: [{type: Ready, "
       "status: \"True\"}]}\n",
       true, false},
      {"status: {phase: Running, podIP: 10.3.0.5, conditions: [{type: Ready, "
       "status: \"False\"}]}\n",
       false, false},
      {"status: {phase: Pending, podIP: 10.3.0.5}\n", false, false},
  };
  for (const auto& c : cases) {
    testing::World w;
    w.Cluster("east", "net-east", 1);
    w.Add("east", testing::Ns("shop", {{testing::Ambient(), "ambient"}}));
    w.Add("east", std::string("apiVersion: v1\nkind: Pod\nmetadata:\n"
                              "  name: cart-0\n  namespace: shop\nspec:\n"
                              "  containers: [{name: app, image: x}]\n") +
                      c.status);
    Diagnostics d;
    std::optional<Scenario> sc = LoadScenarioText(w.Text(), "w.yaml", ".", d);
    ASSERT_TRUE(sc) << c.status;
    const Workload* pod = sc->mesh.clusters[0].FindWorkload("shop/cart-0");
    ASSERT_NE(pod, nullptr) << c.status;
    EXPECT_EQ(pod->ready, c.ready) << c.status;
    bool warned = false;
    for (const Diagnostic& x : d.all())
      warned =
          warned || x.message.find("no Ready condition") != std::string::npos;
    EXPECT_EQ(warned, c.warned) << c.status;
  }
}

TEST(LoaderTest, AServiceDefinedTwiceKeepsOnlyItsFirstDefinition) {
  testing::World w;
  w.Cluster("east", "net-east", 1);
  w.Add("east", testing::Ns("shop", {{testing::Ambient(), "ambient"}}));
  w.Add("east", testing::Svc("shop", "cart", 80));
  w.Add("east", testing::Svc("shop", "cart", 80,
                             {{"istio.io/use-waypoint", "waypoint"}}));
  Diagnostics d;
  std::optional<Scenario> sc = LoadScenarioText(w.Text(), "w.yaml", ".", d);
  ASSERT_TRUE(sc);
  int copies = 0;
  for (const Service& s : sc->mesh.clusters[0].services)
    if (s.Key() == "shop/cart") {
      ++copies;
      EXPECT_EQ(s.labels.count("istio.io/use-waypoint"), 0u);
    }
  EXPECT_EQ(copies, 1);
  int warned = 0;
  for (const Diagnostic& x : d.all())
    warned += x.message.find("shop/cart is defined twice") != std::string::npos;
  EXPECT_EQ(warned, 1);
}

TEST(LoaderTest, TheSystemNamespacesNetworkLabelIsTheClustersNetwork) {
  // §7.1 (networks.go; TestAmbientSystemNamespaceNetworkChange): istiod
  // reads its cluster's network from istio-system's label.
  const std::string labelled =
      testing::Ns("istio-system", {{"topology.istio.io/network", "nw1"}});
  for (const auto& [network_key, want, warned] :
       std::vector<std::tuple<std::string, std::string, bool>>{
           {"", "nw1", false}, {"nw1", "nw1", false}, {"other", "nw1", true}}) {
    std::string text = "clusters:\n- name: east\n";
    if (!network_key.empty()) text += "  network: " + network_key + "\n";
    text +=
        "  resources:\n  - " + labelled.substr(0, labelled.find('\n')) + "\n";
    for (size_t at = labelled.find('\n') + 1, next; at < labelled.size();
         at = next + 1) {
      next = labelled.find('\n', at);
      text += "    " + labelled.substr(at, next - at) + "\n";
    }
    text += "traffic: []\n";
    Diagnostics d;
    std::optional<Scenario> sc = LoadScenarioText(text, "w.yaml", ".", d);
    ASSERT_TRUE(sc) << text;
    ASSERT_EQ(sc->mesh.clusters.size(), 1u);
    EXPECT_EQ(sc->mesh.clusters[0].network, want) << network_key;
    bool said = false;
    for (const Diagnostic& x : d.all())
      said = said || (x.severity == Severity::kWarning &&
                      x.message.find("istiod reads as the cluster's network") !=
                          std::string::npos);
    EXPECT_EQ(said, warned) << network_key;
  }
  // Unlabelled, the scenario's key (default: the cluster's name) stays.
  Diagnostics d;
  std::optional<Scenario> sc = LoadScenarioText(
      "clusters:\n- name: east\ntraffic: []\n", "w.yaml", ".", d);
  ASSERT_TRUE(sc);
  EXPECT_EQ(sc->mesh.clusters[0].network, "east");
}

// A loader's warning about an object's field names the object, as lint's
// catalogue findings do: lint --format json fills `object` from it.
TEST(LoaderTest, AnObjectsLoaderWarningNamesTheObject) {
  Diagnostics d;
  ASSERT_TRUE(
      LoadScenarioFile("tests/data/warnings/unmodelled-fields.yaml", d));
  int named = 0;
  for (const Diagnostic& x : d.all()) {
    if (x.message.rfind("DestinationRule shop/cart: meshsim does not model",
                        0) != 0)
      continue;
    EXPECT_EQ(x.object.kind, "DestinationRule");
    EXPECT_EQ(x.object.ns, "shop");
    EXPECT_EQ(x.object.name, "cart");
    EXPECT_EQ(x.object.cluster, "east");
    ++named;
  }
  EXPECT_EQ(named, 1);
  // A VirtualService match's name only labels it in Envoy's stats.
  for (const Diagnostic& x : d.all())
    EXPECT_EQ(x.message.find("match[0].name"), std::string::npos) << x.message;
}

}  // namespace
}  // namespace meshsim
