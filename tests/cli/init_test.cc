// `meshsim init --cluster NAME=DUMP ... -o FILE` (issue contract): a scenario
// from kubectl dumps that loads as it is written.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "cli/cli.h"
#include "model/io/loader.h"
#include "tests/cli/cli_outcome.h"

namespace meshsim {
namespace {

namespace fs = std::filesystem;

using cli_test::Cli;

// A fresh folder holding copies of tests/data/init, so the written scenario
// names its dumps relative to itself.
fs::path Workspace(const std::string& name) {
  fs::path dir = fs::temp_directory_path() /
                 ("meshsim-init-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "dumps");
  fs::copy("tests/data/init", dir / "dumps", fs::copy_options::recursive);
  return dir;
}

TEST(InitTest, TwoClustersFromAFileAndAFolder) {
  const fs::path dir = Workspace("two");
  const std::string out = (dir / "scenario.yaml").string();
  cli_test::Outcome r = Cli(
      {"init", "--cluster", "east=" + (dir / "dumps" / "east.yaml").string(),
       "--cluster", "west=" + (dir / "dumps" / "west").string(), "-o", out});
  ASSERT_EQ(r.code, 0) << r.err;
  Diagnostics diags;
  std::optional<Scenario> sc = LoadScenarioFile(out, diags);
  std::ostringstream msgs;
  diags.Print(msgs);
  ASSERT_TRUE(sc && !diags.HasErrors()) << msgs.str();
  ASSERT_EQ(sc->mesh.clusters.size(), 2u);
  const Cluster& east = sc->mesh.clusters[0];
  const Cluster& west = sc->mesh.clusters[1];
  EXPECT_EQ(east.name, "east");
  EXPECT_EQ(east.network, "net-east");
  EXPECT_EQ(west.network, "net-west");
  ASSERT_EQ(east.nodes.size(), 1u);
  EXPECT_EQ(east.nodes[0].zone, "us-east-1a");
  EXPECT_EQ(east.nodes[0].region, "us-east-1");
  ASSERT_EQ(west.nodes.size(), 2u);
  EXPECT_EQ(west.nodes[1].zone, "us-west-2b");  // the beta label, as a fallback
  // The release of the first cluster's istiod; the other's as an override.
  EXPECT_EQ(sc->mesh.istio.version.ToString(), "1.28");
  ASSERT_TRUE(west.version);
  EXPECT_EQ(west.version->ToString(), "1.27");
  // A Solo image anywhere makes the distribution Solo; boolean env only.
  EXPECT_EQ(sc->mesh.istio.distribution, Distribution::kSolo);
  EXPECT_EQ(sc->mesh.istio.flags.count("AMBIENT_ENABLE_MULTI_NETWORK"), 1u);
  EXPECT_EQ(sc->mesh.istio.flags.count("PILOT_SOLO_ENABLE_AUTO_WAYPOINT"), 1u);
  EXPECT_EQ(sc->mesh.istio.flags.count("CLUSTER_ID"), 0u);
  EXPECT_EQ(sc->mesh.istio.flags.count("PILOT_TRACE_SAMPLING"), 0u);
  // The dumps' objects are the clusters' manifests, named relative to the
  // scenario file.
  EXPECT_TRUE(east.FindService("shop/cart"));
  std::ifstream in(out);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_NE(text.str().find("manifests: [\"dumps/east.yaml\"]"),
            std::string::npos)
      << text.str();
  EXPECT_NE(text.str().find("manifests: [\"dumps/west/\"]"), std::string::npos);
  fs::remove_all(dir);
}

// `kubectl get ... -o yaml` of a cluster rebuilt from a bundled scenario's
// manifests: one `kind: List` whose items are its objects, its Nodes and an
// istiod Deployment (release 1.31, AMBIENT_ENABLE_MULTI_NETWORK=true).
// `drop`: a line whose object is left out (e.g. the east-west gateway's
// name).
std::string KubectlList(const fs::path& manifests,
                        const std::vector<std::string>& nodes,
                        const std::string& drop = "") {
  std::vector<std::string> docs;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(manifests))
    files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const fs::path& f : files) {
    std::ifstream in(f);
    std::string line, doc;
    while (std::getline(in, line)) {
      if (line == "---") {
        docs.push_back(doc);
        doc.clear();
        continue;
      }
      if (!line.empty() && line[0] != '#') doc += line + "\n";
    }
    docs.push_back(doc);
  }
  for (const std::string& n : nodes)
    docs.push_back("apiVersion: v1\nkind: Node\nmetadata:\n  name: " + n +
                   "\n  labels:\n    topology.kubernetes.io/zone: " + n +
                   "-zone\n");
  docs.push_back(
      "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: istiod\n"
      "  namespace: istio-system\nspec:\n  selector:\n    matchLabels:\n"
      "      app: istiod\n  template:\n    metadata:\n      labels:\n"
      "        app: istiod\n    spec:\n"
      "      containers:\n      - name: discovery\n"
      "        image: docker.io/istio/pilot:1.31.0\n        env:\n"
      "        - {name: AMBIENT_ENABLE_MULTI_NETWORK, value: \"true\"}\n");
  std::string out = "apiVersion: v1\nkind: List\nitems:\n";
  for (const std::string& d : docs) {
    if (d.find_first_not_of(" \n") == std::string::npos) continue;
    if (!drop.empty() && d.find(drop) != std::string::npos) continue;
    std::istringstream in(d);
    std::string line;
    bool first = true;
    while (std::getline(in, line)) {
      out += (first ? "- " : "  ") + line + "\n";
      first = false;
    }
  }
  return out;
}

// From dumps of scenarios/multicluster-waypoints' two clusters: networks,
// nodes, release and flag, both east-west gateways named, and suggested
// traffic with names unique across the clusters, so the getting-started
// `sed` (every suggestion uncommented) gives a scenario `paths` runs.
// Without east's east-west gateway, init warns that net-east has none.
TEST(InitTest, FromKubectlListsOfABundledMulticlusterScenario) {
  const fs::path dir = Workspace("bundled");
  const fs::path m = "scenarios/multicluster-waypoints/manifests";
  for (const bool with_gateway : {true, false}) {
    SCOPED_TRACE(with_gateway ? "both gateways" : "east's gateway dropped");
    std::ofstream(dir / "east.yaml")
        << KubectlList(m / "east", {"east-node-a", "east-node-b"},
                       with_gateway ? "" : "gatewayClassName: istio-east-west");
    std::ofstream(dir / "west.yaml")
        << KubectlList(m / "west", {"west-node-a", "west-node-b"});
    const std::string out = (dir / "scenario.yaml").string();
    cli_test::Outcome r =
        Cli({"init", "--cluster", "east=" + (dir / "east.yaml").string(),
             "--cluster", "west=" + (dir / "west.yaml").string(), "-o", out,
             "--force"});
    ASSERT_EQ(r.code, 0) << r.err;
    std::ifstream in(out);
    std::stringstream text;
    text << in.rdbuf();
    if (with_gateway) {
      EXPECT_EQ(r.err.find("warning"), std::string::npos) << r.err;
      EXPECT_NE(text.str().find("#   network net-east (east): "
                                "istio-system/istio-eastwestgateway in "
                                "cluster east"),
                std::string::npos)
          << text.str();
    } else {
      EXPECT_NE(r.err.find("warning: network net-east (cluster east) has no "
                           "east-west gateway"),
                std::string::npos)
          << r.err;
      EXPECT_NE(text.str().find("#   network net-east (east): NO east-west "
                                "gateway"),
                std::string::npos)
          << text.str();
    }
    // Every suggestion uncommented, as docs/getting-started.md does.
    std::string scenario, line;
    bool suggested = false;
    std::istringstream lines(text.str());
    while (std::getline(lines, line)) {
      if (line == "traffic: []") continue;
      suggested = suggested || line.rfind("# traffic:", 0) == 0;
      if (suggested && line.rfind("# ", 0) == 0) line = line.substr(2);
      scenario += line + "\n";
    }
    std::ofstream(out) << scenario;
    Diagnostics diags;
    std::optional<Scenario> sc = LoadScenarioFile(out, diags);
    std::ostringstream msgs;
    diags.Print(msgs);
    ASSERT_TRUE(sc && !diags.HasErrors()) << msgs.str() << scenario;
    ASSERT_EQ(sc->mesh.clusters.size(), 2u);
    EXPECT_EQ(sc->mesh.clusters[1].network, "net-west");
    EXPECT_EQ(sc->mesh.clusters[0].nodes.size(), 2u);
    EXPECT_EQ(sc->mesh.istio.version.ToString(), "1.31");
    EXPECT_TRUE(sc->mesh.istio.Flag("AMBIENT_ENABLE_MULTI_NETWORK", false));
    ASSERT_GE(sc->traffic.size(), 2u);
    std::set<std::string> clusters;
    for (const TrafficEntry& t : sc->traffic) clusters.insert(t.from.cluster);
    EXPECT_EQ(clusters.size(), 2u);
    cli_test::Outcome paths = Cli({"paths", out});
    EXPECT_EQ(paths.code, 0) << paths.err;
  }
  fs::remove_all(dir);
}

TEST(InitTest, BadArgumentsAndExistingFilesAreErrors) {
  const fs::path dir = Workspace("bad");
  const std::string out = (dir / "scenario.yaml").string();
  EXPECT_EQ(Cli({"init", "--cluster", "east", "-o", out}).code, 2);
  cli_test::Outcome missing =
      Cli({"init", "--cluster", "east=" + (dir / "nothing.yaml").string(), "-o",
           out});
  EXPECT_EQ(missing.code, 2);
  EXPECT_FALSE(fs::exists(out));
  cli_test::Outcome upper =
      Cli({"init", "--cluster",
           "East=" + (dir / "dumps" / "east.yaml").string(), "-o", out});
  EXPECT_EQ(upper.code, 2);
  EXPECT_NE(upper.err.find("must be a DNS label"), std::string::npos);
  // A dump the loader refuses: exit 2, the loader's error, nothing written
  // (init used to write it and exit 0, leaving the error to the next
  // command).
  {
    std::ofstream(dir / "garbage.yaml") << "hello world\n";
    cli_test::Outcome garbage =
        Cli({"init", "--cluster", "east=" + (dir / "garbage.yaml").string(),
             "-o", out});
    EXPECT_EQ(garbage.code, 2);
    EXPECT_NE(garbage.err.find("garbage.yaml:1:1: error: expected a "
                               "Kubernetes object"),
              std::string::npos)
        << garbage.err;
    EXPECT_FALSE(fs::exists(out));
  }
  ASSERT_EQ(Cli({"init", "--cluster",
                 "east=" + (dir / "dumps" / "east.yaml").string(), "-o", out})
                .code,
            0);
  cli_test::Outcome again =
      Cli({"init", "--cluster",
           "east=" + (dir / "dumps" / "east.yaml").string(), "-o", out});
  EXPECT_EQ(again.code, 2);
  EXPECT_NE(again.err.find("pass --force"), std::string::npos);
  fs::remove_all(dir);
}

// `paths --show-generated` (issue 20): what peering writes in each cluster,
// in the text and JSON reports; without the flag neither shows it.
TEST(ShowGeneratedTest, PathsPrintsPeeringEntriesOnRequest) {
  const std::string sc = "scenarios/peering/x-binds-only/scenario.yaml";
  cli_test::Outcome plain = Cli({"paths", sc});
  ASSERT_EQ(plain.code, 0) << plain.err;
  EXPECT_EQ(plain.out.find("generated by istiod"), std::string::npos);
  cli_test::Outcome text = Cli({"paths", sc, "--show-generated"});
  ASSERT_EQ(text.code, 0) << text.err;
  EXPECT_NE(text.out.find("ServiceEntry sample/autogen.sample.echo in cluster "
                          "f: hosts echo.sample.mesh.internal; endpoints from "
                          "a, x"),
            std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("global waypoint sample/waypoint: no copy on this "
                          "network, so none is bound"),
            std::string::npos);
  cli_test::Outcome json =
      Cli({"paths", sc, "--show-generated", "--format", "json"});
  ASSERT_EQ(json.code, 0) << json.err;
  EXPECT_NE(json.out.find("\"generated\""), std::string::npos);
  EXPECT_NE(json.out.find("\"global_waypoint\": \"sample/waypoint\""),
            std::string::npos)
      << json.out;
}

// `run --replications N -j J` (issue 22): the same bytes for any J, in text
// and JSON; a trace records one run, so it is a usage error with them.
TEST(ReplicationsCliTest, OutputDoesNotDependOnJobs) {
  const std::string sc = "scenarios/waypoint-cost/scenario.yaml";
  for (const std::string format : {"text", "json"}) {
    cli_test::Outcome one = Cli({"run", sc, "--replications", "3", "-j", "1",
                                 "--format", format, "--quiet"});
    cli_test::Outcome two = Cli({"run", sc, "--replications", "3", "-j", "2",
                                 "--format", format, "--quiet"});
    ASSERT_EQ(one.code, 0) << one.err;
    EXPECT_EQ(one.out, two.out);
    EXPECT_NE(one.out.find(format == "json" ? "\"ci95\"" : " ± "),
              std::string::npos)
        << one.out;
  }
  cli_test::Outcome traced = Cli({"run", sc, "--replications", "2", "--trace",
                                  "/tmp/meshsim-never-written.jsonl"});
  EXPECT_EQ(traced.code, 2);
  EXPECT_NE(traced.err.find("cannot be combined with --replications"),
            std::string::npos);
}

}  // namespace
}  // namespace meshsim
