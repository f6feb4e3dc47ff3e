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
#include "cli/commands.h"
#include "reports/run_report.h"
#include "sim/analytic.h"
#include "sim/simulator.h"

namespace meshsim::cli {

namespace {

struct RunCmdOptions {
  std::string scenario;
  std::string format = "text";
  std::optional<uint64_t> seed;
  std::string trace;
  uint64_t trace_every = 1;
  bool quiet = false;
  int replications = 1;
  double ci_warn = 0.1;
  int jobs = 0;  // 0: the number of cores
  ShardOptions shard;
};

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
int RunReplicated(const RunCmdOptions& o, const Scenario& sc,
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

int RunRun(const RunCmdOptions& o, const Streams& io) {
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

int RunAnalyze(const std::string& path, const std::string& format,
               const Streams& io) {
  Diagnostics diags;
  std::optional<Scenario> sc =
      LoadScenario(path, "nothing analysed", io.err, diags);
  const KeepUntilExit keep(sc, io);
  if (!sc) return 2;
  const AnalyticResult a = Analyze(BuildSimModel(*sc));
  if (format == "json") {
    WriteAnalyzeJson(sc->mesh.name, a, io.out);
  } else {
    WriteAnalyzeText(sc->mesh.name, a, io.out);
  }
  return 0;
}

struct CapacityCmdOptions {
  std::string scenario;
  std::string format = "text";
  std::string csv;
  std::string slo;
  CapacityOptions options;
  ShardOptions shard;
};

// Prints `diags` (load errors) and returns 2.
int BadInput(const Diagnostics& diags, const std::string& what,
             const Streams& io) {
  diags.Print(io.err);
  io.err << "meshsim: error: " << what << "\n";
  return 2;
}

// The sweep's table, CSV and JSON (`sweep` and `merge`).
int ReportSweep(const SweepResult& r, const std::string& format,
                const std::string& csv, const Streams& io) {
  if (!csv.empty() &&
      !WriteFile(
          csv, [&](std::ostream& f) { WriteSweepCsv(r, f); }, io.err))
    return 2;
  if (format == "json")
    WriteSweepJson(r, io.out);
  else
    WriteSweepText(r, io.out);
  return 0;
}

int RunSweepCmd(const CapacityCmdOptions& o, const Streams& io) {
  CapacityOptions opt = o.options;
  opt.jobs = DefaultJobs(opt.jobs);
  if (o.shard.parsed) opt.shard = *o.shard.parsed;
  Diagnostics diags;
  std::optional<SweepResult> r = RunSweep(o.scenario, opt, diags);
  if (!r) return BadInput(diags, "nothing swept", io);
  if (!o.shard.parsed) return ReportSweep(*r, o.format, o.csv, io);
  ShardFile f;
  f.units = r->grid_points;
  f.name = r->scenario;
  f.output = {{"format", o.format}, {"csv", o.csv}};
  f.settings = {{"replications", std::to_string(r->replications)}};
  for (size_t k = 0; k < r->points.size(); ++k) {
    ShardUnit u;
    u.index = r->point_index[k];
    u.point = std::move(r->points[k]);
    f.results.push_back(std::move(u));
  }
  return WriteShard(std::move(f), o.shard, io);
}

int RunPlanCmd(const CapacityCmdOptions& o, const Streams& io) {
  std::string error;
  std::optional<Objective> objective = ParseObjective(o.slo, &error);
  if (!objective) {
    io.err << "meshsim: error: " << error << "\n";
    return 2;
  }
  CapacityOptions opt = o.options;
  opt.jobs = DefaultJobs(opt.jobs);
  Diagnostics diags;
  std::optional<PlanResult> r = Plan(o.scenario, *objective, opt, diags);
  if (!r) return BadInput(diags, "nothing planned", io);
  if (o.format == "json")
    WritePlanJson(*r, io.out);
  else
    WritePlanText(*r, io.out);
  return r->met ? 0 : 1;
}

}  // namespace

int DefaultJobs(int jobs) {
  return jobs > 0
             ? jobs
             : std::max(1,
                        static_cast<int>(std::thread::hardware_concurrency()));
}

void AddSweepCommand(CLI::App& app, std::vector<Command>& commands) {
  auto o = std::make_shared<CapacityCmdOptions>();
  o->options.replications = 0;  // the sweep's own
  CLI::App* sub = app.add_subcommand(
      "sweep",
      "run the scenario's `sweep:` grid (rate, replicas, version) with "
      "replications: a table, CSV or JSON");
  AddScenarioOptions(sub, o->scenario, &o->format);
  sub->add_option("--csv", o->csv, "also write the table as CSV");
  sub->add_option("--replications", o->options.replications,
                  "replications per point (default: the sweep's, else 5)")
      ->check(CLI::Range(1, 1000));
  sub->add_option("-j,--jobs", o->options.jobs,
                  "replications run at once (default: the number of cores)")
      ->check(CLI::Range(1, 1024));
  AddShardOptions(sub, o->shard, "grid points");
  commands.push_back({sub, [o](const Streams& io) {
                        return ParseShardOptions(o->shard, io.err)
                                   ? RunSweepCmd(*o, io)
                                   : 2;
                      }});
}

void AddPlanCommand(CLI::App& app, std::vector<Command>& commands) {
  auto o = std::make_shared<CapacityCmdOptions>();
  CLI::App* sub = app.add_subcommand(
      "plan",
      "the smallest waypoint and gateway replica counts that meet a latency "
      "objective (analytic bound, then replicated simulation)");
  AddScenarioOptions(sub, o->scenario, &o->format);
  sub->add_option("--slo", o->slo,
                  "the objective for every traffic entry, e.g. 'p99<10ms' "
                  "(mean, p50, p90, p99, p999)")
      ->required();
  sub->add_option("--rate-multiplier", o->options.rate_multiplier,
                  "scale every traffic entry's rate (next quarter's load)")
      ->check(CLI::Range(1e-6, 1e6));
  sub->add_option("--replications", o->options.replications,
                  "replications per simulated point (default 5)")
      ->check(CLI::Range(2, 1000));
  sub->add_option("--max-replicas", o->options.max_replicas,
                  "the most replicas a gateway may get (default 64)")
      ->check(CLI::Range(1, 1000));
  sub->add_option("-j,--jobs", o->options.jobs,
                  "replications run at once (default: the number of cores)")
      ->check(CLI::Range(1, 1024));
  commands.push_back(
      {sub, [o](const Streams& io) { return RunPlanCmd(*o, io); }});
}

void AddRunCommand(CLI::App& app, std::vector<Command>& commands) {
  auto o = std::make_shared<RunCmdOptions>();
  CLI::App* sub = app.add_subcommand(
      "run",
      "replay the scenario's traffic as discrete events: latency, load, "
      "policy hits");
  AddScenarioOptions(sub, o->scenario, &o->format);
  sub->add_option("--seed", o->seed,
                  "random seed (default: the scenario's `seed`, else 1)");
  sub->add_option("--trace", o->trace,
                  "write each request's hop timeline as JSON lines");
  sub->add_option("--trace-every", o->trace_every,
                  "trace every Nth request of each entry")
      ->check(CLI::PositiveNumber);
  sub->add_flag("--quiet", o->quiet, "no progress on stderr");
  sub->add_option("--replications", o->replications,
                  "independent runs (seeds derived from the scenario's); "
                  "statistics as mean and 95% interval")
      ->check(CLI::Range(1, 10000));
  sub->add_option("--ci-warn", o->ci_warn,
                  "warn when an interval is wider than this share of its "
                  "mean (default 0.1)")
      ->check(CLI::Range(0.0, 100.0));
  sub->add_option("-j,--jobs", o->jobs,
                  "replications run at once (default: the number of cores); "
                  "the output does not depend on it")
      ->check(CLI::Range(1, 1024));
  AddShardOptions(sub, o->shard, "replications");
  commands.push_back({sub, [o](const Streams& io) {
                        return ParseShardOptions(o->shard, io.err)
                                   ? RunRun(*o, io)
                                   : 2;
                      }});
}

void AddAnalyzeCommand(CLI::App& app, std::vector<Command>& commands) {
  auto scenario = std::make_shared<std::string>();
  auto format = std::make_shared<std::string>("text");
  CLI::App* sub = app.add_subcommand(
      "analyze", "the analytic answer: traffic equations and M/M/c stations");
  AddScenarioOptions(sub, *scenario, format.get());
  commands.push_back({sub, [scenario, format](const Streams& io) {
                        return RunAnalyze(*scenario, *format, io);
                      }});
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

int MergeSweep(const ShardFile& first, std::vector<ShardUnit> units,
               const OutputOptions& output, const Streams& io) {
  SweepResult r;
  r.scenario = first.name;
  r.replications = std::stoi(first.settings.at("replications"));
  r.grid_points = units.size();
  for (ShardUnit& u : units) {
    r.point_index.push_back(u.index);
    r.points.push_back(std::move(*u.point));
  }
  return ReportSweep(r, output.at("format"), output.at("csv"), io);
}

}  // namespace meshsim::cli
