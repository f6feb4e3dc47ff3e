// Shared by the CLI tests that compare whole runs (shards, the verifier
// cache): one in-process `meshsim` run, and its output with the one field
// that may differ between runs of the same inputs masked.
#ifndef MESHSIM_TESTS_CLI_CLI_OUTCOME_H_
#define MESHSIM_TESTS_CLI_CLI_OUTCOME_H_

#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "cli/cli.h"

namespace meshsim::cli_test {

struct Outcome {
  int code;
  std::string out, err;
};

inline Outcome Cli(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  const int code = RunCli(args, out, err);
  return {code, out.str(), err.str()};
}

// Wall-clock seconds are the one field that differs between runs of the
// same inputs (docs/verification.md).
inline std::string NoTimes(const std::string& s) {
  static const std::regex json(R"("seconds": *[0-9.e+-]+)");
  static const std::regex text(R"([0-9]+\.[0-9]+ s\))");
  return std::regex_replace(std::regex_replace(s, json, "\"seconds\": T"), text,
                            "T s)");
}

}  // namespace meshsim::cli_test

#endif  // MESHSIM_TESTS_CLI_CLI_OUTCOME_H_
