// End to end through RunCli: every bundled scenario's `paths --format json`
// output equals its checked-in golden (regenerate with
// scripts/update-goldens.sh), output is deterministic, and exit codes follow
// the contract.
#include "cli/cli.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace meshsim {
namespace {

namespace fs = std::filesystem;

struct CliRun {
  int code;
  std::string out;
  std::string err;
};

CliRun Cli(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  int code = RunCli(args, out, err);
  return {code, out.str(), err.str()};
}

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::vector<fs::path> Scenarios() {
  std::vector<fs::path> out;
  for (const auto& e : fs::recursive_directory_iterator("scenarios"))
    if (e.path().filename() == "scenario.yaml") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(ScenarioGoldenTest, PathsMatchCheckedInGoldens) {
  auto scenarios = Scenarios();
  ASSERT_GE(scenarios.size(), 10u);
  for (const fs::path& s : scenarios) {
    fs::path golden = s.parent_path() / "expected" / "paths.json";
    ASSERT_TRUE(fs::exists(golden))
        << golden << " is missing; run scripts/update-goldens.sh";
    CliRun r = Cli({"paths", s.string(), "--format", "json"});
    EXPECT_EQ(r.code, 0) << s << "\n" << r.err;
    EXPECT_EQ(r.out, ReadFile(golden))
        << s
        << " differs from its golden; review the change and "
           "run scripts/update-goldens.sh";
  }
}

TEST(ScenarioGoldenTest, OutputIsByteIdenticalAcrossRuns) {
  for (const fs::path& s : Scenarios()) {
    CliRun a = Cli({"paths", s.string(), "--format", "json"});
    CliRun b = Cli({"paths", s.string(), "--format", "json"});
    EXPECT_EQ(a.out, b.out) << s;
    CliRun ta = Cli({"paths", s.string()});
    CliRun tb = Cli({"paths", s.string()});
    EXPECT_EQ(ta.out, tb.out) << s;
  }
}

// The JSON contract: keys and hop kinds of the example.
TEST(PathsJsonTest, ContractKeys) {
  CliRun r = Cli({"paths", "scenarios/namespace-waypoint/scenario.yaml",
                  "--format", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["scenario"], "namespace waypoint (bookinfo-like)");
  const auto& t = j["traffic"][0];
  EXPECT_EQ(t["name"], "curl-to-productpage-vip");
  const auto& p = t["paths"][0];
  EXPECT_EQ(p["outcome"], "delivered");
  EXPECT_EQ(p["waypoints"], nlohmann::json::array({"bookinfo/waypoint"}));
  std::vector<std::string> kinds;
  for (const auto& h : p["hops"]) {
    kinds.push_back(h["kind"]);
    EXPECT_TRUE(h.contains("name"));
    EXPECT_TRUE(h.contains("cluster"));
  }
  EXPECT_EQ(kinds, (std::vector<std::string>{"workload", "ztunnel", "waypoint",
                                             "ztunnel", "workload"}));
  EXPECT_EQ(p["hops"][0]["name"], "default/curl-0");
  EXPECT_FALSE(p["hops"][1].contains("node"));
  EXPECT_TRUE(p["hops"][2].contains("node"));
  EXPECT_EQ(p["why"][1],
            "service bookinfo/productpage uses waypoint bookinfo/waypoint "
            "(namespace label)");
}

TEST(ExitCodeTest, BadInputIsTwo) {
  CliRun r = Cli({"paths", "tests/data/errors/unknown-workload.yaml"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("tests/data/errors/unknown-workload.yaml:7:54: error: "),
            std::string::npos);
  EXPECT_NE(r.err.find("1 error; no paths computed"), std::string::npos);
}

TEST(ExitCodeTest, UsageErrorsAreTwoAndHelpIsZero) {
  EXPECT_EQ(Cli({}).code, 2);
  EXPECT_EQ(Cli({"frobnicate"}).code, 2);
  CliRun bad_format = Cli({"paths", "x.yaml", "--format", "xml"});
  EXPECT_EQ(bad_format.code, 2);
  EXPECT_NE(bad_format.err.find("meshsim: error:"), std::string::npos);
  CliRun help = Cli({"--help"});
  EXPECT_EQ(help.code, 0);
  EXPECT_NE(help.out.find("paths"), std::string::npos);
}

TEST(ExitCodeTest, FailedPathsStillExitZero) {
  // A failed outcome is a result, not an error (issue contract).
  CliRun r =
      Cli({"paths", "tests/data/cli/fail-closed.yaml", "--format", "json"});
  EXPECT_EQ(r.code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["traffic"][0]["paths"][0]["outcome"], "failed");
  EXPECT_EQ(j["traffic"][0]["paths"][0]["hops"].back()["kind"], "ztunnel");
}

}  // namespace
}  // namespace meshsim
