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
#include "commands/commands.h"
#include "model/io/loader.h"
#include "reports/check_report.h"

namespace meshsim::commands {

namespace {

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
                 const CheckOptions& o, const Streams& io) {
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

}  // namespace

int RunCheck(const CheckOptions& o, const Streams& io) {
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

int MergeCheck(const ShardFile& first, std::vector<ShardUnit> units,
               const OutputOptions& output, const Streams& io) {
  CheckOptions o;
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

}  // namespace meshsim::commands
