// meshsim init --cluster NAME=DUMP [--cluster NAME=DUMP ...] -o SCENARIO_FILE
#include <memory>

#include "cli/commands.h"
#include "model/io/init.h"
#include "model/text.h"

namespace meshsim::cli {

namespace {

struct InitOptions {
  std::vector<std::string> clusters;
  std::string out;
  bool force = false;
};

int RunInit(const InitOptions& o, const Streams& io) {
  std::vector<io::InitCluster> clusters;
  for (const std::string& c : o.clusters) {
    const size_t eq = c.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == c.size()) {
      io.err << "error: --cluster expects NAME=DUMP (a kubectl dump file or "
                "folder), got '"
             << TerminalText(c) << "'\n";
      return 2;
    }
    clusters.push_back({c.substr(0, eq), c.substr(eq + 1)});
  }
  std::error_code ec;
  if (!o.force && std::filesystem::exists(o.out, ec)) {
    io.err << "error: " << TerminalText(o.out)
           << " exists; pass --force to replace it\n";
    return 2;
  }
  Diagnostics diags;
  std::optional<std::string> text = io::InitScenario(clusters, o.out, diags);
  diags.Print(io.err);
  if (!text) return 2;
  if (!WriteFile(
          o.out, [&](std::ostream& f) { f << *text; }, io.err))
    return 2;
  io.out << "wrote " << TerminalText(o.out) << " (" << clusters.size()
         << " cluster" << (clusters.size() == 1 ? "" : "s")
         << "); next: add traffic entries, then `meshsim paths "
         << TerminalText(o.out) << "`\n";
  return 0;
}

}  // namespace

void AddInitCommand(CLI::App& app, std::vector<Command>& commands) {
  auto o = std::make_shared<InitOptions>();
  CLI::App* sub = app.add_subcommand(
      "init", "write a scenario from kubectl dumps of live clusters");
  sub->add_option("--cluster", o->clusters,
                  "NAME=DUMP: a cluster and its `kubectl get -o yaml` dump "
                  "(a file or a folder); repeat for each cluster")
      ->required();
  sub->add_option("-o,--output", o->out, "the scenario file to write")
      ->required();
  sub->add_flag("--force", o->force, "replace an existing file");
  commands.push_back({sub, [o](const Streams& io) { return RunInit(*o, io); }});
}

}  // namespace meshsim::cli
