#include "cli/cli.h"

#include <CLI/CLI.hpp>
#include <memory>
#include <set>

#include "cli/commands.h"
#include "cli/line_guard.h"
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

KeepUntilExit::~KeepUntilExit() {
  if (!keep_ || !sc_) return;
  // Reachable from a static until the process ends, so it is no leak to
  // LeakSanitizer either.
  static auto* kept = new std::vector<std::unique_ptr<Scenario>>();
  kept->push_back(std::make_unique<Scenario>(std::move(*sc_)));
  sc_.reset();
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

void AddShardOptions(CLI::App* sub, ShardOptions& o, const char* units) {
  sub->add_option("--shard", o.spec,
                  std::string("run shard I of N (I from 0): the ") + units +
                      " with index i mod N = I; needs --shard-out "
                      "(docs/scale-out.md)");
  sub->add_option("--shard-out", o.out,
                  "write the shard's results to FILE for `meshsim merge`");
}

bool ParseShardOptions(ShardOptions& o, std::ostream& err) {
  if (o.spec.empty() != o.out.empty()) {
    err << "meshsim: error: --shard and --shard-out go together: the shard "
           "to run, and the file its results go to\n";
    return false;
  }
  if (o.spec.empty()) return true;
  std::string error;
  o.parsed = ParseShard(o.spec, &error);
  if (!o.parsed) err << "meshsim: error: " << error << "\n";
  if (o.parsed) RecordInputs();
  return o.parsed.has_value();
}

int WriteShard(ShardFile f, const ShardOptions& o, const Streams& io) {
  f.meshsim = kMeshsimVersion;
  f.command = io.work.empty() ? "" : io.work.front();
  f.args.assign(io.work.begin() + (io.work.empty() ? 0 : 1), io.work.end());
  f.shard = *o.parsed;
  f.inputs = TakeRecordedInputs();
  const std::string text = ShardJson(f);
  if (!WriteFile(
          o.out, [&](std::ostream& out) { out << text; }, io.err))
    return 2;
  io.err << "meshsim: shard " << f.shard.index << "/" << f.shard.count << ": "
         << f.results.size() << " of " << f.units << " units -> " << o.out
         << "\n";
  return 0;
}

namespace {

// The arguments after the subcommand that decide its result: without the
// shard options, -j, --root and the output options, which do not.
std::vector<std::string> WorkArgs(const std::vector<std::string>& args,
                                  const std::string& command) {
  static const std::set<std::string> kDropWithValue = {
      "--shard", "--shard-out", "-j",    "--jobs",  "--root",        "--format",
      "--junit", "--sarif",     "--csv", "--trace", "--trace-every", "--cache"};
  static const std::set<std::string> kDropFlag = {"--github", "--quiet"};
  std::vector<std::string> work = {command};
  size_t i = 0;
  while (i < args.size() && args[i] != command) {
    i += kDropWithValue.count(args[i]) ? 2 : 1;
  }
  for (++i; i < args.size(); ++i) {
    const std::string& a = args[i];
    const std::string name = a.substr(0, a.find('='));
    if (kDropFlag.count(a)) continue;
    if (kDropWithValue.count(name)) {
      if (name == a) ++i;  // the value is the next argument
      continue;
    }
    if (a.size() > 2 && a.rfind("-j", 0) == 0 && a[2] != '-') continue;
    work.push_back(a);
  }
  return work;
}

}  // namespace

}  // namespace cli

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
  cli::AddMergeCommand(app, commands);
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
  for (const cli::Command& c : commands)
    if (c.app->parsed()) {
      const cli::Streams io{out, err, process_exits_after,
                            cli::WorkArgs(args, c.app->get_name())};
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
  // (cli/line_guard.h).
  cli::LineGuard out_guard(out.rdbuf()), err_guard(err.rdbuf());
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
