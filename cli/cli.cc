#include "cli/cli.h"

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "model/io/files.h"
#include "model/io/loader.h"
#include "reports/output_file.h"

namespace meshsim {

namespace cli {

std::optional<Scenario> LoadScenario(const std::string& path, const char* what,
                                     std::ostream& err, Diagnostics& diags,
                                     bool quiet_mesh_warnings) {
  std::optional<Scenario> sc = LoadScenarioFile(path, diags);
  diags.Print(err);
  if (!sc || diags.HasErrors()) {
    err << diags.error_count() << " error"
        << (diags.error_count() == 1 ? "" : "s") << "; " << what << "\n";
    return std::nullopt;
  }
  if (!quiet_mesh_warnings)
    for (const Diagnostic& d : sc->mesh.notes)
      if (d.severity == Severity::kWarning) err << d.ToString() << "\n";
  return sc;
}

bool WriteFile(const std::string& path,
               const std::function<void(std::ostream&)>& write,
               std::ostream& err) {
  std::string error;
  if (WriteOutputFile(path, write, &error)) return true;
  err << "meshsim: error: " << error << "\n";
  return false;
}

void AddScenarioOptions(CLI::App* sub, std::string& scenario,
                        std::string* format) {
  sub->add_option("scenario", scenario, "scenario file (YAML or JSON)")
      ->required();
  if (format)
    sub->add_option("--format", *format, "text or json")
        ->check(CLI::IsMember({"text", "json"}));
}

}  // namespace cli

int RunCli(const std::vector<std::string>& args, std::ostream& out,
           std::ostream& err, bool process_exits_after) {
  CLI::App app{
      "meshsim: simulate and verify Istio ambient meshes from their manifests"};
  app.require_subcommand(1);
  // Every subcommand reads the options of the app it belongs to.
  app.fallthrough();
  std::string root;
  app.add_option("--root", root,
                 "read scenarios and manifests only below this folder "
                 "(default: the scenario's git work tree, else its folder; "
                 "docs/security.md)");
  // Every answer depends on meshsim's model of an Istio release: say which.
  app.set_version_flag(
      "--version",
      std::string("meshsim ") + kMeshsimVersion + "\nmodels Istio 1.22 to " +
          kNewestModelledVersion.ToString() +
          " (community) and the Solo distribution; semantics: "
          "docs/semantics.md",
      "print meshsim's version and the Istio releases it models");
  std::vector<cli::Command> commands;
  cli::AddPathsCommand(app, commands);
  cli::AddRunCommand(app, commands);
  cli::AddAnalyzeCommand(app, commands);
  cli::AddVerifyCommand(app, commands);
  cli::AddReportCommand(app, commands);
  cli::AddDiffCommand(app, commands);
  cli::AddCheckCommand(app, commands);
  cli::AddLintCommand(app, commands);
  cli::AddInitCommand(app, commands);
  cli::AddSweepCommand(app, commands);
  cli::AddPlanCommand(app, commands);
  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::CallForVersion& e) {
    out << e.what() << "\n";
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
  io::SetInputRoot(root);
  const cli::Streams io{out, err, process_exits_after};
  for (const cli::Command& c : commands)
    if (c.app->parsed()) return c.run(io);
  err << app.help();
  return 2;
}

}  // namespace meshsim
