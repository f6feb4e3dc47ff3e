#include "cli/cli.h"

#include <CLI/CLI.hpp>

#include "model/io/loader.h"
#include "reports/paths_report.h"
#include "sim/dataplane.h"

namespace meshsim {

namespace {

int RunPaths(const std::string& scenario_path, const std::string& format,
             std::ostream& out, std::ostream& err) {
  Diagnostics diags;
  std::optional<Scenario> sc = LoadScenarioFile(scenario_path, diags);
  if (!sc || diags.HasErrors()) {
    diags.Print(err);
    err << diags.error_count() << " error"
        << (diags.error_count() == 1 ? "" : "s") << "; no paths computed\n";
    return 2;
  }
  diags.Print(err);  // notes and warnings
  PathsResult result = ResolvePaths(*sc);
  std::vector<Diagnostic> warnings;
  for (const Diagnostic& d : sc->mesh.notes)
    if (d.severity == Severity::kWarning) warnings.push_back(d);
  if (format == "json") {
    WritePathsJson(result, warnings, out);
  } else {
    WritePathsText(result, warnings, out);
  }
  return 0;
}

}  // namespace

int RunCli(const std::vector<std::string>& args, std::ostream& out,
           std::ostream& err) {
  CLI::App app{
      "meshsim: simulate and verify Istio ambient meshes from their manifests"};
  app.require_subcommand(1);
  std::string scenario;
  std::string format = "text";
  CLI::App* paths = app.add_subcommand(
      "paths",
      "print every path each traffic entry's requests can take, hop by hop");
  paths->add_option("scenario", scenario, "scenario file (YAML or JSON)")
      ->required();
  paths->add_option("--format", format, "text or json")
      ->check(CLI::IsMember({"text", "json"}));
  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    out << app.help();
    return 0;
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) {
      out << app.help();
      return 0;
    }
    err << "meshsim: error: " << e.what() << "\n"
        << "run 'meshsim --help' for usage\n";
    return 2;
  }
  if (paths->parsed()) return RunPaths(scenario, format, out, err);
  err << app.help();
  return 2;
}

}  // namespace meshsim
