// Internal to cli/: each subcommand registers its options on the CLI11 app
// and the action that runs it. One file per subcommand (cmd_*.cc); the work
// itself is in the libraries.
#ifndef MESHSIM_CLI_COMMANDS_H_
#define MESHSIM_CLI_COMMANDS_H_

#include <CLI/CLI.hpp>
#include <functional>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "app/shard.h"
#include "model/diagnostics.h"
#include "model/scenario.h"

namespace meshsim::cli {

struct Streams {
  std::ostream& out;
  std::ostream& err;
  // main() returns right after: a loaded scenario need not be freed.
  bool process_exits_after = false;
  // The subcommand and the arguments that decide its result (the shard
  // options, -j and the output options removed): what a shard records.
  std::vector<std::string> work;
};

// Leaves a loaded scenario to the operating system when main() exits right
// after (Streams::process_exits_after): freeing a 10x mesh object by object
// takes about a second and changes nothing. In-process callers (the tests)
// free it as usual. Declared right after the scenario, it runs first:
//   std::optional<Scenario> sc = LoadScenario(...);
//   const KeepUntilExit keep(sc, io);
class KeepUntilExit {
 public:
  KeepUntilExit(std::optional<Scenario>& sc, const Streams& io)
      : sc_(sc), keep_(io.process_exits_after) {}
  KeepUntilExit(const KeepUntilExit&) = delete;
  KeepUntilExit& operator=(const KeepUntilExit&) = delete;
  ~KeepUntilExit();

 private:
  std::optional<Scenario>& sc_;
  bool keep_;
};

// `--shard I/N --shard-out FILE` (docs/scale-out.md).
struct ShardOptions {
  std::string spec, out;
  std::optional<ShardSpec> parsed;  // set by ParseShardOptions
};
void AddShardOptions(CLI::App* sub, ShardOptions& o, const char* units);
// Checks the pair (both or neither); false after an error on `err`.
bool ParseShardOptions(ShardOptions& o, std::ostream& err);
// Writes `f` (with the work, the version and the inputs recorded since
// RecordInputs) to --shard-out and says so on `err`: exit code 0, or 2 when
// the file cannot be written.
int WriteShard(ShardFile f, const ShardOptions& o, const Streams& io);

// `meshsim merge`: the output options it may be given, over the shards'.
using OutputOptions = std::map<std::string, std::string>;
// Prints the merged work as the command would have; its exit code.
int MergeCheck(const ShardFile& first, std::vector<ShardUnit> units,
               const OutputOptions& output, const Streams& io);
int MergeRun(const ShardFile& first, std::vector<ShardUnit> units,
             const OutputOptions& output, const Streams& io);
int MergeSweep(const ShardFile& first, std::vector<ShardUnit> units,
               const OutputOptions& output, const Streams& io);
int MergeVerify(const ShardFile& first, std::vector<ShardUnit> units,
                const OutputOptions& output, const Streams& io);
int MergeDiff(const ShardFile& first, std::vector<ShardUnit> units,
              const OutputOptions& output, const Streams& io);

struct Command {
  CLI::App* app;
  std::function<int(const Streams&)> run;
};

// `-j` given as 0: the number of cores.
int DefaultJobs(int jobs);

void AddPathsCommand(CLI::App& app, std::vector<Command>& commands);
void AddRunCommand(CLI::App& app, std::vector<Command>& commands);
void AddAnalyzeCommand(CLI::App& app, std::vector<Command>& commands);
void AddVerifyCommand(CLI::App& app, std::vector<Command>& commands);
void AddReportCommand(CLI::App& app, std::vector<Command>& commands);
void AddDiffCommand(CLI::App& app, std::vector<Command>& commands);
void AddCheckCommand(CLI::App& app, std::vector<Command>& commands);
void AddLintCommand(CLI::App& app, std::vector<Command>& commands);
void AddInitCommand(CLI::App& app, std::vector<Command>& commands);
void AddSweepCommand(CLI::App& app, std::vector<Command>& commands);
void AddPlanCommand(CLI::App& app, std::vector<Command>& commands);
void AddMergeCommand(CLI::App& app, std::vector<Command>& commands);

// Loads a scenario and prints its diagnostics to `err`, then (unless
// `quiet_mesh_warnings`) the warnings the mesh itself raised; nullopt
// (exit 2) on errors, after "N errors; <what>".
std::optional<Scenario> LoadScenario(const std::string& path, const char* what,
                                     std::ostream& err, Diagnostics& diags,
                                     bool quiet_mesh_warnings = false);
// Writes `path` with `write`; false after "cannot write" on `err`.
bool WriteFile(const std::string& path,
               const std::function<void(std::ostream&)>& write,
               std::ostream& err);

// The options every scenario command has: the scenario file, and
// `--format text|json` when `format` is given.
void AddScenarioOptions(CLI::App* sub, std::string& scenario,
                        std::string* format = nullptr);

}  // namespace meshsim::cli

#endif  // MESHSIM_CLI_COMMANDS_H_
