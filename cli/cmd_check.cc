// `meshsim check`: the scenario files' `expect:` lists, as a CI gate.
#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <thread>

#include "app/exit_code.h"
#include "app/expectations.h"
#include "cli/commands.h"
#include "reports/check_report.h"

namespace meshsim::cli {

namespace {

struct CheckCmdOptions {
  std::vector<std::string> scenarios;
  std::string junit, sarif;
  bool github = false;
  CheckPolicy policy;
  int jobs = 0;  // 0: the number of cores
};

// Failed expectations, and the verifier findings behind them.
SarifInput CheckSarif(const std::vector<ScenarioCheck>& checks) {
  SarifInput in;
  in.check = checks;
  for (const ScenarioCheck& c : checks)
    for (const ExpectationResult& r : c.results)
      if (!r.findings.empty())
        in.verify.push_back(
            {c.file, {{}, r.findings, GroupFindings(r.findings)}});
  return in;
}

int RunCheck(const CheckCmdOptions& o, const Streams& io) {
  const int jobs = DefaultJobs(o.jobs);
  const auto checks = CheckScenarios(o.scenarios, io.err, jobs);
  if (!checks) return 2;
  WriteCheckText(*checks, io.out);
  if (!o.junit.empty() &&
      !WriteFile(
          o.junit, [&](std::ostream& f) { WriteJUnit(*checks, f); }, io.err))
    return 2;
  if (!o.sarif.empty() &&
      !WriteFile(
          o.sarif, [&](std::ostream& f) { WriteSarif(CheckSarif(*checks), f); },
          io.err))
    return 2;
  if (o.github) {
    WriteGitHubAnnotations(*checks, 10, io.out);
    if (const char* summary = std::getenv("GITHUB_STEP_SUMMARY")) {
      std::ofstream f(summary, std::ios::app);
      if (f) WriteGitHubSummary(*checks, f);
    }
  }
  const int code = CheckExitCode(*checks, o.policy);
  if (code == kExitBadInput && ExpectationCount(*checks) == 0 &&
      FailureCount(*checks) == 0)
    io.err << "meshsim: error: no expectation checked in " << checks->size()
           << " scenario file" << (checks->size() == 1 ? "" : "s")
           << ": a gate that checks nothing passes for no reason (add "
              "`expect:` entries, or pass --allow-empty)\n";
  if (o.policy.strict && code == kExitFindings && !FailureCount(*checks))
    io.err << "meshsim: error: --strict: " << WarningCount(*checks)
           << " warning" << (WarningCount(*checks) == 1 ? "" : "s")
           << " (listed above)\n";
  return code;
}

}  // namespace

void AddCheckCommand(CLI::App& app, std::vector<Command>& commands) {
  auto o = std::make_shared<CheckCmdOptions>();
  CLI::App* sub = app.add_subcommand(
      "check", "evaluate the scenario files' `expect:` lists (a CI gate)");
  sub->add_option("scenarios", o->scenarios,
                  "scenario files, or folders to search for them")
      ->required();
  sub->add_option("--junit", o->junit, "write JUnit XML to FILE");
  sub->add_option("--sarif", o->sarif, "write SARIF 2.1.0 to FILE");
  sub->add_flag("--strict", o->policy.strict,
                "fail (exit 1) on any scenario warning");
  sub->add_flag("--allow-empty", o->policy.allow_empty,
                "exit 0 when no expectation is checked (default: exit 2)");
  sub->add_option("-j,--jobs", o->jobs,
                  "scenario files checked at once (default: the number of "
                  "cores); the output does not depend on it")
      ->check(CLI::Range(1, 1024));
  sub->add_flag("--github", o->github,
                "print GitHub annotations and append a summary to "
                "$GITHUB_STEP_SUMMARY");
  commands.push_back(
      {sub, [o](const Streams& io) { return RunCheck(*o, io); }});
}

}  // namespace meshsim::cli
