// Each subcommand's options, parsed by CLI11 into its option struct
// (commands/commands.h), and the call that runs it.
#include "cli/options.h"

#include <memory>

#include "model/rules.h"
#include "model/text.h"

namespace meshsim::cli {

namespace {

using namespace commands;  // NOLINT: the option structs and Run* calls

const CLI::Validator kSeconds([](std::string& v) { return SecondsError(v); },
                              "SECONDS");
const CLI::Validator kCount(
    [](std::string& v) { return CountError(v, 1000000); }, "N");

// The options every scenario command has: the scenario file, and
// `--format text|json` when `format` is given.
void AddScenarioOptions(CLI::App* sub, std::string& scenario,
                        std::string* format = nullptr,
                        std::optional<uint64_t>* seed = nullptr) {
  sub->add_option("scenario", scenario, "scenario file (YAML or JSON)")
      ->required();
  if (format)
    sub->add_option("--format", *format, "text or json")
        ->check(CLI::IsMember({"text", "json"}));
  if (seed)  // as written: CLI11 would clamp -1 or 2^64 to the largest seed
    sub->add_option("--seed", *seed,
                    "random seed (default: the scenario's "
                    "`seed`, else 1)")
        ->check(
            CLI::Validator([](std::string& v) { return SeedError(v); }, ""));
}

// `--shard I/N --shard-out FILE` (docs/scale-out.md).
void AddShardOptions(CLI::App* sub, ShardOptions& o, const char* units) {
  sub->add_option("--shard", o.spec,
                  std::string("run shard I of N (I from 0): the ") + units +
                      " with index i mod N = I; needs --shard-out "
                      "(docs/scale-out.md)");
  sub->add_option("--shard-out", o.out,
                  "write the shard's results to FILE for `meshsim merge`");
}

// `-j N`: how many `what` run at once.
void AddJobs(CLI::App* sub, int& jobs, const std::string& what) {
  sub->add_option("-j,--jobs", jobs,
                  what +
                      " at once (default: the number of cores); the "
                      "output does not depend on it")
      ->check(CLI::Range(1, 1024));
}

// A subcommand with `--shard I/N --shard-out FILE`, checked before `run`.
template <typename Options>
void AddSharded(CLI::App* sub, std::shared_ptr<Options> o, const char* units,
                int (*run)(const Options&, const Streams&),
                std::vector<Command>& commands) {
  AddShardOptions(sub, o->shard, units);
  commands.push_back({sub, [o, run](const Streams& io) {
                        return ParseShardOptions(o->shard, io.err) ? run(*o, io)
                                                                   : 2;
                      }});
}

void AddPathsCommand(CLI::App& app, std::vector<Command>& commands) {
  auto o = std::make_shared<PathsOptions>();
  CLI::App* sub = app.add_subcommand(
      "paths",
      "print every path each traffic entry's requests can take, hop by hop");
  AddScenarioOptions(sub, o->scenario, &o->format);
  sub->add_option(
      "--http", o->overrides.http,
      "override the traffic entries' request, e.g. \"GET /api/v1?x=1\"");
  sub->add_option("--header", o->overrides.headers,
                  "add a request header name=value (repeatable)");
  sub->add_option("--traffic", o->overrides.traffic,
                  "only these traffic entries (repeatable)");
  AddJobs(sub, o->jobs, "traffic entries resolved");
  sub->add_flag("--show-generated", o->show_generated,
                "also print the objects istiod would generate (Solo "
                "peering's autogen ServiceEntries, §15.2)");
  commands.push_back(
      {sub, [o](const Streams& io) { return RunPaths(*o, io); }});
}

void AddSweepCommand(CLI::App& app, std::vector<Command>& commands) {
  auto o = std::make_shared<CapacityCommandOptions>();
  o->options.replications = 0;  // the sweep's own
  CLI::App* sub = app.add_subcommand(
      "sweep",
      "run the scenario's `sweep:` grid (rate, replicas, version) with "
      "replications: a table, CSV or JSON");
  AddScenarioOptions(sub, o->scenario, &o->format);
  sub->add_option("--csv", o->csv, "also write the table as CSV");
  sub->add_option("--replications", o->options.replications,
                  "replications per point (default: the sweep's, else 5)")
      ->check(CLI::Range(1, 1000));
  AddJobs(sub, o->options.jobs, "replications run");
  AddSharded(sub, o, "grid points", RunSweepCommand, commands);
}

void AddPlanCommand(CLI::App& app, std::vector<Command>& commands) {
  auto o = std::make_shared<CapacityCommandOptions>();
  CLI::App* sub = app.add_subcommand(
      "plan",
      "the smallest waypoint and gateway replica counts that meet a latency "
      "objective (analytic bound, then replicated simulation)");
  AddScenarioOptions(sub, o->scenario, &o->format);
  sub->add_option("--slo", o->slo,
                  "the objective for every traffic entry, e.g. 'p99<10ms' "
                  "(mean, p50, p90, p99, p999)")
      ->required();
  sub->add_option("--rate-multiplier", o->options.rate_multiplier,
                  "scale every traffic entry's rate (next quarter's load)")
      ->check(CLI::Range(1e-6, 1e6));
  sub->add_option("--replications", o->options.replications,
                  "replications per simulated point (default 5)")
      ->check(CLI::Range(2, 1000));
  sub->add_option("--max-replicas", o->options.max_replicas,
                  "the most replicas a gateway may get (default 64)")
      ->check(CLI::Range(1, 1000));
  AddJobs(sub, o->options.jobs, "replications run");
  commands.push_back(
      {sub, [o](const Streams& io) { return RunPlanCommand(*o, io); }});
}

void AddRunCommand(CLI::App& app, std::vector<Command>& commands) {
  auto o = std::make_shared<RunCommandOptions>();
  CLI::App* sub = app.add_subcommand(
      "run",
      "replay the scenario's traffic as discrete events: latency, load, "
      "policy hits");
  AddScenarioOptions(sub, o->scenario, &o->format, &o->seed);
  sub->add_option("--trace", o->trace,
                  "write each request's hop timeline as JSON lines");
  sub->add_option("--trace-every", o->trace_every,
                  "trace every Nth request of each entry")
      ->check(CLI::PositiveNumber);
  sub->add_flag("--quiet", o->quiet, "no progress on stderr, no notes");
  sub->add_option("--replications", o->replications,
                  "independent runs (seeds derived from the scenario's); "
                  "statistics as mean and 95% interval")
      ->check(CLI::Range(1, 10000));
  sub->add_option("--ci-warn", o->ci_warn,
                  "warn when an interval is wider than this share of its "
                  "mean (default 0.1)")
      ->check(CLI::Range(0.0, 100.0));
  AddJobs(sub, o->jobs, "replications run");
  AddSharded(sub, o, "replications", RunRun, commands);
}

void AddAnalyzeCommand(CLI::App& app, std::vector<Command>& commands) {
  auto o = std::make_shared<AnalyzeOptions>();
  CLI::App* sub = app.add_subcommand(
      "analyze", "the analytic answer: traffic equations and M/M/c stations");
  AddScenarioOptions(sub, o->scenario, &o->format);
  commands.push_back(
      {sub, [o](const Streams& io) { return RunAnalyze(*o, io); }});
}

void AddVerifyCommand(CLI::App& app, std::vector<Command>& commands) {
  auto o = std::make_shared<VerifyCommandOptions>();
  CLI::App* sub = app.add_subcommand(
      "verify",
      "prove with Z3 that no request bypasses or double-passes a waypoint");
  AddScenarioOptions(sub, o->scenario, &o->format);
  sub->add_option("--max-findings", o->verify.max_findings,
                  "counterexamples reported per property (default 100)")
      ->check(kCount);
  sub->add_option("--rlimit", o->verify.rlimit,
                  "Z3 resource limit per query (deterministic; default "
                  "50000000)");
  sub->add_option("--timeout", o->verify.timeout_s,
                  "wall-clock budget of the whole run in seconds; what is "
                  "not decided when it expires is unknown (exit 3)")
      ->check(kSeconds);
  sub->add_option("--sarif", o->sarif, "also write SARIF 2.1.0 to FILE");
  sub->add_option(
      "--property", o->verify.properties,
      "check only these: " + RuleIdList(RuleKind::kProperty) + " (repeatable)");
  AddJobs(sub, o->verify.jobs, "chunks of destinations proved");
  sub->add_option("--chunk", o->verify.chunk,
                  "destinations per chunk (default 2048): each chunk is one "
                  "Z3 context, one cache entry and one unit of --shard; "
                  "counterexamples may differ between sizes, never between "
                  "-j, shards or cache states")
      ->check(CLI::Range(1, 1000000));
  sub->add_option("--cache", o->cache,
                  "keep each chunk's answer in folder DIR, keyed by what it "
                  "depends on; a second run solves only chunks whose inputs "
                  "changed (the output does not depend on it)");
  AddSharded(sub, o, "chunks of destination slices", RunVerify, commands);
}

void AddReportCommand(CLI::App& app, std::vector<Command>& commands) {
  auto o = std::make_shared<ReportOptions>();
  CLI::App* sub = app.add_subcommand(
      "report",
      "write a design-review report (report.md, report.html, results.json)");
  AddScenarioOptions(sub, o->scenario, nullptr, &o->seed);
  sub->add_option("-o,--output", o->dir, "output directory")->required();
  commands.push_back(
      {sub, [o](const Streams& io) { return RunReport(*o, io); }});
}

void AddDiffCommand(CLI::App& app, std::vector<Command>& commands) {
  auto o = std::make_shared<DiffCommandOptions>();
  CLI::App* sub = app.add_subcommand(
      "diff",
      "every class of requests whose fate differs between two versions");
  sub->add_option("old", o->old_scenario, "the old scenario file")->required();
  sub->add_option("new", o->new_scenario, "the new scenario file");
  sub->add_option("--new-manifests", o->new_manifests,
                  "the new version: OLD's scenario with its manifest paths "
                  "resolved against DIR");
  sub->add_option("--format", o->format, "text or json")
      ->check(CLI::IsMember({"text", "json"}));
  std::string ids;
  for (const std::string& r : DiffRules()) ids += r.substr(5) + ", ";
  sub->add_option("--fail-on", o->fail_on,
                  "exit 1 only for these changes (comma-separated; default "
                  "all): " +
                      ids + "or path-changed")
      ->delimiter(',');
  sub->add_option("--sarif", o->sarif, "also write SARIF 2.1.0 to FILE");
  sub->add_option("--max-findings", o->diff.max_findings,
                  "classes reported per kind of change (default 50)")
      ->check(kCount);
  sub->add_option("--rlimit", o->diff.rlimit,
                  "Z3 resource limit per query (deterministic; default "
                  "50000000)");
  sub->add_option("--timeout", o->diff.timeout_s,
                  "wall-clock budget of the whole run in seconds; when it "
                  "expires the diff is unknown (exit 3)")
      ->check(kSeconds);
  AddJobs(sub, o->diff.jobs, "chunks of destinations compared");
  sub->add_option("--cache", o->cache,
                  "keep the comparison's chunks in folder DIR; a re-run of "
                  "the same two versions compares nothing again (the output "
                  "does not depend on it)");
  AddSharded(sub, o, "chunks of destinations", RunDiff, commands);
}

void AddCheckCommand(CLI::App& app, std::vector<Command>& commands) {
  auto o = std::make_shared<CheckOptions>();
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
  AddJobs(sub, o->jobs, "scenario files checked");
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
      ->check(kSeconds);
  sub->add_flag("--timings", o->timings,
                "list each file's cost in seconds, slowest first, and put "
                "the times in the JUnit file (the output then differs "
                "between runs)");
  AddSharded(sub, o, "scenario files", RunCheck, commands);
}

void AddLintCommand(CLI::App& app, std::vector<Command>& commands) {
  auto o = std::make_shared<LintOptions>();
  CLI::App* sub = app.add_subcommand(
      "lint",
      "check a scenario's manifests against the analyzer catalogue (no "
      "solver)");
  sub->add_option("scenarios", o->scenarios, "scenario files");
  sub->add_option("--format", o->format, "text, json or sarif")
      ->check(CLI::IsMember({"text", "json", "sarif"}));
  sub->add_flag("--strict", o->strict, "exit 1 on warnings too");
  sub->add_flag("--list", o->list, "print the rule catalogue");
  commands.push_back({sub, [o](const Streams& io) { return RunLint(*o, io); }});
}

void AddInitCommand(CLI::App& app, std::vector<Command>& commands) {
  auto o = std::make_shared<InitOptions>();
  CLI::App* sub = app.add_subcommand(
      "init", "write a scenario from kubectl dumps of live clusters");
  sub->add_option("--cluster", o->clusters,
                  "NAME=DUMP: a cluster and its `kubectl get -o yaml` dump "
                  "(a file or a folder); repeat for each cluster")
      ->required();
  sub->add_option("-o,--output", o->out, "the scenario file to write")
      ->required();
  sub->add_flag("--force", o->force, "replace an existing file");
  commands.push_back({sub, [o](const Streams& io) { return RunInit(*o, io); }});
}

void AddMergeCommand(CLI::App& app, std::vector<Command>& commands) {
  auto o = std::make_shared<MergeOptions>();
  CLI::App* sub = app.add_subcommand(
      "merge",
      "print what a sharded command would have printed from its shard files "
      "(--shard-out), with its exit code");
  sub->add_option("files", o->files, "the shard files, all N of them")
      ->required();
  sub->add_option("--format", o->output["format"],
                  "text or json (default: the shards' own)")
      ->check(CLI::IsMember({"text", "json"}));
  sub->add_option("--junit", o->output["junit"], "check: write JUnit XML");
  sub->add_option("--sarif", o->output["sarif"],
                  "check, verify, diff: write SARIF 2.1.0");
  sub->add_option("--csv", o->output["csv"], "sweep: write the table as CSV");
  sub->add_flag("--github", o->github,
                "check: GitHub annotations and step summary");
  commands.push_back(
      {sub, [o](const Streams& io) { return RunMerge(*o, io); }});
}

}  // namespace

void AddCommands(CLI::App& app, std::vector<Command>& commands) {
  AddPathsCommand(app, commands);
  AddRunCommand(app, commands);
  AddAnalyzeCommand(app, commands);
  AddVerifyCommand(app, commands);
  AddReportCommand(app, commands);
  AddDiffCommand(app, commands);
  AddCheckCommand(app, commands);
  AddLintCommand(app, commands);
  AddInitCommand(app, commands);
  AddSweepCommand(app, commands);
  AddPlanCommand(app, commands);
  AddMergeCommand(app, commands);
}

}  // namespace meshsim::cli
