// `meshsim lint`: the analyzer catalogue, no solver (docs/lint.md).
#include <filesystem>

#include "app/exit_code.h"
#include "app/lint_scenario.h"
#include "commands/commands.h"
#include "model/io/loader.h"
#include "reports/check_report.h"
#include "reports/lint_report.h"

namespace meshsim::commands {

int RunLint(const LintOptions& o, const Streams& io) {
  if (o.list) {
    WriteLintCatalogue(io.out);
    return 0;
  }
  if (o.scenarios.empty()) {
    io.err << "meshsim: error: lint needs a scenario file (or --list)\n";
    return 2;
  }
  std::vector<std::pair<std::string, LintResult>> results;
  // A file the loader refused is bad input, as for every other command: the
  // findings are still printed, and the exit is 2, not 1 (docs/lint.md).
  bool refused = false;
  for (const std::string& file : o.scenarios) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec)) {
      io.err << "meshsim: error: '" << file << "' is not a scenario file\n";
      return 2;
    }
    Diagnostics diags;
    const std::optional<Scenario> sc = LoadScenarioFile(file, diags);
    refused = refused || !sc || diags.HasErrors();
    results.push_back({file, LintScenario(diags.all(), sc)});
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
  if (refused) return kExitBadInput;
  if (errors || (o.strict && warnings)) return kExitFindings;
  return kExitOk;
}

}  // namespace meshsim::commands
