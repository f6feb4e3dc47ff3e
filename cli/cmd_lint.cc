// `meshsim lint`: the analyzer catalogue, no solver (docs/lint.md).
#include <filesystem>
#include <memory>

#include "app/exit_code.h"
#include "cli/commands.h"
#include "lint/lint.h"
#include "model/io/loader.h"
#include "reports/check_report.h"
#include "reports/lint_report.h"

namespace meshsim::cli {

namespace {

struct LintCmdOptions {
  std::vector<std::string> scenarios;
  std::string format = "text";
  bool strict = false, list = false;
};

int RunLint(const LintCmdOptions& o, const Streams& io) {
  if (o.list) {
    WriteLintCatalogue(io.out);
    return 0;
  }
  if (o.scenarios.empty()) {
    io.err << "meshsim: error: lint needs a scenario file (or --list)\n";
    return 2;
  }
  std::vector<std::pair<std::string, LintResult>> results;
  for (const std::string& file : o.scenarios) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec)) {
      io.err << "meshsim: error: '" << file << "' is not a scenario file\n";
      return 2;
    }
    Diagnostics diags;
    const std::optional<Scenario> sc = LoadScenarioFile(file, diags);
    LintResult r;
    AddLoadDiagnostics(diags.all(), r);
    if (sc && !diags.HasErrors()) {
      AddLoadDiagnostics(sc->mesh.notes, r);
      LintInto(*sc, r);
    }
    results.push_back({file, std::move(r)});
  }
  size_t errors = 0, warnings = 0;
  for (const auto& [file, r] : results) {
    errors += r.errors();
    warnings += r.warnings();
    if (o.format == "text") WriteLintText(file, r, io.out);
  }
  if (o.format == "sarif") {
    SarifInput in;
    in.lint = results;
    WriteSarif(in, io.out);
  } else if (o.format == "json" && results.size() == 1) {
    WriteLintJson(results[0].first, results[0].second, io.out);
  } else if (o.format == "json") {
    io.out << "[\n";
    for (size_t i = 0; i < results.size(); ++i) {
      if (i) io.out << ",\n";
      WriteLintJson(results[i].first, results[i].second, io.out);
    }
    io.out << "]\n";
  }
  if (errors || (o.strict && warnings)) return kExitFindings;
  return kExitOk;
}

}  // namespace

void AddLintCommand(CLI::App& app, std::vector<Command>& commands) {
  auto o = std::make_shared<LintCmdOptions>();
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

}  // namespace meshsim::cli
