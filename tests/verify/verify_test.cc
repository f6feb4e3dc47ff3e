// `meshsim verify` on the known cases of §10: each scenarios/verify/<case>/
// flagged.yaml is flagged with the case's rule (its `expect` file names the
// rule and the kind of client in the counterexample), and fixed.yaml is
// proved; the §4.3 guard's proof names the guard policy.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "cli/cli.h"
#include "model/io/loader.h"
#include "verify/verifier.h"

namespace meshsim {
namespace {

namespace fs = std::filesystem;

VerifyResult VerifyFile(const std::string& path, VerifyOptions options = {}) {
  Diagnostics d;
  auto sc = LoadScenarioFile(path, d);
  EXPECT_TRUE(sc && !d.HasErrors()) << path;
  return Verify(*sc, options);
}

TEST(VerifyCasesTest, EachKnownCaseIsFlaggedAndItsTwinProved) {
  int cases = 0;
  for (const auto& e : fs::directory_iterator("scenarios/verify")) {
    if (!e.is_directory()) continue;
    std::ifstream in(e.path() / "expect");
    std::string rule, kind;
    std::getline(in, rule);
    std::getline(in, kind);
    VerifyResult flagged = VerifyFile((e.path() / "flagged.yaml").string());
    bool found = false;
    std::string all;
    for (const Finding& f : flagged.findings) {
      all += "  [" + f.rule + "] " + f.message + "\n";
      if (f.rule == rule && f.message.find(kind) != std::string::npos)
        found = true;
    }
    EXPECT_TRUE(found) << e.path() << ": expected [" << rule << "] from '"
                       << kind << "', got:\n"
                       << all;
    VerifyResult fixed = VerifyFile((e.path() / "fixed.yaml").string());
    for (const PropertyResult& p : fixed.properties)
      EXPECT_EQ(p.result, ProofResult::kProved)
          << e.path() << " fixed: " << p.name;
    for (const Finding& f : fixed.findings)
      EXPECT_NE(f.severity, Severity::kError)
          << e.path() << " fixed: [" << f.rule << "] " << f.message;
    ++cases;
  }
  EXPECT_GE(cases, 20);
}

// §4.3: the guard scenario is proved, and the unsat core names the guard.
TEST(VerifyCasesTest, GuardProofNamesTheGuardPolicy) {
  VerifyResult r = VerifyFile("scenarios/waypoint-guard/scenario.yaml");
  ASSERT_EQ(r.properties[0].name, "waypoint-bypass");
  EXPECT_EQ(r.properties[0].result, ProofResult::kProved);
  EXPECT_NE(std::find(r.properties[0].core.begin(), r.properties[0].core.end(),
                      "shop/require-waypoint"),
            r.properties[0].core.end());
  // Its twin without the guard is violated, with a counterexample per kind
  // of client: uncaptured, sidecar, ingress and ambient (pod IP).
  VerifyResult open = VerifyFile("scenarios/waypoint-no-guard/scenario.yaml");
  EXPECT_EQ(open.properties[0].result, ProofResult::kViolated);
  std::set<std::string> kinds;
  for (const Finding& f : open.findings) {
    if (f.rule != "waypoint-bypass") continue;
    // An uncaptured client is either a named out-of-mesh workload or any pod
    // outside the mesh; the solver may pick either.
    for (const char* k : {"outside the mesh", "uncaptured workload",
                          "sidecar workload", "ingress", "ambient workload"})
      if (f.message.find(k) != std::string::npos)
        kinds.insert(
            std::string(k) == "outside the mesh" ? "uncaptured workload" : k);
  }
  EXPECT_EQ(kinds.size(), 4u);
}

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
