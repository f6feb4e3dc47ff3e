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
#include "commands/commands.h"
#include "model/io/loader.h"
#include "reports/check_report.h"
#include "reports/review_report.h"
#include "reports/verify_report.h"
#include "verify/verifier.h"

namespace meshsim::commands {

namespace {

// The verify result's text or JSON and SARIF (`verify` and `merge`).
int ReportVerify(const std::string& scenario_file, const std::string& name,
                 const VerifyResult& r, const std::string& format,
                 const std::string& sarif_file,
                 const std::vector<Diagnostic>& warnings, const Streams& io) {
  const SarifInput sarif{{{scenario_file, r}}, {}, {}, {}, {}};
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
int WriteVerifyShard(const VerifyCommandOptions& o, const Scenario& sc,
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

}  // namespace

int RunVerify(const VerifyCommandOptions& o, const Streams& io) {
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
  const io::ObjectDigestsOff no_digests;  // only `diff` reads them
  std::optional<Scenario> sc =
      LoadScenario(o.scenario, "nothing verified", load_err, diags,
                   /*quiet_mesh_warnings=*/false, /*verifier_lint=*/false);
  const KeepUntilExit keep(sc, io);
  io.err << load_err.str();
  if (!sc) {
    WriteLoadFailureSarif(o.sarif, {&diags}, io);
    return 2;
  }
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

}  // namespace meshsim::commands
