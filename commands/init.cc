// meshsim init --cluster NAME=DUMP [--cluster NAME=DUMP ...] -o SCENARIO_FILE
#include "model/io/init.h"

#include <filesystem>

#include "commands/commands.h"
#include "model/io/loader.h"
#include "model/text.h"

namespace meshsim::commands {

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
  // The scenario must load as written: a dump the loader refuses (not
  // Kubernetes objects, a field out of range, a file outside the input
  // root) is an error here, not in the next command.
  {
    Diagnostics load;
    const std::filesystem::path dir =
        std::filesystem::path(o.out).parent_path();
    std::optional<Scenario> sc =
        LoadScenarioText(*text, o.out, dir.empty() ? "." : dir.string(), load);
    if (!sc || load.HasErrors()) {
      load.Print(io.err);
      io.err << "error: the dumps do not load as a scenario; " << o.out
             << " was not written\n";
      return 2;
    }
  }
  if (!WriteFile(
          o.out, [&](std::ostream& f) { f << *text; }, io.err))
    return 2;
  io.out << "wrote " << TerminalText(o.out) << " (" << clusters.size()
         << " cluster" << (clusters.size() == 1 ? "" : "s")
         << "); next: add traffic entries, then `meshsim paths "
         << TerminalText(o.out) << "`\n";
  return 0;
}

}  // namespace meshsim::commands
