// One function per subcommand: load the scenario, call the engines (app/,
// sim/, verify/, lint/), render the result with reports/, and return the exit
// code (0 success, 1 findings or failed expectations, 2 bad input or usage,
// 3 a solver result that is unknown). cli/ parses argv into these option
// structs and calls them; tests may call them directly.
#ifndef MESHSIM_COMMANDS_COMMANDS_H_
#define MESHSIM_COMMANDS_COMMANDS_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "app/capacity.h"
#include "app/exit_code.h"
#include "app/requests.h"
#include "app/shard.h"
#include "model/diagnostics.h"
#include "model/scenario.h"
#include "model/version.h"
#include "verify/diff.h"
#include "verify/verifier.h"

namespace meshsim::commands {

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
// Checks the pair (both or neither); false after an error on `err`.
bool ParseShardOptions(ShardOptions& o, std::ostream& err);
// Writes `f` (with the work, the version and the inputs recorded since
// RecordInputs) to --shard-out and says so on `err`: exit code 0, or 2 when
// the file cannot be written.
int WriteShard(ShardFile f, const ShardOptions& o, const Streams& io);

// The arguments after `command` that decide its result: without the shard
// options, -j, --root and the output options, which do not (Streams::work).
std::vector<std::string> WorkArgs(const std::vector<std::string>& args,
                                  const std::string& command);

// `-j` given as 0: the number of cores.
int DefaultJobs(int jobs);

// The backstop of docs/security.md: runs `run` (the whole command line)
// and returns its exit code. An exception that escapes every handler is a
// bug, but it ends the process with exit 2 and one line naming it, never
// with std::terminate's abort (exit 134) in a CI log; output that did not
// reach its reader (a full disk, a closed pipe) is exit 2 too.
int Backstop(const std::function<int()>& run);

// When the process runs on mimalloc (the meshsim executable links it), new
// memory is backed by 2 MB pages while a scenario loads (heap.cc says why);
// nothing otherwise, for the commands that run the solver, or when the user
// set MIMALLOC_LARGE_OS_PAGES. `args`: the command line, without argv[0].
void PreferLargePagesWhileLoading(const std::vector<std::string>& args);

// When the process runs on mimalloc, manifests load into memory the kernel
// populated beforehand (heap.cc says why and how much); nothing otherwise.
void PrepareHeapForManifests();

// "unknown command 'x' (did you mean 'y'?)" when the first argument that is
// no option (nor a global option's value) names none of `names`; "" else.
std::string UnknownCommand(const std::vector<std::string>& args,
                           const std::vector<std::string>& names);

// Loads a scenario and prints its diagnostics to `err`, then (unless
// `quiet_mesh_warnings`) the warnings the mesh itself raised and the lint
// catalogue's (ShowLintWarnings); nullopt (exit 2) on errors, after
// "N errors; <what>".
std::optional<Scenario> LoadScenario(const std::string& path, const char* what,
                                     std::ostream& err, Diagnostics& diags,
                                     bool quiet_mesh_warnings = false,
                                     bool verifier_lint = true);
// Issue 14: every command shows the lint catalogue's warnings on the scenario
// it read. Adds them to `diags` (app/lint_scenario.h AddLintWarnings, with
// the verifier's configuration findings when `verifier_lint`) and prints the
// new ones to `err` unless it is null.
void ShowLintWarnings(const Scenario& sc, bool verifier_lint, std::ostream* err,
                      Diagnostics& diags);
// `--sarif FILE` of a run whose scenario did not load: each error of
// `diags` as a load-error result at its line and an invocation notification
// (executionSuccessful false), so code scanning shows why nothing was
// checked. Nothing when `sarif_file` is empty.
void WriteLoadFailureSarif(const std::string& sarif_file,
                           const std::vector<const Diagnostics*>& diags,
                           const Streams& io);
// Writes `path` with `write`; false after "cannot write" on `err`.
bool WriteFile(const std::string& path,
               const std::function<void(std::ostream&)>& write,
               std::ostream& err);

struct PathsOptions {
  std::string scenario, format = "text";
  RequestOverrides overrides;
  bool show_generated = false;
  int jobs = 0;  // 0: the number of cores
};
int RunPaths(const PathsOptions& o, const Streams& io);

struct RunCommandOptions {
  std::string scenario, format = "text";
  std::optional<uint64_t> seed;
  std::string trace;
  uint64_t trace_every = 1;
  bool quiet = false;
  int replications = 1;
  double ci_warn = 0.1;
  int jobs = 0;  // 0: the number of cores
  ShardOptions shard;
};
int RunRun(const RunCommandOptions& o, const Streams& io);
struct AnalyzeOptions {
  std::string scenario, format = "text";
};
int RunAnalyze(const AnalyzeOptions& o, const Streams& io);

// `sweep` and `plan` (docs/capacity.md).
struct CapacityCommandOptions {
  std::string scenario, format = "text", csv, slo;
  CapacityOptions options;
  ShardOptions shard;
};
int RunSweepCommand(const CapacityCommandOptions& o, const Streams& io);
int RunPlanCommand(const CapacityCommandOptions& o, const Streams& io);

struct VerifyCommandOptions {
  std::string scenario, format = "text", sarif, cache;
  VerifyOptions verify;
  ShardOptions shard;
};
int RunVerify(const VerifyCommandOptions& o, const Streams& io);

struct ReportOptions {
  std::string scenario, dir;
  std::optional<uint64_t> seed;
};
int RunReport(const ReportOptions& o, const Streams& io);

struct DiffCommandOptions {
  std::string old_scenario, new_scenario, new_manifests, format = "text", sarif;
  std::string cache;
  std::vector<std::string> fail_on;
  DiffOptions diff;
  ShardOptions shard;
};
int RunDiff(const DiffCommandOptions& o, const Streams& io);

struct CheckOptions {
  std::vector<std::string> scenarios;
  std::string junit, sarif;
  bool github = false;
  CheckPolicy policy;
  int jobs = 0;  // 0: the number of cores
  ShardOptions shard;
  std::string cache;
  double timeout_s = 0;  // per file, the verifier's wall-clock budget
  bool timings = false;
};
int RunCheck(const CheckOptions& o, const Streams& io);

struct LintOptions {
  std::vector<std::string> scenarios;
  std::string format = "text";
  bool strict = false, list = false;
};
int RunLint(const LintOptions& o, const Streams& io);

struct InitOptions {
  std::vector<std::string> clusters;
  std::string out;
  bool force = false;
};
int RunInit(const InitOptions& o, const Streams& io);

// `meshsim merge`: the output options given to merge replace the shards'.
using OutputOptions = std::map<std::string, std::string>;
struct MergeOptions {
  std::vector<std::string> files;
  OutputOptions output;
  bool github = false;
};
int RunMerge(const MergeOptions& o, const Streams& io);
// Print the merged work as the command would have; each returns its exit
// code (merge.cc dispatches on the shards' command).
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

// `--root` (the folder inputs are read below, io::SetInputRoot) and
// `--sarif-root` (the folder SARIF and JUnit paths are relative to,
// SetSarifRoot); "" for their defaults.
void SetRoots(const std::string& input_root, const std::string& sarif_root);

}  // namespace meshsim::commands

#endif  // MESHSIM_COMMANDS_COMMANDS_H_
