// `meshsim diff`: every class of requests whose fate differs between two
// versions of a mesh.
#include <algorithm>
#include <filesystem>
#include <memory>
#include <set>

#include "app/exit_code.h"
#include "app/witness.h"
#include "cli/commands.h"
#include "model/io/loader.h"
#include "reports/check_report.h"
#include "reports/diff_report.h"
#include "verify/diff.h"

namespace meshsim::cli {

namespace {

struct DiffCmdOptions {
  std::string old_scenario, new_scenario, new_manifests;
  std::string format = "text";
  std::vector<std::string> fail_on;
  size_t max_findings = 50;
  unsigned rlimit = 0;
  std::string sarif;
};

// The rules `--fail-on` names (all diff rules when empty); nullopt after an
// error on `err`. `path-changed` groups every change of path.
std::optional<std::set<std::string>> FailOnRules(
    const std::vector<std::string>& names, std::ostream& err) {
  const std::vector<std::string>& all = DiffRules();
  if (names.empty()) return std::set<std::string>(all.begin(), all.end());
  std::set<std::string> out;
  for (const std::string& name : names) {
    if (name == "path-changed") {
      for (const char* r : {"diff-new-bypass", "diff-waypoint-changed",
                            "diff-double-pass", "diff-route-changed"})
        out.insert(r);
      continue;
    }
    const std::string rule = "diff-" + name;
    if (std::find(all.begin(), all.end(), rule) == all.end()) {
      std::string ids;
      for (const std::string& r : all) ids += r.substr(5) + ", ";
      err << "meshsim: error: --fail-on takes " << ids
          << "or path-changed (the four path rules); got '" << name << "'\n";
      return std::nullopt;
    }
    out.insert(rule);
  }
  return out;
}

// The new version: a second scenario file, or the old scenario with its
// manifests from another folder.
std::optional<Scenario> LoadNewVersion(const DiffCmdOptions& o,
                                       std::ostream& err) {
  Diagnostics diags;
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
  if (!b || diags.HasErrors()) {
    err << diags.error_count() << " error"
        << (diags.error_count() == 1 ? "" : "s")
        << " in the new version; nothing compared\n";
    return std::nullopt;
  }
  return b;
}

int RunDiff(const DiffCmdOptions& o, const Streams& io) {
  const std::optional<std::set<std::string>> fail_on =
      FailOnRules(o.fail_on, io.err);
  if (!fail_on) return 2;
  if (o.new_scenario.empty() == o.new_manifests.empty()) {
    io.err << "meshsim: error: diff needs the new version: a second scenario "
              "file, or --new-manifests DIR (but not both)\n";
    return 2;
  }
  Diagnostics old_diags;
  std::optional<Scenario> a =
      LoadScenario(o.old_scenario, "nothing compared", io.err, old_diags);
  if (!a) return 2;
  std::optional<Scenario> b = LoadNewVersion(o, io.err);
  if (!b) return 2;
  DiffOptions dopt;
  dopt.process_exits_after = io.process_exits_after;
  dopt.max_findings = o.max_findings;
  if (o.rlimit) dopt.rlimit = o.rlimit;
  DiffResult r = Diff(*a, *b, dopt);
  for (DiffFinding& df : r.findings) {
    df.finding.severity =
        fail_on->count(df.finding.rule) ? Severity::kError : Severity::kNote;
    FillDiffSide(*a, df, df.old_side);
    FillDiffSide(*b, df, df.new_side);
  }
  if (!o.sarif.empty() && !WriteFile(
                              o.sarif,
                              [&](std::ostream& f) {
                                SarifInput in;
                                in.diff = r.findings;
                                WriteSarif(in, f);
                              },
                              io.err))
    return 2;
  const std::string new_label =
      o.new_manifests.empty()
          ? o.new_scenario
          : o.old_scenario + " with manifests from " + o.new_manifests;
  if (o.format == "json") {
    WriteDiffJson(o.old_scenario, new_label, r, io.out);
  } else {
    WriteDiffText(o.old_scenario, new_label, r, io.out);
  }
  return DiffExitCode(r, *fail_on);
}

}  // namespace

void AddDiffCommand(CLI::App& app, std::vector<Command>& commands) {
  auto o = std::make_shared<DiffCmdOptions>();
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
  for (const std::string& r : DiffRules()) ids += ", " + r.substr(5);
  sub->add_option("--fail-on", o->fail_on,
                  "exit 1 only for these changes (comma-separated; default "
                  "all): " +
                      ids.substr(2) + ", or path-changed")
      ->delimiter(',');
  sub->add_option("--sarif", o->sarif, "also write SARIF 2.1.0 to FILE");
  sub->add_option("--max-findings", o->max_findings,
                  "classes reported per kind of change (default 50)");
  sub->add_option(
      "--rlimit", o->rlimit,
      "Z3 resource limit per query (deterministic; default 50000000)");
  commands.push_back({sub, [o](const Streams& io) { return RunDiff(*o, io); }});
}

}  // namespace meshsim::cli
