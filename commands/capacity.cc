// `meshsim sweep` and `meshsim plan` (docs/capacity.md).
#include "app/capacity.h"

#include "commands/commands.h"
#include "reports/run_report.h"

namespace meshsim::commands {

namespace {

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
}  // namespace

int RunSweepCommand(const CapacityCommandOptions& o, const Streams& io) {
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

int RunPlanCommand(const CapacityCommandOptions& o, const Streams& io) {
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
}  // namespace meshsim::commands
