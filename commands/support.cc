// What every subcommand shares: loading a scenario, writing an output file,
// the shard options, -j.
#include <algorithm>
#include <exception>
#include <iostream>
#include <memory>
#include <new>
#include <set>
#include <thread>

#include "app/lint_scenario.h"
#include "commands/commands.h"
#include "model/diagnostics.h"
#include "model/io/files.h"
#include "model/io/loader.h"
#include "model/text.h"
#include "reports/check_report.h"
#include "reports/output_file.h"

namespace meshsim::commands {

std::optional<Scenario> LoadScenario(const std::string& path, const char* what,
                                     std::ostream& err, Diagnostics& diags,
                                     bool quiet_mesh_warnings,
                                     bool verifier_lint) {
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
  ShowLintWarnings(*sc, verifier_lint, quiet_mesh_warnings ? nullptr : &err,
                   diags);
  return sc;
}

void ShowLintWarnings(const Scenario& sc, bool verifier_lint, std::ostream* err,
                      Diagnostics& diags) {
  const size_t before = diags.all().size();
  AddLintWarnings(sc, verifier_lint, diags);
  if (err)
    for (size_t i = before; i < diags.all().size(); ++i)
      *err << TerminalText(diags.all()[i].ToString()) << "\n";
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

int DefaultJobs(int jobs) {
  return jobs > 0
             ? jobs
             : std::max(1,
                        static_cast<int>(std::thread::hardware_concurrency()));
}

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

void WriteLoadFailureSarif(const std::string& sarif_file,
                           const std::vector<const Diagnostics*>& diags,
                           const Streams& io) {
  if (sarif_file.empty()) return;
  SarifInput in;
  for (const Diagnostics* d : diags)
    for (const Diagnostic& x : d->all())
      if (x.severity == Severity::kError) in.load_errors.push_back(x);
  WriteFile(
      sarif_file, [&](std::ostream& f) { WriteSarif(in, f); }, io.err);
}

void SetRoots(const std::string& input_root, const std::string& sarif_root) {
  io::SetInputRoot(input_root);
  SetSarifRoot(sarif_root);
}

std::string UnknownCommand(const std::vector<std::string>& args,
                           const std::vector<std::string>& names) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--root" || a == "--sarif-root") ++i;  // and its value
    if (!a.empty() && a[0] == '-') continue;
    if (std::find(names.begin(), names.end(), a) != names.end()) return "";
    const std::string near = ClosestMatch(a, names);
    return "unknown command '" + TerminalText(a) + "'" +
           (near.empty() ? "" : " (did you mean '" + near + "'?)");
  }
  return "";
}

int Backstop(const std::function<int()>& run) {
  try {
    const int code = run();
    std::cout.flush();
    if (!std::cout) {
      std::cerr << "meshsim: error: cannot write standard output (disk full "
                   "or pipe closed); the output is incomplete\n";
      return 2;
    }
    return code;
  } catch (const std::bad_alloc&) {
    std::cout.flush();
    std::cerr << "meshsim: error: out of memory; the input asks for more than "
                 "this machine has (docs/robustness.md lists the limits)\n";
  } catch (const std::exception& e) {
    std::cout.flush();
    std::cerr << "meshsim: internal error: " << e.what()
              << " (please report it with the input that caused it)\n";
  } catch (...) {
    std::cerr << "meshsim: internal error: an unknown exception (please report "
                 "it with the input that caused it)\n";
  }
  return 2;
}

}  // namespace meshsim::commands
