#include "cli/cli.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <string>
#include <vector>

#include "cli/options.h"
#include "commands/commands.h"
#include "model/io/loader.h"
#include "reports/line_guard.h"

namespace meshsim {
namespace {

int RunCommand(const std::vector<std::string>& args, std::ostream& out,
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
      std::string("meshsim ") + kMeshsimVersion + "\nmodels " +
          ModelledReleases() + "; semantics: docs/semantics.md",
      "print meshsim's version and the Istio releases it models");
  std::string sarif_root;
  app.add_option("--sarif-root", sarif_root,
                 "write SARIF and JUnit paths relative to DIR (default: the "
                 "git top level, else the working folder)");
  bool quiet = false;
  app.add_flag("--quiet", quiet, "leave notes out; warnings stay");
  std::vector<cli::Command> commands;
  cli::AddCommands(app, commands);
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
    std::vector<std::string> names;
    for (const cli::Command& c : commands) names.push_back(c.app->get_name());
    std::string what = commands::UnknownCommand(args, names);
    if (what.empty()) what = e.what();
    err << "meshsim: error: " << what << "\n"
        << "run 'meshsim --help' for usage\n";
    return 2;
  }
  commands::SetRoots(root, sarif_root);
  HideNotes(quiet);
  for (const cli::Command& c : commands)
    if (c.app->parsed()) {
      const cli::Streams io{out, err, process_exits_after,
                            commands::WorkArgs(args, c.app->get_name())};
      try {
        return c.run(io);
      } catch (const LimitExceeded& e) {
        // An entry past a limit found while working (docs/robustness.md):
        // bad input, with its location, not a partial answer.
        out.flush();
        e.Print(err);
        return 2;
      }
    }
  err << app.help();
  return 2;
}

}  // namespace

int RunCli(const std::vector<std::string>& args, std::ostream& out,
           std::ostream& err, bool process_exits_after) {
  // No line of output can be a GitHub workflow command but meshsim's own
  // (reports/line_guard.h).
  LineGuard out_guard(out.rdbuf()), err_guard(err.rdbuf());
  std::ostream guarded_out(&out_guard), guarded_err(&err_guard);
  const int code =
      RunCommand(args, guarded_out, guarded_err, process_exits_after);
  // A write that failed behind the guard fails the stream it was meant for
  // (main turns a failed stdout into exit 2).
  if (!guarded_out.flush() || !out_guard.Flush())
    out.setstate(std::ios::badbit);
  if (!guarded_err.flush() || !err_guard.Flush())
    err.setstate(std::ios::badbit);
  return code;
}

}  // namespace meshsim
