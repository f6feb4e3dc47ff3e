// `meshsim diff` end to end: a change that turns a namespace's pods into
// another kind of client is reported, witnesses included, for every class of
// source (the class of any pod outside the mesh has no workload to replay).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "tests/cli/cli_outcome.h"

namespace meshsim::cli_test {
namespace {

namespace fs = std::filesystem;

constexpr char kOnlyWaypoint[] =
    "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
    "metadata: {name: only-waypoint, namespace: shop}\nspec:\n  rules:\n"
    "  - from:\n    - source: {principals: "
    "[\"cluster.local/ns/shop/sa/waypoint\"]}\n";

// scenarios/diff/client-leaves-ambient's manifests in `dir`/old and
// `dir`/new, with an ALLOW that admits only the waypoint; in the new
// version namespace `leaving` is labelled dataplane-mode none.
void WritePair(const fs::path& dir, const std::string& leaving) {
  const fs::path src = "scenarios/diff/client-leaves-ambient/manifests";
  for (const char* v : {"old", "new"}) {
    fs::create_directories(dir / v);
    for (const auto& e : fs::directory_iterator(src)) {
      std::ifstream in(e.path());
      std::string text(std::istreambuf_iterator<char>(in), {});
      const std::string ns = "  name: " + leaving + "\n";
      const size_t at = text.find(ns);
      if (std::string(v) == "new" && at != std::string::npos) {
        const std::string from = "istio.io/dataplane-mode: ambient";
        const size_t label = text.find(from, at);
        text.replace(label, from.size(), "istio.io/dataplane-mode: none");
      }
      std::ofstream(dir / v / e.path().filename()) << text;
    }
    std::ofstream(dir / v / "policy.yaml") << kOnlyWaypoint;
    std::ofstream(dir / (std::string(v) + ".yaml"))
        << "name: " << v << "\nistio: {version: \"1.31\"}\nclusters:\n"
        << "  - name: east\n    nodes: 2\n    manifests: [" << v << "/]\n";
  }
}

// Until 2026-12-05 this crashed: the witness of the outside-the-mesh class
// was replayed from a workload it does not have.
TEST(DiffCliTest, DestinationLeavingAmbientReportsTheOutsideMeshClass) {
  const fs::path dir = fs::temp_directory_path() / "meshsim-diff-leaves";
  fs::remove_all(dir);
  WritePair(dir, "shop");
  const Outcome o =
      Cli({"diff", (dir / "old.yaml").string(), (dir / "new.yaml").string()});
  EXPECT_EQ(o.code, 1) << o.out << o.err;
  // ztunnel enforced the ALLOW in the old version; nothing does now. The
  // class outside the mesh is among the sources of a newly allowed request
  // to shop/cart:80 (grouped with others whose fate changed alike).
  bool outside = false;
  for (size_t at = o.out.find("[diff-newly-allowed] newly allowed: ");
       at != std::string::npos;
       at = o.out.find("[diff-newly-allowed] newly allowed: ", at + 1)) {
    const std::string block = o.out.substr(at, o.out.find("\n\n", at) - at);
    outside =
        outside || block.find("a pod outside the mesh") != std::string::npos;
  }
  EXPECT_TRUE(outside) << o.out;
  EXPECT_NE(o.out.find("    old: denied"), std::string::npos) << o.out;
  fs::remove_all(dir);
}

TEST(DiffCliTest, ClientLeavingAmbientIsTheSameSourceInBothVersions) {
  const fs::path dir = fs::temp_directory_path() / "meshsim-diff-client";
  fs::remove_all(dir);
  WritePair(dir, "client");
  const Outcome o = Cli({"diff", (dir / "old.yaml").string(),
                         (dir / "new.yaml").string(), "--format", "json"});
  EXPECT_EQ(o.code, 1) << o.out << o.err;
  EXPECT_EQ(o.out.find("exists only in"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("uncaptured workload client/curl"), std::string::npos)
      << o.out;
  fs::remove_all(dir);
}

// A workload whose pods are of two kinds of client (one pod opted out of
// ambient) is two sources; identical versions pair each with itself by id,
// never one kind with the other (AlignKey only pairs what is left).
TEST(DiffCliTest, AWorkloadOfTwoKindsPairsByIdInIdenticalVersions) {
  const fs::path dir = fs::temp_directory_path() / "meshsim-diff-two-kinds";
  fs::remove_all(dir);
  fs::create_directories(dir);
  auto pod = [](const std::string& name, const std::string& extra_label,
                const std::string& ip) {
    return "      - apiVersion: v1\n        kind: Pod\n        metadata: "
           "{name: " +
           name + ", namespace: shop, labels: {app: app" + extra_label +
           "}, ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, "
           "name: app-1, uid: u1, controller: true}]}\n        spec: "
           "{serviceAccountName: app, containers: [{name: c, image: c}]}\n"
           "        status: {phase: Running, podIP: " +
           ip + ", conditions: [{type: Ready, status: \"True\"}]}\n";
  };
  const std::string text =
      "name: two kinds\nclusters:\n  - name: east\n    nodes: 1\n"
      "    resources:\n"
      "      - {apiVersion: v1, kind: Namespace, metadata: {name: shop, "
      "labels: {istio.io/dataplane-mode: ambient}}}\n" +
      pod("app-1-aaaa", "", "10.0.0.5") +
      pod("app-1-bbbb", ", istio.io/dataplane-mode: none", "10.0.0.6") +
      "      - {apiVersion: apps/v1, kind: Deployment, metadata: {name: cart, "
      "namespace: shop}, spec: {replicas: 1, selector: {matchLabels: {app: "
      "cart}}, template: {metadata: {labels: {app: cart}}, spec: "
      "{containers: [{name: c, image: c}]}}}}\n"
      "      - {apiVersion: v1, kind: Service, metadata: {name: cart, "
      "namespace: shop}, spec: {selector: {app: cart}, ports: [{port: "
      "80}]}}\n"
      "      - {apiVersion: security.istio.io/v1, kind: AuthorizationPolicy, "
      "metadata: {name: cart, namespace: shop}, spec: {selector: "
      "{matchLabels: {app: cart}}, rules: [{from: [{source: {principals: "
      "[cluster.local/ns/shop/sa/app]}}]}]}}\ntraffic: []\n";
  for (const char* v : {"old.yaml", "new.yaml"}) std::ofstream(dir / v) << text;
  const Outcome o =
      Cli({"diff", (dir / "old.yaml").string(), (dir / "new.yaml").string()});
  EXPECT_EQ(o.code, 0) << o.out << o.err;
  EXPECT_NE(o.out.find("equivalent for all requests"), std::string::npos)
      << o.out;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace meshsim::cli_test
