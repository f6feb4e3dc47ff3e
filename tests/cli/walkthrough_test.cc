// docs/getting-started.md's walk-through, command by command: the block
// after its `walkthrough` marker is run here in a fresh folder (holding a
// copy of tests/data/init, the doc's stand-in dumps), `meshsim` lines in
// process, the others by bash, so the doc cannot drift from what meshsim
// does (issue 19's "every command in it run by a test").
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/cli/cli_outcome.h"

namespace meshsim {
namespace {

namespace fs = std::filesystem;

std::string ReadText(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The lines of the first ```sh block after the walkthrough marker.
std::vector<std::string> WalkthroughCommands(const std::string& doc) {
  std::vector<std::string> out;
  std::istringstream in(doc.substr(doc.find("<!-- walkthrough")));
  std::string line;
  bool inside = false;
  while (std::getline(in, line)) {
    if (!inside) {
      inside = line == "```sh";
      continue;
    }
    if (line == "```") break;
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

TEST(WalkthroughTest, GettingStartedRunsAsWritten) {
  const fs::path repo = fs::current_path();
  const std::vector<std::string> commands =
      WalkthroughCommands(ReadText(repo / "docs/getting-started.md"));
  ASSERT_GE(commands.size(), 6u);
  const fs::path dir = fs::temp_directory_path() /
                       ("meshsim-walkthrough-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "tests/data");
  fs::copy(repo / "tests/data/init", dir / "tests/data/init",
           fs::copy_options::recursive);
  fs::current_path(dir);
  const std::string prefix = "build/cli/meshsim ";
  std::vector<std::string> ran;
  for (const std::string& line : commands) {
    if (line.rfind(prefix, 0) == 0) {
      std::vector<std::string> args;
      std::istringstream words(line.substr(prefix.size()));
      for (std::string w; words >> w;) args.push_back(w);
      const cli_test::Outcome r = cli_test::Cli(args);
      // Every step succeeds: the suggested entry resolves, nothing is
      // flagged, the expectation holds.
      EXPECT_EQ(r.code, 0) << line << "\n" << r.out << r.err;
      if (args[0] == "paths") {
        EXPECT_NE(r.out.find("curl-to-cart: 1 path"), std::string::npos)
            << r.out;
      }
      ran.push_back(args[0]);
    } else {
      std::ofstream(dir / "step.sh") << "set -e\n" << line << "\n";
      EXPECT_EQ(std::system(("bash " + (dir / "step.sh").string()).c_str()), 0)
          << line;
      ran.push_back("sh");
    }
  }
  EXPECT_EQ(ran, (std::vector<std::string>{"sh", "init", "sh", "paths",
                                           "verify", "report", "sh", "check"}));
  EXPECT_TRUE(fs::exists(dir / "walk/report/report.html"));
  const std::string junit = ReadText(dir / "walk/junit.xml");
  EXPECT_NE(junit.find("tests=\"1\""), std::string::npos) << junit;
  EXPECT_NE(junit.find("failures=\"0\""), std::string::npos) << junit;
  fs::current_path(repo);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace meshsim
