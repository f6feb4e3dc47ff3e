// `meshsim report`: a design review (report.md, report.html, results.json).
#include "app/capacity.h"
#include "app/expectations.h"
#include "app/review.h"
#include "commands/commands.h"
#include "reports/review_report.h"

namespace meshsim::commands {

namespace {

int BadSweep(const Diagnostics& diags, const Streams& io) {
  diags.Print(io.err);
  io.err << "meshsim: error: the scenario's sweep did not run; no report "
            "written\n";
  return 2;
}
}  // namespace

// report.md, report.html and results.json into `dir`. Exit codes as
// `verify`; 2 also when `dir` cannot be written.
int RunReport(const ReportOptions& o, const Streams& io) {
  Diagnostics diags;
  std::optional<Scenario> sc =
      LoadScenario(o.scenario, "no report written", io.err, diags,
                   /*quiet_mesh_warnings=*/false, /*verifier_lint=*/false);
  const KeepUntilExit keep(sc, io);
  if (!sc) return 2;
  const ScenarioReview r = ReviewScenario(*sc, o.seed.value_or(sc->seed));
  // A `sweep:` block is run too, and plotted (docs/capacity.md).
  std::optional<SweepResult> sweep;
  if (sc->sweep) {
    CapacityOptions opt;
    opt.replications = 0;  // the sweep's own
    opt.jobs = DefaultJobs(0);
    Diagnostics sweep_diags;
    sweep = RunSweep(o.scenario, opt, sweep_diags);
    if (!sweep) return BadSweep(sweep_diags, io);
  }
  const ReviewInput in{*sc,
                       r.paths,
                       r.sim,
                       r.seed,
                       r.verify,
                       r.exit_code,
                       ScenarioWarnings(*sc, diags),
                       "",
                       sweep ? &*sweep : nullptr};
  std::string error;
  if (!WriteReviewFiles(in, o.dir, error)) {
    io.err << "meshsim: error: " << error << "\n";
    return 2;
  }
  io.out << "wrote " << o.dir << "/report.md, " << o.dir << "/report.html, "
         << o.dir << "/results.json\n";
  return r.exit_code;
}
}  // namespace meshsim::commands
