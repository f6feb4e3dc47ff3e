// `meshsim init --cluster NAME=DUMP ... -o FILE` (issue contract): a scenario
// from kubectl dumps that loads as it is written.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/cli.h"
#include "model/io/loader.h"

namespace meshsim {
namespace {

namespace fs = std::filesystem;

struct CliRun {
  int code;
  std::string out, err;
};

CliRun Cli(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  int code = RunCli(args, out, err);
  return {code, out.str(), err.str()};
}

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
  CliRun r = Cli({"init", "--cluster",
                  "east=" + (dir / "dumps" / "east.yaml").string(), "--cluster",
                  "west=" + (dir / "dumps" / "west").string(), "-o", out});
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

TEST(InitTest, BadArgumentsAndExistingFilesAreErrors) {
  const fs::path dir = Workspace("bad");
  const std::string out = (dir / "scenario.yaml").string();
  EXPECT_EQ(Cli({"init", "--cluster", "east", "-o", out}).code, 2);
  CliRun missing = Cli({"init", "--cluster",
                        "east=" + (dir / "nothing.yaml").string(), "-o", out});
  EXPECT_EQ(missing.code, 2);
  EXPECT_FALSE(fs::exists(out));
  CliRun upper =
      Cli({"init", "--cluster",
           "East=" + (dir / "dumps" / "east.yaml").string(), "-o", out});
  EXPECT_EQ(upper.code, 2);
  EXPECT_NE(upper.err.find("must be a DNS label"), std::string::npos);
  ASSERT_EQ(Cli({"init", "--cluster",
                 "east=" + (dir / "dumps" / "east.yaml").string(), "-o", out})
                .code,
            0);
  CliRun again =
      Cli({"init", "--cluster",
           "east=" + (dir / "dumps" / "east.yaml").string(), "-o", out});
  EXPECT_EQ(again.code, 2);
  EXPECT_NE(again.err.find("pass --force"), std::string::npos);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace meshsim
