// `meshsim run` (discrete-event simulation) and `meshsim analyze` (the
// analytic model).
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>

#include "app/capacity.h"
#include "app/expectations.h"
#include "commands/commands.h"
#include "reports/run_report.h"
#include "sim/analytic.h"
#include "sim/simulator.h"

namespace meshsim::commands {

namespace {

// The replications' report, from their seeds and results (`run` and
// `merge`).
void ReportReplications(const std::string& name, uint64_t seed,
                        const std::vector<SimResult>& runs, double ci_warn,
                        const std::string& format,
                        const std::vector<Diagnostic>& warnings,
                        const Streams& io) {
  std::vector<uint64_t> seeds;
  for (size_t i = 0; i < runs.size(); ++i)
    seeds.push_back(ReplicationSeed(seed, static_cast<int>(i)));
  if (format == "json")
    WriteReplicationsJson(name, seeds, runs, ci_warn, io.out, warnings);
  else
    WriteReplicationsText(name, seeds, runs, ci_warn, io.out);
}

// `--replications N` (docs/simulation.md): N runs from seeds derived from
// the scenario's, each statistic with its 95% interval; with --shard, the
// shard's replications into a shard file.
int RunReplicated(const RunCommandOptions& o, const Scenario& sc,
                  const Diagnostics& diags, const std::string& load_err,
                  const Streams& io) {
  if (!o.trace.empty()) {
    io.err << "meshsim: error: --trace records one run; it cannot be "
              "combined with --replications\n";
    return 2;
  }
  const uint64_t seed = o.seed.value_or(sc.seed);
  const int jobs = DefaultJobs(o.jobs);
  const std::optional<ShardSpec>& shard = o.shard.parsed;
  std::function<bool(int)> wanted;
  if (shard)
    wanted = [&](int i) { return shard->Owns(static_cast<size_t>(i)); };
  std::vector<SimResult> runs =
      RunReplications(BuildSimModel(sc), seed, o.replications, jobs, wanted);
  if (!shard) {
    ReportReplications(sc.mesh.name, seed, runs, o.ci_warn, o.format,
                       ScenarioWarnings(sc, diags), io);
    return 0;
  }
  ShardFile f;
  f.units = runs.size();
  f.name = sc.mesh.name;
  f.warnings = ScenarioWarnings(sc, diags);
  f.preamble_err = load_err;
  f.output = {{"format", o.format}};
  std::ostringstream ci;
  ci.precision(17);
  ci << o.ci_warn;
  f.settings = {{"seed", std::to_string(seed)}, {"ci_warn", ci.str()}};
  for (size_t i = 0; i < runs.size(); ++i) {
    if (!shard->Owns(i)) continue;
    ShardUnit u;
    u.index = i;
    u.run = std::move(runs[i]);
    f.results.push_back(std::move(u));
  }
  return WriteShard(std::move(f), o.shard, io);
}

}  // namespace

int RunRun(const RunCommandOptions& o, const Streams& io) {
  if (o.quiet) HideNotes(true);  // `run --quiet`, as the global --quiet
  Diagnostics diags;
  // What loading says is the preamble of every shard (docs/scale-out.md).
  std::ostringstream load_err;
  std::optional<Scenario> sc =
      LoadScenario(o.scenario, "nothing simulated", load_err, diags);
  const KeepUntilExit keep(sc, io);
  io.err << load_err.str();
  if (!sc) return 2;
  if (o.replications > 1 || o.shard.parsed)
    return RunReplicated(o, *sc, diags, load_err.str(), io);
  SimModel model = BuildSimModel(*sc);
  RunOptions ro;
  ro.seed = o.seed.value_or(sc->seed);
  const bool tty = !o.quiet && isatty(STDERR_FILENO);
  const auto wall0 = std::chrono::steady_clock::now();
  std::ostream& err = io.err;
  if (tty) {
    ro.progress = [&err, wall0](SimTime t, uint64_t events) {
      const double wall = std::chrono::duration<double>(
                              std::chrono::steady_clock::now() - wall0)
                              .count();
      if (wall < 1.0) return;
      err << "\r  simulated " << t.seconds() << " s, " << events << " events, "
          << wall << " s wall" << std::flush;
    };
  }
  // The trace is written while the run goes, into a temporary file that
  // replaces o.trace only when complete (reports/output_file.h).
  std::vector<std::string> station_names;
  SimResult result;
  if (o.trace.empty()) {
    result = RunSimulation(model, ro);
  } else {
    ro.trace_every = o.trace_every;
    for (const StationSpec& st : model.net.stations())
      station_names.push_back(st.name);
    const bool written = WriteFile(
        o.trace,
        [&](std::ostream& trace) {
          ro.trace = [&](uint32_t source, uint32_t route, int attempt,
                         int64_t start, int64_t end,
                         const std::vector<TraceHop>& hops) {
            WriteTraceLine(model.entry_names[source],
                           model.net.routes()[route].path_index, attempt, start,
                           end, hops, station_names, trace);
          };
          result = RunSimulation(model, ro);
        },
        err);
    if (!written) return 2;
  }
  if (tty) err << "\n";
  if (o.format == "json") {
    WriteRunJson(sc->mesh.name, ro.seed, result, io.out,
                 ScenarioWarnings(*sc, diags));
  } else {
    WriteRunText(sc->mesh.name, ro.seed, result, io.out);
  }
  return 0;
}

int RunAnalyze(const AnalyzeOptions& o, const Streams& io) {
  Diagnostics diags;
  std::optional<Scenario> sc =
      LoadScenario(o.scenario, "nothing analysed", io.err, diags);
  const KeepUntilExit keep(sc, io);
  if (!sc) return 2;
  const AnalyticResult a = Analyze(BuildSimModel(*sc));
  if (o.format == "json") {
    WriteAnalyzeJson(sc->mesh.name, a, io.out);
  } else {
    WriteAnalyzeText(sc->mesh.name, a, io.out);
  }
  return 0;
}

int MergeRun(const ShardFile& first, std::vector<ShardUnit> units,
             const OutputOptions& output, const Streams& io) {
  std::vector<SimResult> runs;
  for (ShardUnit& u : units) runs.push_back(std::move(*u.run));
  io.err << first.preamble_err;
  const uint64_t seed = std::stoull(first.settings.at("seed"));
  const double ci_warn = std::stod(first.settings.at("ci_warn"));
  if (runs.size() == 1) {
    // One replication is the plain run (--shard of a run without
    // --replications).
    if (output.at("format") == "json")
      WriteRunJson(first.name, seed, runs.front(), io.out, first.warnings);
    else
      WriteRunText(first.name, seed, runs.front(), io.out);
    return 0;
  }
  ReportReplications(first.name, seed, runs, ci_warn, output.at("format"),
                     first.warnings, io);
  return 0;
}

}  // namespace meshsim::commands
