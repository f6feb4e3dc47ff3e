// `meshsim verify` from the command line: exit codes and the JSON of a
// counterexample.
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "cli/cli.h"

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
