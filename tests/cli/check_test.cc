// `meshsim check` and the CI formats: expectations evaluated against paths,
// the simulator and the verifier; JUnit validated against junit-10.xsd with
// xmllint; SARIF checked for the fields SARIF 2.1.0 requires and GitHub code
// scanning ingests; GitHub annotations capped at 10.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "cli/cli.h"
#include "tests/cli/cli_outcome.h"

namespace meshsim {
namespace {

namespace fs = std::filesystem;

using cli_test::Cli;

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string TempPath(const std::string& name) {
  return (fs::temp_directory_path() /
          ("meshsim-check-" + std::to_string(::getpid()) + "-" + name))
      .string();
}

size_t Count(const std::string& hay, const std::string& needle) {
  size_t n = 0;
  for (size_t i = hay.find(needle); i != std::string::npos;
       i = hay.find(needle, i + 1))
    ++n;
  return n;
}

TEST(CheckTest, FailingExpectationsExitOneAndSayWhy) {
  cli_test::Outcome r = Cli({"check", "tests/data/check/failing.yaml"});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("pass  curl goes through the waypoint"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("FAIL  curl is denied"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("expected: every path denied by shop/guard"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("actual:   via [shop/waypoint] delivered"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("FAIL  proves waypoint-bypass"), std::string::npos)
      << r.out;
  // The latency bound (p99 <= 1000 ms) holds.
  EXPECT_NE(r.out.find("pass  curl-to-cart p99"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("4 expectations in 1 scenario file: 2 failed"),
            std::string::npos)
      << r.out;
}

// A file that does not load is counted apart from failed expectations in
// the summary (it read "N failed" as if they were expectations).
TEST(CheckTest, SummaryCountsFilesThatDidNotLoadApart) {
  cli_test::Outcome r = Cli({"check", "tests/data/errors/clusters-empty.yaml",
                             "scenarios/verify/k10-headless/fixed.yaml"});
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_NE(r.out.find("in 2 scenario files: 1 file did not load"),
            std::string::npos)
      << r.out;
}

TEST(CheckTest, TightLatencyBoundFails) {
  // The same scenario with an impossible p99 bound.
  std::string text = Slurp("tests/data/check/failing.yaml");
  text = std::regex_replace(text, std::regex("max: 1000"), "max: 0.001");
  const std::string path = "tests/data/check/failing.yaml";
  const std::string tmp = TempPath("latency.yaml");
  // Keep the file next to nothing: its resources are inline.
  std::ofstream(tmp) << text;
  cli_test::Outcome r = Cli({"check", tmp});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("FAIL  curl-to-cart p99"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("expected: p99 <= 0.001 ms"), std::string::npos)
      << r.out;
  // Where the time goes: per hop of the most taken path, means and
  // quantiles (a p99 bound is explained by p99s, not means).
  EXPECT_NE(r.out.find("ms per hop on path 1 (network mean, queue "
                       "mean/p50/p99, service mean/p50/p99): ztunnel "),
            std::string::npos)
      << r.out;
  fs::remove(tmp);
  (void)path;
}

// Per-file cost: `--timings` lists every file's seconds, slowest first,
// and puts them in JUnit; without it the output has no clock in it.
TEST(CheckTest, TimingsListEachFilesCostSlowestFirst) {
  const std::string junit = TempPath("timings.xml");
  cli_test::Outcome r =
      Cli({"check", "scenarios/peering", "--timings", "--junit", junit});
  ASSERT_EQ(r.code, 0) << r.err;
  const size_t at = r.out.find("\ntimings (seconds per file, slowest first; ");
  ASSERT_NE(at, std::string::npos) << r.out;
  std::istringstream lines(r.out.substr(at + 1));
  std::string line;
  std::getline(lines, line);
  std::vector<double> seconds;
  std::set<std::string> files;
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    double s;
    std::string file;
    ASSERT_TRUE(fields >> s >> file) << line;
    seconds.push_back(s);
    files.insert(file);
  }
  size_t scenario_files = 0;  // one line per file checked
  for (const auto& e : fs::recursive_directory_iterator("scenarios/peering"))
    scenario_files += e.path().filename() == "scenario.yaml";
  EXPECT_EQ(files.size(), scenario_files) << r.out;
  EXPECT_TRUE(files.count("scenarios/peering/a-only/scenario.yaml"));
  EXPECT_TRUE(std::is_sorted(seconds.rbegin(), seconds.rend()));
  EXPECT_EQ(Count(Slurp(junit), " time=\""), files.size());
  cli_test::Outcome plain =
      Cli({"check", "scenarios/peering", "--junit", junit});
  EXPECT_EQ(plain.out.find("timings"), std::string::npos);
  EXPECT_EQ(Slurp(junit).find(" time="), std::string::npos);
  fs::remove(junit);
}

// `--timeout` caps each file's verifier: what it leaves undecided is
// unknown, never proved, and the expectation fails saying so.
TEST(CheckTest, TimeoutCapsEachFilesVerifier) {
  cli_test::Outcome r =
      Cli({"check", "scenarios/bookinfo", "--timeout", "0.001"});
  // Every failure is an unknown answer: undecided, exit 3.
  EXPECT_EQ(r.code, 3) << r.out << r.err;
  EXPECT_NE(r.out.find("FAIL  finds waypoint-bypass"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("actual:   none (the verifier answered unknown)"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("FAIL  proves waypoint-double-pass"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("actual:   unknown (the run's --timeout of 0.001s "
                       "expired"),
            std::string::npos)
      << r.out;
  // The simulator's and the path expectations are not the verifier's.
  EXPECT_NE(r.out.find("pass  curl-to-productpage p99"), std::string::npos)
      << r.out;
  EXPECT_EQ(Cli({"check", "scenarios/bookinfo", "--timeout", "600"}).code, 0);
  // A real failure beside an unknown one is a failure: exit 1.
  EXPECT_EQ(Cli({"check", "scenarios/bookinfo", "tests/data/check/failing.yaml",
                 "--timeout", "0.001"})
                .code,
            1);
}

TEST(CheckTest, JUnitValidatesAgainstJunit10Schema) {
  const std::string junit = TempPath("junit.xml");
  cli_test::Outcome r =
      Cli({"check", "tests/data/check/failing.yaml", "--junit", junit});
  ASSERT_EQ(r.code, 1) << r.err;
  const std::string xml = Slurp(junit);
  EXPECT_EQ(Count(xml, "<testsuite "), 1u);
  EXPECT_EQ(Count(xml, "<testcase "), 4u);
  EXPECT_EQ(Count(xml, "<failure "), 2u);
  EXPECT_NE(xml.find("tests=\"4\" failures=\"2\" errors=\"0\""),
            std::string::npos)
      << xml;
  // The failure carries the expected and the actual value.
  EXPECT_NE(xml.find("expected: every path denied by shop/guard\nactual: via "
                     "[shop/waypoint] delivered"),
            std::string::npos)
      << xml;
  if (std::system("command -v xmllint > /dev/null 2>&1") != 0)
    GTEST_SKIP() << "xmllint (Debian libxml2-utils) is not installed; the "
                    "schema check is skipped";
  const std::string cmd =
      "xmllint --noout --schema tests/data/check/junit-10.xsd " + junit +
      " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string output;
  char buf[512];
  while (fgets(buf, sizeof buf, p)) output += buf;
  const int status = pclose(p);
  EXPECT_EQ(status, 0) << output;
  EXPECT_NE(output.find("validates"), std::string::npos) << output;
  fs::remove(junit);
}

TEST(CheckTest, SarifHasWhatSarif21AndGitHubRequire) {
  const std::string sarif = TempPath("out.sarif");
  cli_test::Outcome r =
      Cli({"check", "tests/data/check/failing.yaml", "--sarif", sarif});
  ASSERT_EQ(r.code, 1) << r.err;
  nlohmann::json j = nlohmann::json::parse(Slurp(sarif));
  EXPECT_EQ(j["version"], "2.1.0");
  ASSERT_TRUE(j["$schema"].is_string());
  ASSERT_EQ(j["runs"].size(), 1u);
  const auto& run = j["runs"][0];
  EXPECT_EQ(run["tool"]["driver"]["name"], "meshsim");
  std::set<std::string> rule_ids;
  for (const auto& rule : run["tool"]["driver"]["rules"]) {
    ASSERT_TRUE(rule["id"].is_string());
    EXPECT_FALSE(rule["shortDescription"]["text"].get<std::string>().empty());
    EXPECT_FALSE(rule["fullDescription"]["text"].get<std::string>().empty());
    EXPECT_FALSE(rule["help"]["text"].get<std::string>().empty());
    rule_ids.insert(rule["id"]);
  }
  for (const char* id : {"waypoint-bypass", "waypoint-double-pass", "double-l7",
                         "fail-open-exposure", "diff-newly-allowed",
                         "diff-new-bypass", "check-failed"})
    EXPECT_TRUE(rule_ids.count(id)) << id;
  size_t check_failed = 0, bypass = 0, with_flow = 0, with_cause = 0;
  for (const auto& res : run["results"]) {
    const std::string id = res["ruleId"];
    ASSERT_TRUE(rule_ids.count(id)) << id;
    EXPECT_EQ(
        run["tool"]["driver"]["rules"][res["ruleIndex"].get<size_t>()]["id"],
        id);
    EXPECT_FALSE(res["message"]["text"].get<std::string>().empty());
    const auto& loc = res["locations"][0]["physicalLocation"];
    const std::string uri = loc["artifactLocation"]["uri"];
    EXPECT_FALSE(uri.empty());
    EXPECT_NE(uri[0], '/') << "GitHub wants paths relative to the repository";
    EXPECT_GE(loc["region"]["startLine"].get<int>(), 1);
    EXPECT_TRUE(res["partialFingerprints"].is_object());
    EXPECT_FALSE(res["partialFingerprints"].empty());
    const std::string level = res["level"];
    EXPECT_TRUE(level == "error" || level == "warning" || level == "note");
    if (res.contains("codeFlows")) {
      ++with_flow;
      const auto& locs = res["codeFlows"][0]["threadFlows"][0]["locations"];
      EXPECT_GE(locs.size(), 2u);
      EXPECT_TRUE(locs[0]["location"]["message"]["text"].is_string());
    }
    check_failed += id == "check-failed";
    bypass += id == "waypoint-bypass";
    // A verify finding names its root cause and how many findings share
    // it (verify's `groups`), with the YAML that removes it when there is.
    if (id == "waypoint-bypass" && res.contains("properties")) {
      const auto& p = res["properties"];
      EXPECT_FALSE(p["rootCause"].get<std::string>().empty());
      EXPECT_GE(p["rootCauseFindings"].get<int>(), 1);
      ++with_cause;
    }
  }
  EXPECT_GE(with_cause, 1u);
  EXPECT_EQ(check_failed, 2u);
  // The violated property's counterexamples come along, hop by hop.
  EXPECT_GE(bypass, 1u);
  EXPECT_GE(with_flow, 1u);
  // Fingerprints are stable: a second run gives the same file.
  const std::string again = TempPath("again.sarif");
  Cli({"check", "tests/data/check/failing.yaml", "--sarif", again});
  EXPECT_EQ(Slurp(sarif), Slurp(again));
  fs::remove(sarif);
  fs::remove(again);
}

// SARIF paths are relative to the repository root: by default the git top
// level of the working directory (here the repository's), with
// `--sarif-root DIR` that folder (issue 19), given before or after the
// subcommand.
TEST(CheckTest, SarifPathsAreRelativeToTheSarifRoot) {
  auto uris = [](const std::vector<std::string>& args) {
    const std::string sarif = TempPath("root.sarif");
    std::vector<std::string> all = args;
    all.insert(all.end(), {"--sarif", sarif});
    Cli(all);
    std::set<std::string> out;
    const nlohmann::json j = nlohmann::json::parse(Slurp(sarif));
    for (const auto& r : j["runs"][0]["results"])
      out.insert(
          r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
              .get<std::string>());
    fs::remove(sarif);
    return out;
  };
  const std::string file = "tests/data/check/failing.yaml";
  EXPECT_EQ(uris({"check", file}), std::set<std::string>{file});
  EXPECT_EQ(uris({"check", file, "--sarif-root", "tests/data"}),
            std::set<std::string>{"check/failing.yaml"});
  EXPECT_EQ(uris({"--sarif-root", "tests", "check", file}),
            std::set<std::string>{"data/check/failing.yaml"});
  // An absolute scenario path under the root is written relative to it.
  EXPECT_EQ(uris({"check", fs::absolute(file).string()}),
            std::set<std::string>{file});
}

TEST(CheckTest, GitHubAnnotationsAreCappedAtTenAndSummaryIsWritten) {
  // Eleven failing copies: ten annotations, then one summary line.
  const std::string dir = TempPath("many");
  fs::create_directories(dir);
  for (int i = 0; i < 6; ++i)
    fs::copy_file("tests/data/check/failing.yaml",
                  dir + "/s" + std::to_string(i) + ".yaml",
                  fs::copy_options::overwrite_existing);
  const std::string summary = dir + "/summary.md";
  ::setenv("GITHUB_STEP_SUMMARY", summary.c_str(), 1);
  cli_test::Outcome r = Cli({"check", dir, "--github"});
  ::unsetenv("GITHUB_STEP_SUMMARY");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(Count(r.out, "::error file="), 10u) << r.out;
  EXPECT_NE(r.out.find("2 more failed expectations not annotated"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find(",line="), std::string::npos);
  const std::string md = Slurp(summary);
  EXPECT_NE(md.find("## meshsim check: 12 failed"), std::string::npos) << md;
  EXPECT_EQ(Count(md, ":x: **fail**"), 12u);
  fs::remove_all(dir);
}

// A gate that checks nothing must not pass silently: zero expectations is
// bad input (exit 2, with the reason), unless --allow-empty.
TEST(CheckTest, ZeroExpectationsIsBadInputUnlessAllowed) {
  const std::string dir = TempPath("empty");
  fs::create_directories(dir);
  cli_test::Outcome r = Cli({"check", dir});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("meshsim: error: no expectation checked in 0 scenario "
                       "files: a gate that checks nothing passes for no "
                       "reason (add `expect:` entries, or pass --allow-empty)"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(Cli({"check", dir, "--allow-empty"}).code, 0);
  fs::remove_all(dir);
}

// Scenario warnings are shown next to the results; --strict fails on them.
TEST(CheckTest, WarningsAreShownAndStrictFailsOnThem) {
  const std::string file = "scenarios/solo-auto-waypoint/scenario.yaml";
  const std::string warning =
      "warning  scenarios/solo-auto-waypoint/manifests/catalog.yaml:23:5: "
      "service catalog/catalog and its namespace both carry "
      "istio.io/use-waypoint=auto";
  cli_test::Outcome r = Cli({"check", file});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find(warning), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("all hold; 1 warning"), std::string::npos) << r.out;
  cli_test::Outcome strict = Cli({"check", file, "--strict"});
  EXPECT_EQ(strict.code, 1);
  EXPECT_NE(strict.err.find("--strict: 1 warning"), std::string::npos)
      << strict.err;
  // GitHub: the warning is an annotation at its own line.
  cli_test::Outcome gh = Cli({"check", file, "--github"});
  EXPECT_NE(gh.out.find("::warning file=scenarios/solo-auto-waypoint/"
                        "manifests/catalog.yaml,line=23,col=5,"),
            std::string::npos)
      << gh.out;
}

// A scenario that fails to load is a result at the error's own line in
// SARIF, JUnit and GitHub annotations, not line 1 of the scenario.
TEST(CheckTest, LoadErrorIsAResultAtItsRealLine) {
  const std::string file = "tests/data/errors/bad-policy-action.yaml";
  const std::string sarif = TempPath("load.sarif");
  const std::string junit = TempPath("load.xml");
  cli_test::Outcome r =
      Cli({"check", file, "--sarif", sarif, "--junit", junit, "--github"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("::error file=tests/data/errors/manifests/"
                       "bad-action.yaml,line=7,col=11,"),
            std::string::npos)
      << r.out;
  const auto j = nlohmann::json::parse(Slurp(sarif));
  const auto& results = j["runs"][0]["results"];
  ASSERT_EQ(results.size(), 1u) << j.dump(2);
  EXPECT_EQ(results[0]["ruleId"], "load-error");
  const auto& region = results[0]["locations"][0]["physicalLocation"];
  EXPECT_EQ(region["artifactLocation"]["uri"],
            "tests/data/errors/manifests/bad-action.yaml");
  EXPECT_EQ(region["region"]["startLine"], 7);
  EXPECT_EQ(region["region"]["startColumn"], 11);
  EXPECT_NE(Slurp(junit).find("type=\"bad-input\""), std::string::npos);
  fs::remove(sarif);
  fs::remove(junit);
}

TEST(CheckTest, CyclicRouteChainIsBoundedAndProvedLoopFree) {
  cli_test::Outcome r = Cli({"check", "tests/data/check/cyclic-routes.yaml"});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("2 expectations in 1 scenario file: all hold"),
            std::string::npos)
      << r.out;
}

// A latency bound on an entry that delivered nothing fails, and says the
// bound it asked for.
TEST(CheckTest, ALatencyBoundWithNothingDeliveredFailsNamingTheBound) {
  cli_test::Outcome r =
      Cli({"check", "tests/data/check/nothing-delivered.yaml"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("expected: p99 <= 5 ms\n        actual:   no request "
                       "was delivered, so there is no p99 latency"),
            std::string::npos)
      << r.out;
}

TEST(CheckTest, BadExpectationIsBadInputWithLocation) {
  cli_test::Outcome r = Cli({"check", "tests/data/check/bad-expect.yaml"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("tests/data/check/bad-expect.yaml:9:14: error: "
                       "expect[0].traffic: no traffic entry is named "
                       "'curl-to-crat'"),
            std::string::npos)
      << r.err;
}

TEST(CheckTest, EveryBundledScenarioHasExpectationsAndTheyHold) {
  cli_test::Outcome r = Cli({"check", "scenarios"});
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(r.out.find("(no expectations)"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("FAIL"), std::string::npos) << r.out;
  // Bundled scenarios, the verify twins and the diff pairs.
  EXPECT_GE(Count(r.out, "scenario.yaml"), 30u);
  EXPECT_GE(Count(r.out, "flagged.yaml"), 16u);
}

}  // namespace
}  // namespace meshsim

namespace meshsim {
namespace {

TEST(DiffCliTest, FailOnDecidesTheExitCode) {
  const std::string a = "scenarios/diff/deny-removed/scenario.yaml";
  const std::string b = "scenarios/diff/deny-removed/new/scenario.yaml";
  EXPECT_EQ(Cli({"diff", a, b}).code, 1);
  EXPECT_EQ(Cli({"diff", a, b, "--fail-on", "newly-allowed"}).code, 1);
  cli_test::Outcome quiet =
      Cli({"diff", a, b, "--fail-on", "newly-denied,new-bypass"});
  EXPECT_EQ(quiet.code, 0) << quiet.out;
  EXPECT_NE(quiet.out.find("note: [diff-newly-allowed]"), std::string::npos)
      << quiet.out;
  cli_test::Outcome bad = Cli({"diff", a, b, "--fail-on", "newly-alowed"});
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("got 'newly-alowed'"), std::string::npos);
  // path-changed groups the four path rules: removing a DENY changes no
  // path, renaming a waypoint makes a new bypass.
  EXPECT_EQ(Cli({"diff", a, b, "--fail-on", "path-changed"}).code, 0);
  EXPECT_EQ(Cli({"diff", "scenarios/diff/waypoint-renamed/scenario.yaml",
                 "scenarios/diff/waypoint-renamed/new/scenario.yaml",
                 "--fail-on", "path-changed"})
                .code,
            1);
  EXPECT_EQ(Cli({"diff", a}).code, 2);  // no new version
  // A solver that runs out of resources says so: unknown, exit 3.
  cli_test::Outcome unknown = Cli({"diff", a, b, "--rlimit", "1"});
  EXPECT_EQ(unknown.code, 3);
  EXPECT_NE(unknown.out.find("unknown: "), std::string::npos) << unknown.out;
  EXPECT_EQ(Cli({"diff", a, "--new-manifests", "no/such/dir"}).code, 2);
}

// A modified object says which fields changed, old -> new (issue 19).
TEST(DiffCliTest, ModifiedObjectsListTheirChangedFields) {
  cli_test::Outcome typo =
      Cli({"diff", "scenarios/diff/principal-typo/scenario.yaml",
           "--new-manifests", "scenarios/diff/principal-typo/new"});
  EXPECT_NE(typo.out.find("      spec.rules[0].from[0].source.principals[0]: "
                          "cluster.local/ns/client/sa/curl -> "
                          "cluster.local/ns/client/sa/crul\n"),
            std::string::npos)
      << typo.out;
  cli_test::Outcome label =
      Cli({"diff", "scenarios/diff/namespace-onto-waypoint/scenario.yaml",
           "--new-manifests", "scenarios/diff/namespace-onto-waypoint/new",
           "--format", "json"});
  EXPECT_NE(label.out.find("\"fields\": [\n        \"metadata.labels["
                           "\\\"istio.io/use-waypoint\\\"]: added waypoint\""),
            std::string::npos)
      << label.out;
}

// An object that is the second document of a plain multi-document file
// (the peering pair's Service): its fields are listed, not an internal
// error (the yaml-cpp tree meshsim read then threw on the first document's
// missing `items`).
TEST(DiffCliTest, FieldChangesOfALaterDocumentInAFile) {
  const std::string d = "scenarios/diff/peering-waypoint-unbound/";
  cli_test::Outcome r =
      Cli({"diff", d + "scenario.yaml", d + "new/scenario.yaml"});
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_EQ(r.err.find("internal error"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("      metadata.labels[\"istio.io/use-waypoint\"]: "
                       "removed (was waypoint)\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("[diff-new-bypass]"), std::string::npos);
}

TEST(DiffCliTest, EquivalentRewriteIsProvedAndJsonIsStable) {
  const std::string a = "scenarios/diff/equivalent-rewrite/scenario.yaml";
  cli_test::Outcome r = Cli(
      {"diff", a, "--new-manifests", "scenarios/diff/equivalent-rewrite/new"});
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("equivalent for all requests"), std::string::npos);
  const std::vector<std::string> args = {
      "diff", "scenarios/diff/principal-typo/scenario.yaml",
      "scenarios/diff/principal-typo/new/scenario.yaml", "--format", "json"};
  cli_test::Outcome j1 = Cli(args), j2 = Cli(args);
  EXPECT_EQ(j1.out, j2.out);
  nlohmann::json j = nlohmann::json::parse(j1.out);
  EXPECT_EQ(j["result"], "different");
  ASSERT_FALSE(j["findings"].empty());
  const auto& f = j["findings"][0];
  EXPECT_EQ(f["rule"], "diff-newly-denied");
  EXPECT_EQ(f["old"]["outcome"], "delivered");
  EXPECT_EQ(f["new"]["outcome"], "denied");
  EXPECT_EQ(f["new"]["decision"].get<std::string>().rfind(
                "denied by shop/allow-curl", 0),
            0u)
      << f["new"]["decision"];
  EXPECT_FALSE(f["new"]["path"]["hops"].empty());
  EXPECT_EQ(f["changed"][0]["name"], "shop/allow-curl");
  EXPECT_EQ(f["changed"][0]["change"], "modified");
  EXPECT_TRUE(f["changed"][0]["old"]["line"].is_number());
}

}  // namespace
}  // namespace meshsim

namespace meshsim {
namespace {

// `check -j N` (issue 21): files checked on N threads, the same bytes on
// stdout and stderr as one thread, and the same JUnit report.
TEST(CheckJobsTest, OutputDoesNotDependOnJobs) {
  std::ostringstream out1, err1, out2, err2;
  // The peering folder: 12 files, several clusters each, verify included.
  const int one =
      RunCli({"check", "scenarios/peering/", "-j", "1"}, out1, err1);
  const int two =
      RunCli({"check", "scenarios/peering/", "-j", "2"}, out2, err2);
  EXPECT_EQ(one, 0) << err1.str();
  EXPECT_EQ(two, one);
  EXPECT_EQ(out2.str(), out1.str());
  EXPECT_EQ(err2.str(), err1.str());
  EXPECT_NE(out1.str().find("scenario files: all hold"), std::string::npos);
}

// `findings:` and `no_findings:` accept the rule ids of the analyzer
// catalogue (meshsim lint); they must count its findings, never pass
// vacuously because only the verifier's findings are looked at.
TEST(CheckTest, LintRuleIdsInExpectationsCount) {
  const cli_test::Outcome r =
      Cli({"check", "tests/data/check-lint/scenario.yaml"});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("pass  the typo is found"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("FAIL  a gate on the typo fails"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("pass  no dangling reference"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("principal-matches-nothing findings"), std::string::npos)
      << r.out;
}

}  // namespace
}  // namespace meshsim
