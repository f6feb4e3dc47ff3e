// `meshsim verify` from the command line: exit codes and the JSON of a
// counterexample.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli/cli.h"
#include "model/io/loader.h"

namespace meshsim {
namespace {

// Exit codes: 1 on an error finding, 0 when proved, 3 on unknown (a tiny
// resource limit), 2 on bad input.
TEST(VerifyCliTest, ExitCodes) {
  auto run = [](std::vector<std::string> args) {
    std::ostringstream out, err;
    return RunCli(args, out, err);
  };
  EXPECT_EQ(run({"verify", "scenarios/verify/k05-pod-ip/flagged.yaml"}), 1);
  EXPECT_EQ(run({"verify", "scenarios/verify/k05-pod-ip/fixed.yaml"}), 0);
  EXPECT_EQ(run({"verify", "scenarios/verify/k05-pod-ip/fixed.yaml", "--rlimit",
                 "1"}),
            3);
  EXPECT_EQ(run({"verify", "tests/data/errors/unknown-workload.yaml"}), 2);
  EXPECT_EQ(run({"verify", "scenarios/verify/k05-pod-ip/fixed.yaml",
                 "--property", "nope"}),
            2);
}

// SARIF says why a run gave no answer: one invocation, executionSuccessful
// false with a notification when the scenario does not load (plus a
// load-error result at the error's line: SARIF was not written at all) or a
// verdict is unknown (with how to decide it); true for a plain run.
TEST(VerifyCliTest, SarifInvocationSaysWhyThereIsNoAnswer) {
  const std::string sarif =
      (std::filesystem::temp_directory_path() / "meshsim-invocation.sarif")
          .string();
  auto invocation = [&](std::vector<std::string> args, int code) {
    std::filesystem::remove(sarif);
    std::ostringstream out, err;
    args.insert(args.end(), {"--sarif", sarif});
    EXPECT_EQ(RunCli(args, out, err), code) << err.str();
    std::ifstream in(sarif);
    if (!in) {
      ADD_FAILURE() << "no SARIF written";
      return nlohmann::json();
    }
    const nlohmann::json s = nlohmann::json::parse(in);
    return s["runs"][0];
  };
  const nlohmann::json bad =
      invocation({"verify", "tests/data/errors/unknown-namespace.yaml"}, 2);
  ASSERT_FALSE(bad.is_null());
  EXPECT_EQ(bad["invocations"][0]["executionSuccessful"], false);
  const nlohmann::json& note =
      bad["invocations"][0]["toolExecutionNotifications"][0];
  EXPECT_EQ(note["level"], "error");
  EXPECT_NE(note["message"]["text"].get<std::string>().find(
                "from.namespace 'shp' has no workloads"),
            std::string::npos);
  ASSERT_EQ(bad["results"].size(), 1u);
  EXPECT_EQ(bad["results"][0]["ruleId"], "load-error");
  const nlohmann::json& region =
      bad["results"][0]["locations"][0]["physicalLocation"]["region"];
  EXPECT_EQ(region["startLine"], 7);
  EXPECT_EQ(region["startColumn"], 53);

  const nlohmann::json unknown = invocation(
      {"verify", "scenarios/verify/k05-pod-ip/fixed.yaml", "--rlimit", "1"}, 3);
  ASSERT_FALSE(unknown.is_null());
  EXPECT_EQ(unknown["invocations"][0]["executionSuccessful"], false);
  const std::string text =
      unknown["invocations"][0]["toolExecutionNotifications"][0]["message"]
             ["text"];
  EXPECT_NE(text.find("is unknown"), std::string::npos) << text;
  EXPECT_NE(text.find("raise --rlimit"), std::string::npos) << text;

  const nlohmann::json fine =
      invocation({"verify", "scenarios/verify/k05-pod-ip/fixed.yaml"}, 0);
  ASSERT_FALSE(fine.is_null());
  EXPECT_EQ(fine["invocations"][0]["executionSuccessful"], true);
  EXPECT_TRUE(fine["invocations"][0]["toolExecutionNotifications"].empty());
  std::filesystem::remove(sarif);
}

// A counterexample's codeFlow steps sit at each hop's own object: a
// workload's at its Deployment, a ztunnel's at the pod it serves there, a
// waypoint's at its Gateway; not all at the finding's Service.
TEST(VerifyCliTest, CodeFlowStepsPointAtEachHopsObject) {
  const std::string scenario = "scenarios/bookinfo/scenario.yaml";
  const std::string sarif =
      (std::filesystem::temp_directory_path() / "meshsim-codeflow.sarif")
          .string();
  std::ostringstream out, err;
  ASSERT_EQ(RunCli({"verify", scenario, "--sarif", sarif}, out, err), 1);
  Diagnostics diags;
  const std::optional<Scenario> sc = LoadScenarioFile(scenario, diags);
  ASSERT_TRUE(sc);
  std::ifstream in(sarif);
  const nlohmann::json s = nlohmann::json::parse(in);
  int steps = 0;
  for (const nlohmann::json& r : s["runs"][0]["results"]) {
    if (!r.contains("codeFlows")) continue;
    for (const nlohmann::json& step :
         r["codeFlows"][0]["threadFlows"][0]["locations"]) {
      const std::string text = step["location"]["message"]["text"];
      const size_t at = text.find(". workload ");
      if (at == std::string::npos) continue;
      const std::string pod =
          text.substr(at + 11, text.find(' ', at + 11) - at - 11);
      const Workload* w = sc->mesh.clusters[0].FindWorkload(pod);
      ASSERT_NE(w, nullptr) << pod;
      const nlohmann::json& pl = step["location"]["physicalLocation"];
      EXPECT_EQ(pl["artifactLocation"]["uri"], w->location.file) << text;
      EXPECT_EQ(pl["region"]["startLine"], w->location.line) << text;
      ++steps;
    }
  }
  EXPECT_GE(steps, 2);
  std::filesystem::remove(sarif);
}

// A solver out of its --rlimit says so in the user's words, and what it
// left undecided is unknown: fail-open exposure is asked only where no
// bypass exists, so an undecided bypass leaves it unknown, never proved.
TEST(VerifyCliTest, AnExhaustedRlimitIsUnknownWithAHint) {
  std::ostringstream out, err;
  ASSERT_EQ(RunCli({"verify", "scenarios/bookinfo/scenario.yaml", "--rlimit",
                    "1", "--format", "json"},
                   out, err),
            3);
  const std::string s = out.str();
  EXPECT_NE(s.find("the solver ran out of its resource limit (--rlimit 1); "
                   "raise --rlimit to decide it"),
            std::string::npos)
      << s;
  EXPECT_EQ(s.find("canceled"), std::string::npos);
  const size_t exposure = s.find("\"name\": \"fail-open-exposure\"");
  ASSERT_NE(exposure, std::string::npos);
  const std::string unknown = "\"result\": \"unknown\"";
  EXPECT_EQ(s.compare(s.find("\"result\"", exposure), unknown.size(), unknown),
            0)
      << s.substr(exposure, 200);
}

// The counterexample carries the concrete request and its path.
TEST(VerifyCliTest, CounterexampleHasRequestPathAndObjects) {
  std::ostringstream out, err;
  ASSERT_EQ(RunCli({"verify", "scenarios/verify/k05-pod-ip/flagged.yaml",
                    "--format", "json"},
                   out, err),
            1);
  const std::string s = out.str();
  EXPECT_NE(s.find("\"rule\": \"waypoint-bypass\""), std::string::npos);
  EXPECT_NE(s.find("\"request\""), std::string::npos);
  EXPECT_NE(s.find("\"path\""), std::string::npos);
  EXPECT_NE(s.find("\"file\": \"scenarios/verify/k05-pod-ip/flagged.yaml\""),
            std::string::npos);
  EXPECT_NE(s.find("\"fix\""), std::string::npos);
}

}  // namespace
}  // namespace meshsim

namespace meshsim {
namespace {

// A counterexample's path ends at the pod its message names: a request to
// a service may land on any endpoint, and the replay picks a path that
// lands where the solver's model does when one exists (found by review:
// an ingress finding named pod app-c and showed a path to app-a). The
// TestIngressUseWaypoint objects on 1.29 with an address block, so that
// the ingress skips the entry's waypoint and reaches all three endpoints.
TEST(VerifyCliTest, ACounterexamplesPathEndsAtThePodItNames) {
  namespace fs = std::filesystem;
  const fs::path from =
      "scenarios/conformance/xds-ingress-use-waypoint-service-entry";
  const fs::path dir = fs::temp_directory_path() / "meshsim-witness-pod";
  fs::remove_all(dir);
  fs::copy(from, dir, fs::copy_options::recursive);
  auto rewrite = [](const fs::path& p, const std::string& a,
                    const std::string& b) {
    std::ifstream in(p);
    std::stringstream text;
    text << in.rdbuf();
    std::string s = text.str();
    const size_t at = s.find(a);
    ASSERT_NE(at, std::string::npos) << p << ": " << a;
    s.replace(at, a.size(), b);
    std::ofstream(p) << s;
  };
  rewrite(dir / "scenario.yaml", "version: \"1.31\"", "version: \"1.29\"");
  rewrite(dir / "manifests/10-objects.yaml", "addresses: [1.2.3.4]",
          "addresses: [1.2.3.4, 10.200.0.0/16]");
  std::ostringstream out, err;
  EXPECT_EQ(
      RunCli({"verify", (dir / "scenario.yaml").string(), "--format", "json"},
             out, err),
      1)
      << err.str();
  const nlohmann::json r = nlohmann::json::parse(out.str());
  int checked = 0;
  bool ingress = false;
  for (const nlohmann::json& f : r["findings"]) {
    const std::string msg = f["message"];
    const size_t at = msg.find("(pod ");
    if (at == std::string::npos || !f.contains("path")) continue;
    const std::string pod =
        msg.substr(at + 5, msg.find(' ', at + 5) - (at + 5));
    const nlohmann::json& hops = f["path"]["hops"];
    ASSERT_FALSE(hops.empty()) << msg;
    EXPECT_EQ(hops.back()["name"], pod) << msg;
    ++checked;
    ingress |= msg.rfind("ingress ", 0) == 0;
  }
  EXPECT_GT(checked, 0);
  EXPECT_TRUE(ingress);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace meshsim
