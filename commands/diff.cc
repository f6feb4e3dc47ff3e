// `meshsim diff`: every class of requests whose fate differs between two
// versions of a mesh.
#include "verify/diff.h"

#include <algorithm>
#include <filesystem>
#include <memory>
#include <set>
#include <sstream>

#include "app/exit_code.h"
#include "app/expectations.h"
#include "app/verify_cache.h"
#include "app/witness.h"
#include "commands/commands.h"
#include "model/io/loader.h"
#include "reports/check_report.h"
#include "reports/diff_report.h"

namespace meshsim::commands {

namespace {

// What changed in each modified object, field by field (docs/diff.md).
void AddFieldChanges(std::vector<ObjectChange>& changes) {
  for (ObjectChange& c : changes)
    if (c.change == "modified")
      c.fields = io::FieldChanges(c.old_location, c.new_location, 8);
}

// The new version: a second scenario file, or the old scenario with its
// manifests from another folder.
std::optional<Scenario> LoadNewVersion(const DiffCommandOptions& o,
                                       std::ostream& err, Diagnostics& diags) {
  if (o.new_manifests.empty())
    return LoadScenario(o.new_scenario, "nothing compared", err, diags);
  std::error_code ec;
  if (!std::filesystem::is_directory(o.new_manifests, ec)) {
    err << "meshsim: error: --new-manifests '" << o.new_manifests
        << "' is not a directory\n";
    return std::nullopt;
  }
  std::optional<Scenario> b =
      LoadScenarioFile(o.old_scenario, diags, o.new_manifests);
  diags.Print(err);
  if (b && !diags.HasErrors()) {
    for (const Diagnostic& d : b->mesh.notes)
      if (d.severity == Severity::kWarning) err << d.ToString() << "\n";
    ShowLintWarnings(*b, true, &err, diags);
    return b;
  }
  err << diags.error_count() << " error"
      << (diags.error_count() == 1 ? "" : "s")
      << " in the new version; nothing compared\n";
  return std::nullopt;
}

// The diff's text or JSON and SARIF (`diff` and `merge`).
int ReportDiff(const std::string& old_label, const std::string& new_label,
               const DiffResult& r, const std::set<std::string>& fail_on,
               const std::string& format, const std::string& sarif_file,
               const std::vector<Diagnostic>& warnings, const Streams& io) {
  const SarifInput sarif{{}, r.findings, {}, {}, {}};
  if (!sarif_file.empty() &&
      !WriteFile(
          sarif_file, [&](std::ostream& f) { WriteSarif(sarif, f); }, io.err))
    return 2;
  if (format == "json")
    WriteDiffJson(old_label, new_label, r, io.out, warnings);
  else
    WriteDiffText(old_label, new_label, r, io.out);
  return DiffExitCode(r, fail_on);
}

// `diff --cache DIR` (app/verify_cache.h CachedDiffResult).
int CachedDiff(const DiffCommandOptions& o, const Scenario& a,
               const Scenario& b, const DiffOptions& options,
               const std::set<std::string>& fail_on,
               const std::string& new_label,
               const std::vector<Diagnostic>& warnings, const Streams& io) {
  VerifyCacheLog log;
  std::string error;
  std::unique_ptr<DiffCache> cache = DiffCache::Open(
      {o.cache, kMeshsimVersion, &log}, a, b, RecordedInputs(), &error);
  if (!cache) {
    io.err << "meshsim: error: " << error << "\n";
    return 2;
  }
  DiffResult common = DiffCommon(a, b);
  AddFieldChanges(common.changes);
  const DiffResult r =
      CachedDiffResult(a, b, options, fail_on, std::move(common), *cache);
  log.Report(o.cache, io.err);
  return ReportDiff(o.old_scenario, new_label, r, fail_on, o.format, o.sarif,
                    warnings, io);
}

}  // namespace

int RunDiff(const DiffCommandOptions& o, const Streams& io) {
  std::string error;
  const auto fail_on = FailOnRules(o.fail_on, error);
  if (!fail_on) {
    io.err << "meshsim: error: " << error << "\n";
    return 2;
  }
  if (o.new_scenario.empty() == o.new_manifests.empty()) {
    io.err << "meshsim: error: diff needs the new version: a second scenario "
              "file, or --new-manifests DIR (but not both)\n";
    return 2;
  }
  if (!o.cache.empty() && o.shard.parsed) {
    io.err << "meshsim: error: --cache cannot be combined with --shard\n";
    return 2;
  }
  Diagnostics old_diags;
  std::ostringstream load_err;
  // --cache keys chunks by the inputs, so loading records them.
  const CacheRecording recording(!o.cache.empty());
  std::optional<Scenario> a =
      LoadScenario(o.old_scenario, "nothing compared", load_err, old_diags);
  Diagnostics new_diags;
  std::optional<Scenario> b;
  const KeepUntilExit keep_a(a, io), keep_b(b, io);
  if (a) b = LoadNewVersion(o, load_err, new_diags);
  io.err << load_err.str();
  if (!a || !b) {
    WriteLoadFailureSarif(o.sarif, {&old_diags, &new_diags}, io);
    return 2;
  }
  DiffOptions options = o.diff;
  if (!options.rlimit) options.rlimit = DiffOptions{}.rlimit;  // 0: default
  options.jobs = DefaultJobs(options.jobs);
  const std::string new_label =
      o.new_manifests.empty()
          ? o.new_scenario
          : o.old_scenario + " with manifests from " + o.new_manifests;
  std::vector<Diagnostic> warnings = ScenarioWarnings(*a, old_diags);
  for (const Diagnostic& d : ScenarioWarnings(*b, new_diags))
    if (std::find_if(warnings.begin(), warnings.end(), [&](const auto& w) {
          return w.ToString() == d.ToString();
        }) == warnings.end())
      warnings.push_back(d);
  if (o.shard.parsed) {
    ShardFile f;
    f.units = DiffChunkCount(*a, *b);
    f.warnings = warnings;
    f.preamble_err = load_err.str();
    f.output = {{"format", o.format}, {"sarif", o.sarif}};
    std::string ids;
    for (const std::string& r : *fail_on) ids += (ids.empty() ? "" : ",") + r;
    f.settings = {{"old", o.old_scenario},
                  {"new_label", new_label},
                  {"fail_on", ids},
                  {"max_findings", std::to_string(options.max_findings)}};
    f.common_diff = DiffCommon(*a, *b);
    AddFieldChanges(f.common_diff->changes);
    for (auto& [index, chunk] : CompareChunks(*a, *b, options, [&](size_t c) {
           return o.shard.parsed->Owns(c);
         })) {
      ShardUnit u;
      u.index = index;
      for (DiffResult& d : chunk.destinations) ExplainDiff(*a, *b, *fail_on, d);
      u.diffs = std::move(chunk.destinations);
      if (!chunk.expired.empty()) u.extra["expired"] = chunk.expired;
      std::ostringstream secs;
      secs.precision(17);
      secs << chunk.seconds;
      u.extra["seconds"] = secs.str();
      f.results.push_back(std::move(u));
    }
    return WriteShard(std::move(f), o.shard, io);
  }
  if (!o.cache.empty())
    return CachedDiff(o, *a, *b, options, *fail_on, new_label, warnings, io);
  DiffResult r = Diff(*a, *b, options);
  AddFieldChanges(r.changes);
  ExplainDiff(*a, *b, *fail_on, r);
  return ReportDiff(o.old_scenario, new_label, r, *fail_on, o.format, o.sarif,
                    warnings, io);
}

int MergeDiff(const ShardFile& first, std::vector<ShardUnit> units,
              const OutputOptions& output, const Streams& io) {
  std::vector<std::string> fail_on_ids;
  const std::string& ids = first.settings.at("fail_on");
  for (size_t b = 0; b < ids.size();) {
    const size_t e = std::min(ids.find(',', b), ids.size());
    fail_on_ids.push_back(ids.substr(b, e - b));
    b = e + 1;
  }
  // The resolved rule ids (FailOnRules ran in the shards).
  const std::optional<std::set<std::string>> fail_on =
      std::set<std::string>(fail_on_ids.begin(), fail_on_ids.end());
  if (!first.common_diff) {
    io.err << "meshsim: error: " << first.path
           << ": not a valid shard file of `" << ShardWork(first) << "`\n";
    return 2;
  }
  DiffOptions options;
  options.max_findings = std::stoul(first.settings.at("max_findings"));
  std::vector<DiffChunk> chunks;
  for (ShardUnit& u : units) {
    DiffChunk c;
    c.destinations = std::move(u.diffs);
    if (u.extra.count("expired")) c.expired = u.extra.at("expired");
    if (u.extra.count("seconds")) c.seconds = std::stod(u.extra.at("seconds"));
    chunks.push_back(std::move(c));
  }
  io.err << first.preamble_err;
  const DiffResult r = CombineDiff(*first.common_diff, chunks, options);
  return ReportDiff(first.settings.at("old"), first.settings.at("new_label"), r,
                    *fail_on, output.at("format"), output.at("sarif"),
                    first.warnings, io);
}

}  // namespace meshsim::commands
