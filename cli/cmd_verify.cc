// `meshsim verify` (Z3 proofs) and `meshsim report` (a design review).
#include <memory>
#include <sstream>

#include "app/capacity.h"
#include "app/exit_code.h"
#include "app/expectations.h"
#include "app/review.h"
#include "app/shard.h"
#include "app/verify_cache.h"
#include "app/witness.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "model/io/loader.h"
#include "reports/check_report.h"
#include "reports/review_report.h"
#include "reports/verify_report.h"
#include "verify/verifier.h"

namespace meshsim::cli {

namespace {

struct VerifyCmdOptions {
  std::string scenario, format = "text", sarif, cache;
  VerifyOptions verify;
  ShardOptions shard;
};

// The verify result's text or JSON and SARIF (`verify` and `merge`).
int ReportVerify(const std::string& scenario_file, const std::string& name,
                 const VerifyResult& r, const std::string& format,
                 const std::string& sarif_file,
                 const std::vector<Diagnostic>& warnings, const Streams& io) {
  const SarifInput sarif{{{scenario_file, r}}, {}, {}, {}};
  if (!sarif_file.empty() &&
      !WriteFile(
          sarif_file, [&](std::ostream& f) { WriteSarif(sarif, f); }, io.err))
    return 2;
  if (format == "json") {
    WriteVerifyJson(name, r, io.out, warnings);
  } else {
    WriteVerifyText(name, r, io.out);
  }
  return VerifyExitCode(r);
}

std::string Joined(const std::vector<std::string>& v) {
  std::string s;
  for (const std::string& x : v) s += (s.empty() ? "" : ",") + x;
  return s;
}

// --shard: the chunks of destination slices this shard owns, with their
// counterexamples' paths (docs/scale-out.md).
int WriteVerifyShard(const VerifyCmdOptions& o, const Scenario& sc,
                     const VerifyOptions& options, const Diagnostics& diags,
                     const std::string& load_err, const Streams& io) {
  const ShardSpec& shard = *o.shard.parsed;
  ShardFile f;
  f.units = VerifyChunkCount(sc, options.chunk);
  f.name = sc.mesh.name;
  f.warnings = ScenarioWarnings(sc, diags);
  f.preamble_err = load_err;
  f.output = {{"format", o.format}, {"sarif", o.sarif}};
  f.settings = {{"scenario", o.scenario},
                {"max_findings", std::to_string(options.max_findings)},
                {"chunk", std::to_string(options.chunk)},
                {"properties", Joined(options.properties)}};
  VerifyResult common = VerifyLint(sc);
  AttachWitnessPaths(sc, common);
  f.common = std::move(common);
  for (auto& [index, chunk] :
       ProveChunks(sc, options, [&](size_t c) { return shard.Owns(c); })) {
    ShardUnit u;
    u.index = index;
    for (VerifyResult& slice : chunk.slices) AttachWitnessPaths(sc, slice);
    u.slices = std::move(chunk.slices);
    if (chunk.intent) u.extra["intent"] = "1";
    if (chunk.passes) u.extra["passes"] = "1";
    if (!chunk.expired.empty()) u.extra["expired"] = chunk.expired;
    f.results.push_back(std::move(u));
  }
  return WriteShard(std::move(f), o.shard, io);
}

int RunVerify(const VerifyCmdOptions& o, const Streams& io) {
  for (const std::string& p : o.verify.properties) {
    const Rule* rule = FindRule(p);
    if (!rule || rule->kind != RuleKind::kProperty) {
      std::vector<std::string> ids;
      for (const Rule& r : RulesOfKind(RuleKind::kProperty))
        ids.emplace_back(r.id);
      const std::string near = ClosestMatch(p, ids);
      io.err << "meshsim: error: --property must be one of "
             << RuleIdList(RuleKind::kProperty) << ", got '" << p << "'"
             << (near.empty() ? "" : "; did you mean '" + near + "'?") << "\n";
      return 2;
    }
  }
  Diagnostics diags;
  std::ostringstream load_err;
  // --cache keys chunks by the inputs, so loading records them.
  const CacheRecording recording(!o.cache.empty());
  std::optional<Scenario> sc =
      LoadScenario(o.scenario, "nothing verified", load_err, diags);
  const KeepUntilExit keep(sc, io);
  io.err << load_err.str();
  if (!sc) return 2;
  VerifyOptions options = o.verify;
  if (!options.rlimit) options.rlimit = VerifyOptions{}.rlimit;  // 0: default
  options.jobs = DefaultJobs(options.jobs);
  VerifyCacheLog cache_log;
  std::unique_ptr<VerifyCache> cache;
  if (!o.cache.empty()) {
    std::string error;
    cache = VerifyCache::Open({o.cache, kMeshsimVersion, &cache_log}, *sc,
                              RecordedInputs(), &error);
    if (!cache) {
      io.err << "meshsim: error: " << error << "\n";
      return 2;
    }
    options.cache = cache.get();
  }
  if (o.shard.parsed) {
    const int rc = WriteVerifyShard(o, *sc, options, diags, load_err.str(), io);
    if (cache) cache_log.Report(o.cache, io.err);
    return rc;
  }
  VerifyResult r = Verify(*sc, options);
  if (cache) cache_log.Report(o.cache, io.err);
  AttachWitnessPaths(*sc, r);
  return ReportVerify(o.scenario, sc->mesh.name, r, o.format, o.sarif,
                      ScenarioWarnings(*sc, diags), io);
}

struct ReportCmdOptions {
  std::string scenario, dir;
  std::optional<uint64_t> seed;
};

int BadSweep(const Diagnostics& diags, const Streams& io) {
  diags.Print(io.err);
  io.err << "meshsim: error: the scenario's sweep did not run; no report "
            "written\n";
  return 2;
}

// report.md, report.html and results.json into `dir`. Exit codes as
// `verify`; 2 also when `dir` cannot be written.
int RunReport(const ReportCmdOptions& o, const Streams& io) {
  Diagnostics diags;
  std::optional<Scenario> sc =
      LoadScenario(o.scenario, "no report written", io.err, diags);
  const KeepUntilExit keep(sc, io);
  if (!sc) return 2;
  const ScenarioReview r = ReviewScenario(*sc, o.seed.value_or(sc->seed));
  // A `sweep:` block is run too, and plotted (docs/capacity.md).
  std::optional<SweepResult> sweep;
  if (sc->sweep) {
    CapacityOptions opt;
    opt.replications = 0;  // the sweep's own
    opt.jobs = DefaultJobs(0);
    Diagnostics sweep_diags;
    sweep = RunSweep(o.scenario, opt, sweep_diags);
    if (!sweep) return BadSweep(sweep_diags, io);
  }
  const ReviewInput in{*sc,
                       r.paths,
                       r.sim,
                       r.seed,
                       r.verify,
                       r.exit_code,
                       ScenarioWarnings(*sc, diags),
                       "",
                       sweep ? &*sweep : nullptr};
  std::string error;
  if (!WriteReviewFiles(in, o.dir, error)) {
    io.err << "meshsim: error: " << error << "\n";
    return 2;
  }
  io.out << "wrote " << o.dir << "/report.md, " << o.dir << "/report.html, "
         << o.dir << "/results.json\n";
  return r.exit_code;
}

}  // namespace

void AddVerifyCommand(CLI::App& app, std::vector<Command>& commands) {
  auto o = std::make_shared<VerifyCmdOptions>();
  CLI::App* sub = app.add_subcommand(
      "verify",
      "prove with Z3 that no request bypasses or double-passes a waypoint");
  AddScenarioOptions(sub, o->scenario, &o->format);
  sub->add_option("--max-findings", o->verify.max_findings,
                  "counterexamples reported per property (default 100)");
  sub->add_option("--rlimit", o->verify.rlimit,
                  "Z3 resource limit per query (deterministic; default "
                  "50000000)");
  sub->add_option("--timeout", o->verify.timeout_s,
                  "wall-clock budget of the whole run in seconds; what is "
                  "not decided when it expires is unknown (exit 3)")
      ->check(CLI::PositiveNumber);
  sub->add_option("--sarif", o->sarif, "also write SARIF 2.1.0 to FILE");
  sub->add_option(
      "--property", o->verify.properties,
      "check only these: " + RuleIdList(RuleKind::kProperty) + " (repeatable)");
  sub->add_option("-j,--jobs", o->verify.jobs,
                  "chunks of destinations proved at once (default: the "
                  "number of cores); the output does not depend on it")
      ->check(CLI::Range(1, 1024));
  sub->add_option("--chunk", o->verify.chunk,
                  "destinations per chunk (default 1024): each chunk is one "
                  "Z3 context, one cache entry and one unit of --shard; "
                  "counterexamples may differ between sizes, never between "
                  "-j, shards or cache states")
      ->check(CLI::Range(1, 1000000));
  sub->add_option("--cache", o->cache,
                  "keep each chunk's answer in folder DIR, keyed by what it "
                  "depends on; a second run solves only chunks whose inputs "
                  "changed (the output does not depend on it)");
  AddShardOptions(sub, o->shard, "chunks of destination slices");
  commands.push_back({sub, [o](const Streams& io) {
                        return ParseShardOptions(o->shard, io.err)
                                   ? RunVerify(*o, io)
                                   : 2;
                      }});
}

void AddReportCommand(CLI::App& app, std::vector<Command>& commands) {
  auto o = std::make_shared<ReportCmdOptions>();
  CLI::App* sub = app.add_subcommand(
      "report",
      "write a design-review report (report.md, report.html, results.json)");
  AddScenarioOptions(sub, o->scenario);
  sub->add_option("-o,--output", o->dir, "output directory")->required();
  sub->add_option("--seed", o->seed,
                  "random seed (default: the scenario's `seed`, else 1)");
  commands.push_back(
      {sub, [o](const Streams& io) { return RunReport(*o, io); }});
}

int MergeVerify(const ShardFile& first, std::vector<ShardUnit> units,
                const OutputOptions& output, const Streams& io) {
  VerifyOptions options;
  options.max_findings = std::stoul(first.settings.at("max_findings"));
  const std::string props = first.settings.at("properties");
  for (size_t b = 0; b < props.size();) {
    const size_t e = std::min(props.find(',', b), props.size());
    options.properties.push_back(props.substr(b, e - b));
    b = e + 1;
  }
  std::vector<VerifyChunk> chunks;
  for (ShardUnit& u : units) {
    VerifyChunk c;
    c.slices = std::move(u.slices);
    c.intent = u.extra.count("intent") > 0;
    c.passes = u.extra.count("passes") > 0;
    if (u.extra.count("expired")) c.expired = u.extra.at("expired");
    chunks.push_back(std::move(c));
  }
  const VerifyResult lint = first.common ? *first.common : VerifyResult{};
  io.err << first.preamble_err;
  const VerifyResult r = CombineVerify(chunks, lint, options);
  return ReportVerify(first.settings.at("scenario"), first.name, r,
                      output.at("format"), output.at("sarif"), first.warnings,
                      io);
}

}  // namespace meshsim::cli
