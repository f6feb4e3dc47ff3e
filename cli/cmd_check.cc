// `meshsim check`: the scenario files' `expect:` lists, as a CI gate.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>

#include "app/exit_code.h"
#include "app/expectations.h"
#include "app/verify_cache.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "model/io/loader.h"
#include "reports/check_report.h"

namespace meshsim::cli {

namespace {

struct CheckCmdOptions {
  std::vector<std::string> scenarios;
  std::string junit, sarif;
  bool github = false;
  CheckPolicy policy;
  int jobs = 0;  // 0: the number of cores
  ShardOptions shard;
  std::string cache;
  double timeout_s = 0;  // per file, the verifier's wall-clock budget
  bool timings = false;
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

// The checks' text, JUnit, SARIF and GitHub output (`check` and `merge`).
int ReportChecks(const std::vector<ScenarioCheck>& checks,
                 const CheckCmdOptions& o, const Streams& io) {
  WriteCheckText(checks, io.out);
  if (o.timings) WriteCheckTimings(checks, io.out);
  if (!o.junit.empty() &&
      !WriteFile(
          o.junit, [&](std::ostream& f) { WriteJUnit(checks, f, o.timings); },
          io.err))
    return 2;
  if (!o.sarif.empty() &&
      !WriteFile(
          o.sarif, [&](std::ostream& f) { WriteSarif(CheckSarif(checks), f); },
          io.err))
    return 2;
  if (o.github) {
    WriteGitHubAnnotations(checks, 10, io.out);
    if (const char* summary = std::getenv("GITHUB_STEP_SUMMARY")) {
      std::ofstream f(summary, std::ios::app);
      if (f) WriteGitHubSummary(checks, f);
    }
  }
  const int code = CheckExitCode(checks, o.policy);
  if (code == kExitBadInput && ExpectationCount(checks) == 0 &&
      FailureCount(checks) == 0)
    io.err << "meshsim: error: no expectation checked in " << checks.size()
           << " scenario file" << (checks.size() == 1 ? "" : "s")
           << ": a gate that checks nothing passes for no reason (add "
              "`expect:` entries, or pass --allow-empty)\n";
  if (o.policy.strict && code == kExitFindings && !FailureCount(checks))
    io.err << "meshsim: error: --strict: " << WarningCount(checks) << " warning"
           << (WarningCount(checks) == 1 ? "" : "s") << " (listed above)\n";
  return code;
}

int RunCheck(const CheckCmdOptions& o, const Streams& io) {
  const int jobs = DefaultJobs(o.jobs);
  // --cache: each file's verifier chunks (app/verify_cache.h), keyed by the
  // inputs its loading records.
  VerifyCacheLog cache_log;
  const CacheSettings settings{o.cache, kMeshsimVersion, &cache_log};
  const CacheSettings* cache = o.cache.empty() ? nullptr : &settings;
  if (cache) {
    std::error_code ec;
    std::filesystem::create_directories(o.cache, ec);
    if (!std::filesystem::is_directory(o.cache, ec)) {
      io.err << "meshsim: error: --cache " << o.cache
             << ": cannot make the folder\n";
      return 2;
    }
  }
  const CacheRecording recording(cache != nullptr);
  if (!o.shard.parsed) {
    const auto checks = CheckScenarios(o.scenarios, io.err, jobs, {}, nullptr,
                                       cache, o.timeout_s);
    if (cache) cache_log.Report(o.cache, io.err);
    return checks ? ReportChecks(*checks, o, io) : 2;
  }
  // A shard: the walk's messages are the preamble every shard shares.
  std::ostringstream walk;
  std::vector<std::string> errs;
  const auto checks = CheckScenarios(o.scenarios, walk, jobs, *o.shard.parsed,
                                     &errs, cache, o.timeout_s);
  io.err << walk.str();
  if (cache) cache_log.Report(o.cache, io.err);
  if (!checks) return 2;
  ShardFile f;
  f.units = checks->size();
  f.preamble_err = walk.str();
  f.output = {
      {"junit", o.junit}, {"sarif", o.sarif}, {"github", o.github ? "1" : ""}};
  f.settings = {{"strict", o.policy.strict ? "1" : ""},
                {"allow_empty", o.policy.allow_empty ? "1" : ""},
                {"timings", o.timings ? "1" : ""}};
  for (size_t i = 0; i < checks->size(); ++i) {
    if (!o.shard.parsed->Owns(i)) continue;
    io.err << errs[i];
    ShardUnit u;
    u.index = i;
    u.err = errs[i];
    u.check = (*checks)[i];
    f.results.push_back(std::move(u));
  }
  return WriteShard(std::move(f), o.shard, io);
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
  sub->add_option("--cache", o->cache,
                  "keep the verifier's answers in folder DIR; a later check "
                  "solves only what a change touches (the output does not "
                  "depend on it)");
  sub->add_option("--timeout", o->timeout_s,
                  "give each file's verifier at most SECONDS of wall-clock "
                  "time; what it leaves undecided is unknown and its "
                  "expectations fail")
      ->check(CLI::Range(0.001, 1e6));
  sub->add_flag("--timings", o->timings,
                "list each file's cost in seconds, slowest first, and put "
                "the times in the JUnit file (the output then differs "
                "between runs)");
  AddShardOptions(sub, o->shard, "scenario files");
  commands.push_back({sub, [o](const Streams& io) {
                        return ParseShardOptions(o->shard, io.err)
                                   ? RunCheck(*o, io)
                                   : 2;
                      }});
}

int MergeCheck(const ShardFile& first, std::vector<ShardUnit> units,
               const OutputOptions& output, const Streams& io) {
  CheckCmdOptions o;
  o.junit = output.at("junit");
  o.sarif = output.at("sarif");
  o.github = !output.at("github").empty();
  o.policy.strict = !first.settings.at("strict").empty();
  o.policy.allow_empty = !first.settings.at("allow_empty").empty();
  o.timings =
      first.settings.count("timings") && !first.settings.at("timings").empty();
  std::vector<ScenarioCheck> checks;
  io.err << first.preamble_err;
  for (ShardUnit& u : units) {
    io.err << u.err;
    checks.push_back(std::move(*u.check));
  }
  return ReportChecks(checks, o, io);
}

}  // namespace meshsim::cli
