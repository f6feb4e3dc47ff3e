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

#include "tests/cli/cli_outcome.h"

namespace meshsim {
namespace {

namespace fs = std::filesystem;

using cli_test::Cli;

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// The bundled scenarios with goldens. scenarios/conformance/ has none: its
// `expect:` lists, Istio's assertions, are what CI checks there.
std::vector<fs::path> Scenarios() {
  std::vector<fs::path> out;
  for (const auto& e : fs::recursive_directory_iterator("scenarios"))
    if (e.path().filename() == "scenario.yaml" &&
        e.path().string().rfind("scenarios/conformance/", 0) != 0)
      out.push_back(e.path());
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
    cli_test::Outcome r = Cli({"paths", s.string(), "--format", "json"});
    EXPECT_EQ(r.code, 0) << s << "\n" << r.err;
    EXPECT_EQ(r.out, ReadFile(golden))
        << s
        << " differs from its golden; review the change and "
           "run scripts/update-goldens.sh";
  }
}

TEST(ScenarioGoldenTest, RunSummariesMatchCheckedInGoldens) {
  for (const fs::path& s : Scenarios()) {
    fs::path golden = s.parent_path() / "expected" / "run.json";
    ASSERT_TRUE(fs::exists(golden))
        << golden << " is missing; run scripts/update-goldens.sh";
    cli_test::Outcome r =
        Cli({"run", s.string(), "--format", "json", "--quiet"});
    EXPECT_EQ(r.code, 0) << s << "\n" << r.err;
    EXPECT_EQ(r.out, ReadFile(golden))
        << s
        << " differs from its golden; review the change and "
           "run scripts/update-goldens.sh";
  }
}

TEST(ScenarioGoldenTest, OutputIsByteIdenticalAcrossRuns) {
  for (const fs::path& s : Scenarios()) {
    cli_test::Outcome a = Cli({"paths", s.string(), "--format", "json"});
    cli_test::Outcome b = Cli({"paths", s.string(), "--format", "json"});
    EXPECT_EQ(a.out, b.out) << s;
    cli_test::Outcome ta = Cli({"paths", s.string()});
    cli_test::Outcome tb = Cli({"paths", s.string()});
    EXPECT_EQ(ta.out, tb.out) << s;
  }
}

// The JSON contract: keys and hop kinds of the example.
TEST(PathsJsonTest, ContractKeys) {
  cli_test::Outcome r =
      Cli({"paths", "scenarios/namespace-waypoint/scenario.yaml", "--format",
           "json"});
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
  cli_test::Outcome r =
      Cli({"paths", "tests/data/errors/unknown-workload.yaml"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("tests/data/errors/unknown-workload.yaml:7:54: error: "),
            std::string::npos);
  EXPECT_NE(r.err.find("1 error; no paths computed"), std::string::npos);
}

// A scenario folder given for its file is bad input with a hint naming the
// file.
TEST(ExitCodeTest, ScenarioFolderGetsAHint) {
  cli_test::Outcome r = Cli({"paths", "scenarios/bookinfo"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("is a directory, expected a file; did you mean "
                       "'scenarios/bookinfo/scenario.yaml'?"),
            std::string::npos)
      << r.err;
}

// Every answer depends on the Istio release meshsim models: --version says
// which, and exits 0 without a subcommand.
TEST(ExitCodeTest, VersionNamesTheModelledIstioReleases) {
  cli_test::Outcome r = Cli({"--version"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out.rfind(std::string("meshsim ") + kMeshsimVersion + "\n", 0),
            0u)
      << r.out;
  EXPECT_NE(r.out.find("Istio 1.22 to 1.31"), std::string::npos) << r.out;
}

// Every output a reviewer or CI keeps names the meshsim that wrote it and the
// releases it models: each JSON output's `meshsim` key, SARIF's driver,
// JUnit's properties and the reports' footers.
TEST(ExitCodeTest, EveryOutputNamesMeshsimsVersion) {
  const std::string sc = "scenarios/bookinfo/scenario.yaml";
  const std::string old_sc = "scenarios/diff/deny-removed/scenario.yaml";
  const std::string new_sc = "scenarios/diff/deny-removed/new/scenario.yaml";
  const std::vector<std::vector<std::string>> json_runs = {
      {"paths", sc, "--format", "json"},
      {"run", sc, "--format", "json"},
      {"analyze", sc, "--format", "json"},
      {"verify", sc, "--format", "json"},
      {"lint", sc, "--format", "json"},
      {"diff", old_sc, new_sc, "--format", "json"}};
  for (const std::vector<std::string>& args : json_runs) {
    cli_test::Outcome r = Cli(args);
    ASSERT_LE(r.code, 1) << args[0] << ": " << r.err;
    const nlohmann::json j = nlohmann::json::parse(r.out);
    ASSERT_TRUE(j.contains("meshsim")) << args[0];
    EXPECT_EQ(j["meshsim"]["version"], kMeshsimVersion) << args[0];
    EXPECT_EQ(j["meshsim"]["istio"]["oldest"], "1.22") << args[0];
    EXPECT_EQ(j["meshsim"]["istio"]["newest"],
              kNewestModelledVersion.ToString())
        << args[0];
  }
  const fs::path dir = fs::temp_directory_path() / "meshsim-version-test";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string sarif = (dir / "check.sarif").string();
  const std::string junit = (dir / "check.xml").string();
  ASSERT_EQ(Cli({"check", sc, "--sarif", sarif, "--junit", junit}).code, 0);
  const nlohmann::json s = nlohmann::json::parse(ReadFile(sarif));
  const nlohmann::json& driver = s["runs"][0]["tool"]["driver"];
  EXPECT_EQ(driver["semanticVersion"], kMeshsimVersion);
  EXPECT_EQ(driver["properties"]["models"], ModelledReleases());
  EXPECT_NE(ReadFile(junit).find(
                std::string("<property name=\"meshsim.version\" value=\"") +
                kMeshsimVersion + "\"/>"),
            std::string::npos);
  ASSERT_LE(Cli({"report", sc, "-o", (dir / "report").string()}).code, 1);
  for (const char* f : {"report.md", "report.html"})
    EXPECT_NE(ReadFile(dir / "report" / f).find(MeshsimVersionLine()),
              std::string::npos)
        << f;
  EXPECT_EQ(nlohmann::json::parse(ReadFile(
                dir / "report" / "results.json"))["meshsim"]["version"],
            kMeshsimVersion);
  fs::remove_all(dir);
}

// `run` under overload (issue 19): it warns as `analyze` does, measures
// utilisation over the offered window (not averaged over the drain), lists
// the saturated application pod among the stations, and cuts no name.
TEST(RunOverloadTest, WarnsAndListsTheSaturatedApplication) {
  const std::string sc = "tests/data/run/overloaded.yaml";
  const std::string pod =
      "workload east/app/api-with-a-long-name-that-a-fixed-column-would-cut-0";
  cli_test::Outcome text = Cli({"run", sc, "--quiet"});
  ASSERT_EQ(text.code, 0) << text.err;
  EXPECT_NE(text.out.find("load-to-api-with-a-traffic-entry-name-longer-than-"
                          "thirty-four "),
            std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("warning: overloaded: traffic is offered for 1.00 "
                          "s, but the run needed "),
            std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("warning: station " + pod), std::string::npos)
      << text.out;
  const size_t table = text.out.find("\nstation ");
  ASSERT_NE(table, std::string::npos) << text.out;
  EXPECT_NE(text.out.find("\n" + pod, table), std::string::npos) << text.out;
  cli_test::Outcome json = Cli({"run", sc, "--format", "json"});
  ASSERT_EQ(json.code, 0) << json.err;
  const nlohmann::json j = nlohmann::json::parse(json.out);
  ASSERT_TRUE(j.contains("overload")) << json.out;
  EXPECT_EQ(j["overload"].size(), 2u);
  // Over the 1 s window the pod is busy throughout; over the whole run
  // (about 1.5 s, the drain included) it would read about 0.67.
  ASSERT_EQ(j["workloads"].size(), 1u);
  EXPECT_GT(j["workloads"][0]["utilization"].get<double>(), 0.95);
  EXPECT_GT(j["simulated_seconds"].get<double>(), 1.3);
}

// The text lists the requests a route's timeout ended among the failures,
// with the count the JSON's failed_by_reason gives them.
TEST(RunTextTest, TimeoutsAreListedAmongTheFailures) {
  const std::string sc = "tests/data/sim/l7-faults/scenario.yaml";
  const cli_test::Outcome json = Cli({"run", sc, "--format", "json"});
  ASSERT_EQ(json.code, 0) << json.err;
  uint64_t timeouts = 0;
  const nlohmann::json j = nlohmann::json::parse(json.out);
  for (const auto& t : j["traffic"])
    if (t["name"] == "timeout")
      timeouts = t["failed_by_reason"]["timeout"].get<uint64_t>();
  ASSERT_GT(timeouts, 0u);
  const cli_test::Outcome text = Cli({"run", sc, "--quiet"});
  ASSERT_EQ(text.code, 0) << text.err;
  EXPECT_NE(text.out.find("failed x" + std::to_string(timeouts) + ": timeout"),
            std::string::npos)
      << text.out;
}

// --seed takes a whole number from 0 to 2^64 - 1 as written: -1 or 2^64
// are usage errors (CLI11 would clamp them), and any seed in range, one
// `--replications` prints included, runs.
TEST(RunSeedTest, OutOfRangeSeedsAreUsageErrors) {
  const std::string sc = "tests/data/sim/l7-faults/scenario.yaml";
  for (const char* bad : {"-1", "18446744073709551616", "1e3"}) {
    const cli_test::Outcome r = Cli({"run", sc, "--seed", bad, "--quiet"});
    EXPECT_EQ(r.code, 2) << bad;
    EXPECT_NE(r.err.find(std::string("found '") + bad + "'"), std::string::npos)
        << r.err;
  }
  const cli_test::Outcome top =
      Cli({"run", sc, "--seed", "18446744073709551615", "--quiet"});
  EXPECT_EQ(top.code, 0) << top.err;
}

// One hop_latency schema (issue 19): results.json of `report` writes each
// hop's timing with the keys of `run --format json`, p50 included.
TEST(ExitCodeTest, HopLatencyHasOneSchema) {
  const std::string sc = "scenarios/bookinfo/scenario.yaml";
  const cli_test::Outcome run = Cli({"run", sc, "--format", "json"});
  ASSERT_EQ(run.code, 0) << run.err;
  const nlohmann::json r = nlohmann::json::parse(run.out);
  const fs::path dir = fs::temp_directory_path() / "meshsim-hop-schema";
  fs::remove_all(dir);
  ASSERT_LE(Cli({"report", sc, "-o", dir.string()}).code, 1);
  const nlohmann::json j =
      nlohmann::json::parse(ReadFile(dir / "results.json"));
  auto keys = [](const nlohmann::json& hop) {
    std::vector<std::string> k;
    for (const auto& [key, v] : hop.items()) {
      k.push_back(key);
      if (v.is_object())
        for (const auto& [sub, x] : v.items()) k.push_back(key + "." + sub);
    }
    return k;
  };
  const nlohmann::json& a = r["traffic"][0]["paths"][0]["hop_latency"][0];
  const nlohmann::json& b = j["traffic"][0]["paths"][0]["hop_latency"][0];
  EXPECT_EQ(keys(a), keys(b)) << a << "\n" << b;
  EXPECT_TRUE(b["queue_ms"].contains("p50")) << b;
  EXPECT_EQ(a["name"], b["name"]);
  fs::remove_all(dir);
}

TEST(ExitCodeTest, UnknownPropertySuggestsTheClosest) {
  cli_test::Outcome r = Cli({"verify", "scenarios/bookinfo/scenario.yaml",
                             "--property", "waypoint-bypas"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("did you mean 'waypoint-bypass'?"), std::string::npos)
      << r.err;
}

TEST(ExitCodeTest, UsageErrorsAreTwoAndHelpIsZero) {
  EXPECT_EQ(Cli({}).code, 2);
  EXPECT_EQ(Cli({"frobnicate"}).code, 2);
  cli_test::Outcome bad_format = Cli({"paths", "x.yaml", "--format", "xml"});
  EXPECT_EQ(bad_format.code, 2);
  EXPECT_NE(bad_format.err.find("meshsim: error:"), std::string::npos);
  cli_test::Outcome help = Cli({"--help"});
  EXPECT_EQ(help.code, 0);
  EXPECT_NE(help.out.find("paths"), std::string::npos);
}

// An unknown command is named, with the nearest one; a budget or a count
// that is no finite number in range is refused (NaN used to pass CLI11's
// range check and set no deadline, -1 findings to wrap around).
TEST(ExitCodeTest, UnknownCommandsAndBadBudgetsAreNamed) {
  cli_test::Outcome typo = Cli({"--quiet", "verfy", "x.yaml"});
  EXPECT_EQ(typo.code, 2);
  EXPECT_NE(typo.err.find("unknown command 'verfy' (did you mean 'verify'?)"),
            std::string::npos)
      << typo.err;
  const std::string s = "scenarios/verify/k10-headless/flagged.yaml";
  for (const std::vector<std::string>& a :
       {std::vector<std::string>{"verify", s, "--timeout", "nan"},
        {"verify", s, "--timeout", "inf"},
        {"diff", s, s, "--timeout", "-1"},
        {"check", s, "--timeout", "nan"},
        {"verify", s, "--max-findings", "-1"}}) {
    cli_test::Outcome r = Cli(a);
    EXPECT_EQ(r.code, 2) << a[2] << " " << a.back();
    EXPECT_NE(r.err.find("expected "), std::string::npos) << r.err;
  }
}

TEST(ExitCodeTest, FailedPathsStillExitZero) {
  // A failed outcome is a result, not an error (issue contract).
  cli_test::Outcome r =
      Cli({"paths", "tests/data/cli/fail-closed.yaml", "--format", "json"});
  EXPECT_EQ(r.code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["traffic"][0]["paths"][0]["outcome"], "failed");
  EXPECT_EQ(j["traffic"][0]["paths"][0]["hops"].back()["kind"], "ztunnel");
}

}  // namespace
}  // namespace meshsim

namespace meshsim {
namespace {

// §4.3: every path that bypasses the waypoint in scenarios/waypoint-no-guard
// is denied in its twin scenarios/waypoint-guard, and every path through the
// waypoint is delivered in both.
// Entries that deliver nothing have no latency: `run` shows no 0.000 and
// `analyze` does not call them overloaded (issue 19).
TEST(ExitCodeTest, DeniedEntriesHaveNoLatency) {
  const char* sc = "scenarios/bookinfo-l7-policy-by-selector/scenario.yaml";
  const cli_test::Outcome run = Cli({"run", sc});
  ASSERT_EQ(run.code, 0) << run.err;
  EXPECT_EQ(run.out.find("0.000    0.000"), std::string::npos) << run.out;
  const cli_test::Outcome analyze = Cli({"analyze", sc});
  ASSERT_EQ(analyze.code, 0);
  EXPECT_EQ(analyze.out.find("overloaded"), std::string::npos) << analyze.out;
  EXPECT_NE(analyze.out.find("no request is delivered"), std::string::npos);
}

TEST(GuardScenarioTest, EveryBypassIsDeniedByTheGuard) {
  auto load = [](const std::string& s) {
    cli_test::Outcome r =
        Cli({"paths", "scenarios/" + s + "/scenario.yaml", "--format", "json"});
    EXPECT_EQ(r.code, 0) << r.err;
    return nlohmann::json::parse(r.out);
  };
  auto open = load("waypoint-no-guard");
  auto guarded = load("waypoint-guard");
  ASSERT_EQ(open["traffic"].size(), guarded["traffic"].size());
  int bypass_entries = 0;
  for (size_t i = 0; i < open["traffic"].size(); ++i) {
    const auto& o = open["traffic"][i];
    const auto& g = guarded["traffic"][i];
    ASSERT_EQ(o["name"], g["name"]);
    bool bypass = false;
    for (const auto& p : o["paths"]) {
      if (p["waypoints"].empty()) {
        EXPECT_EQ(p["outcome"], "delivered") << o["name"];
        bypass = true;
      }
    }
    for (const auto& p : g["paths"]) {
      if (p["waypoints"].empty()) {
        EXPECT_EQ(p["outcome"], "denied") << g["name"];
        EXPECT_EQ(p["denied_by"]["action"], "ALLOW (no rule matched)");
      } else {
        EXPECT_EQ(p["outcome"], "delivered") << g["name"];
      }
    }
    bypass_entries += bypass;
  }
  EXPECT_EQ(bypass_entries, 4);  // K1, K2, K3, K5
}

// --http/--header/--traffic override a traffic entry's request.
TEST(PathsCliTest, HttpOverride) {
  cli_test::Outcome get =
      Cli({"paths", "scenarios/bookinfo-l7-policy/scenario.yaml", "--format",
           "json", "--traffic", "curl-delete-productpage", "--http",
           "GET /productpage?x=1", "--header", "X-Debug=1"});
  ASSERT_EQ(get.code, 0) << get.err;
  auto j = nlohmann::json::parse(get.out);
  ASSERT_EQ(j["traffic"].size(), 1u);
  EXPECT_EQ(j["traffic"][0]["paths"][0]["outcome"], "delivered");
  cli_test::Outcome bad = Cli(
      {"paths", "scenarios/bookinfo-l7-policy/scenario.yaml", "--http", "GET"});
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("--http must be \"METHOD /path\""), std::string::npos);
  cli_test::Outcome unknown =
      Cli({"paths", "scenarios/bookinfo-l7-policy/scenario.yaml", "--traffic",
           "curl-get-productpag"});
  EXPECT_EQ(unknown.code, 2);
  EXPECT_NE(unknown.err.find("did you mean 'curl-get-productpage'?"),
            std::string::npos);
}

// The selector-attached L7 policy denies everything and says why (§8.2).
TEST(PathsCliTest, SelectorL7PolicyExplainsDenial) {
  cli_test::Outcome r =
      Cli({"paths", "scenarios/bookinfo-l7-policy-by-selector/scenario.yaml"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(
      r.out.find(
          "has only rules with HTTP attributes, which ztunnel drops (§8.2)"),
      std::string::npos);
  EXPECT_EQ(r.out.find("delivered"), std::string::npos);
}

}  // namespace
}  // namespace meshsim

namespace meshsim {
namespace {

// Every command shows the scenario's warnings: on stderr in text mode, in a
// `warnings` list in JSON (issue: a warning nobody sees is no warning).
TEST(CliWarningsTest, EveryCommandShowsTheScenarioWarnings) {
  const std::string file = "scenarios/solo-auto-waypoint/scenario.yaml";
  const std::string text =
      "scenarios/solo-auto-waypoint/manifests/catalog.yaml:23:5: warning: "
      "service catalog/catalog and its namespace both carry "
      "istio.io/use-waypoint=auto";
  for (const std::string command : {"run", "verify", "analyze"}) {
    std::vector<std::string> args = {command, file};
    if (command == "run") args.push_back("--quiet");
    cli_test::Outcome r = Cli(args);
    EXPECT_NE(r.err.find(text), std::string::npos) << command << r.err;
  }
  for (const std::string command : {"run", "verify"}) {
    cli_test::Outcome r = Cli({command, file, "--format", "json"});
    const auto j = nlohmann::json::parse(r.out);
    ASSERT_TRUE(j.contains("warnings")) << command;
    ASSERT_EQ(j["warnings"].size(), 1u) << command;
    EXPECT_EQ(j["warnings"][0].get<std::string>().rfind(text, 0), 0u)
        << command;
  }
  cli_test::Outcome d = Cli({"diff", file, file, "--format", "json"});
  EXPECT_EQ(nlohmann::json::parse(d.out)["warnings"].size(), 1u) << d.out;
  // A scenario without warnings has no `warnings` key at all.
  cli_test::Outcome clean =
      Cli({"verify", "scenarios/bookinfo/scenario.yaml", "--format", "json"});
  EXPECT_FALSE(nlohmann::json::parse(clean.out).contains("warnings"));
}

// Issue 14: the lint catalogue's warnings, not only the loader's, reach
// every command; `check --strict` fails on them; `--quiet` hides notes.
TEST(CliWarningsTest, EveryCommandShowsTheCatalogueWarnings) {
  const std::string file = "scenarios/diff/principal-typo/new/scenario.yaml";
  const std::string text =
      "matches no identity of the mesh (did you mean "
      "'cluster.local/ns/client/sa/curl'?) [principal-matches-nothing]";
  for (const std::string command : {"paths", "run", "verify", "analyze"}) {
    std::vector<std::string> args = {command, file};
    if (command == "run") args.push_back("--quiet");
    cli_test::Outcome r = Cli(args);
    const std::string both = r.out + r.err;
    EXPECT_EQ(both.find(text), both.rfind(text)) << command << ": said once";
    EXPECT_NE(both.find(text), std::string::npos) << command << both;
  }
  for (const std::string command : {"paths", "run", "verify"}) {
    cli_test::Outcome r = Cli({command, file, "--format", "json"});
    const auto j = nlohmann::json::parse(r.out);
    ASSERT_TRUE(j.contains("warnings")) << command;
    bool found = false;
    for (const auto& w : j["warnings"])
      found = found || w.get<std::string>().find(text) != std::string::npos;
    EXPECT_TRUE(found) << command << j["warnings"].dump();
  }
  cli_test::Outcome d =
      Cli({"diff", "scenarios/diff/principal-typo/scenario.yaml", file,
           "--format", "json"});
  EXPECT_NE(d.out.find(text), std::string::npos) << d.out;
  cli_test::Outcome plain = Cli({"check", file});
  EXPECT_EQ(plain.code, 0) << plain.out << plain.err;
  EXPECT_NE(plain.out.find(text), std::string::npos) << plain.out;
  cli_test::Outcome strict = Cli({"check", "--strict", file});
  EXPECT_EQ(strict.code, 1) << strict.out << strict.err;
  // The verifier's configuration findings are warnings there too.
  cli_test::Outcome mismatch =
      Cli({"check", "--strict",
           "scenarios/conformance/index-waypoint-for-service-traffic/"
           "scenario.yaml"});
  EXPECT_EQ(mismatch.code, 1) << mismatch.out << mismatch.err;
  EXPECT_NE(mismatch.out.find("[waypoint-for-mismatch]"), std::string::npos)
      << mismatch.out;
  // Notes (kinds meshsim skips) go with --quiet; warnings stay.
  const std::string note = "note: skipped";
  const std::string bookinfo = "scenarios/bookinfo/scenario.yaml";
  for (const std::string command : {"paths", "verify", "analyze"}) {
    cli_test::Outcome loud = Cli({command, bookinfo});
    EXPECT_NE((loud.out + loud.err).find(note), std::string::npos) << command;
    cli_test::Outcome quiet = Cli({command, bookinfo, "--quiet"});
    EXPECT_EQ((quiet.out + quiet.err).find(note), std::string::npos) << command;
    EXPECT_EQ(quiet.code, loud.code) << command;
  }
  cli_test::Outcome quiet_typo = Cli({"paths", file, "--quiet"});
  EXPECT_NE((quiet_typo.out + quiet_typo.err).find(text), std::string::npos);
}

}  // namespace
}  // namespace meshsim
