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
  // ztunnel enforced the ALLOW in the old version; nothing does now.
  EXPECT_NE(o.out.find("[diff-newly-allowed] newly allowed: TCP from a pod "
                       "outside the mesh (cluster east) to shop/cart:80"),
            std::string::npos)
      << o.out;
  EXPECT_NE(o.out.find("    old: denied\n"), std::string::npos) << o.out;
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

}  // namespace
}  // namespace meshsim::cli_test
