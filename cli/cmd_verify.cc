// `meshsim verify` (Z3 proofs) and `meshsim report` (a design review).
#include <memory>

#include "app/exit_code.h"
#include "app/witness.h"
#include "cli/commands.h"
#include "reports/check_report.h"
#include "reports/review_report.h"
#include "reports/verify_report.h"
#include "sim/dataplane.h"
#include "sim/simulator.h"
#include "verify/verifier.h"

namespace meshsim::cli {

namespace {

struct VerifyCmdOptions {
  std::string scenario;
  std::string format = "text";
  std::vector<std::string> properties;
  unsigned rlimit = 0;
  size_t max_findings = 100;
  std::string sarif;
};

int RunVerify(const VerifyCmdOptions& o, const Streams& io) {
  for (const std::string& p : o.properties) {
    const Rule* rule = FindRule(p);
    if (!rule || rule->kind != RuleKind::kProperty) {
      io.err << "meshsim: error: --property must be one of "
             << RuleIdList(RuleKind::kProperty) << ", got '" << p << "'\n";
      return 2;
    }
  }
  Diagnostics diags;
  std::optional<Scenario> sc =
      LoadScenario(o.scenario, "nothing verified", io.err, diags);
  if (!sc) return 2;
  VerifyOptions vo;
  vo.properties = o.properties;
  if (o.rlimit) vo.rlimit = o.rlimit;
  vo.max_findings = o.max_findings;
  VerifyResult r = Verify(*sc, vo);
  AttachWitnessPaths(*sc, r);
  if (!o.sarif.empty() && !WriteFile(
                              o.sarif,
                              [&](std::ostream& f) {
                                SarifInput in;
                                in.verify.push_back({o.scenario, r});
                                WriteSarif(in, f);
                              },
                              io.err))
    return 2;
  if (o.format == "json") {
    WriteVerifyJson(sc->mesh.name, r, io.out);
  } else {
    WriteVerifyText(sc->mesh.name, r, io.out);
  }
  return VerifyExitCode(r);
}

struct ReportCmdOptions {
  std::string scenario, dir;
  std::optional<uint64_t> seed;
};

// Paths, a simulation run and verification of one scenario, written as
// report.md, report.html and results.json into `dir`. Exit codes as
// `verify`; 2 also when `dir` cannot be written.
int RunReport(const ReportCmdOptions& o, const Streams& io) {
  Diagnostics diags;
  std::optional<Scenario> sc =
      LoadScenario(o.scenario, "no report written", io.err, diags);
  if (!sc) return 2;
  const PathsResult paths = ResolvePaths(*sc);
  SimModel model = BuildSimModel(*sc);
  RunOptions ro;
  ro.seed = o.seed.value_or(sc->seed);
  const SimResult sim = RunSimulation(model, ro);
  VerifyResult vr = Verify(*sc, VerifyOptions{});
  AttachWitnessPaths(*sc, vr);
  ReviewInput in{*sc,
                 paths,
                 sim,
                 ro.seed,
                 vr,
                 VerifyExitCode(vr),
                 ScenarioWarnings(*sc, diags),
                 ""};
  std::string error;
  if (!WriteReviewFiles(in, o.dir, error)) {
    io.err << "meshsim: error: " << error << "\n";
    return 2;
  }
  io.out << "wrote " << o.dir << "/report.md, " << o.dir << "/report.html, "
         << o.dir << "/results.json\n";
  return in.exit_code;
}

}  // namespace

void AddVerifyCommand(CLI::App& app, std::vector<Command>& commands) {
  auto o = std::make_shared<VerifyCmdOptions>();
  CLI::App* sub = app.add_subcommand(
      "verify",
      "prove with Z3 that no request bypasses or double-passes a waypoint");
  sub->add_option("scenario", o->scenario, "scenario file (YAML or JSON)")
      ->required();
  sub->add_option("--format", o->format, "text or json")
      ->check(CLI::IsMember({"text", "json"}));
  sub->add_option("--max-findings", o->max_findings,
                  "counterexamples reported per property (default 100)");
  sub->add_option(
      "--rlimit", o->rlimit,
      "Z3 resource limit per query (deterministic; default 50000000)");
  sub->add_option("--sarif", o->sarif, "also write SARIF 2.1.0 to FILE");
  sub->add_option(
      "--property", o->properties,
      "check only these: " + RuleIdList(RuleKind::kProperty) + " (repeatable)");
  commands.push_back(
      {sub, [o](const Streams& io) { return RunVerify(*o, io); }});
}

void AddReportCommand(CLI::App& app, std::vector<Command>& commands) {
  auto o = std::make_shared<ReportCmdOptions>();
  CLI::App* sub = app.add_subcommand(
      "report",
      "write a design-review report (report.md, report.html, results.json)");
  sub->add_option("scenario", o->scenario, "scenario file (YAML or JSON)")
      ->required();
  sub->add_option("-o,--output", o->dir, "output directory")->required();
  sub->add_option("--seed", o->seed,
                  "random seed (default: the scenario's `seed`, else 1)");
  commands.push_back(
      {sub, [o](const Streams& io) { return RunReport(*o, io); }});
}

}  // namespace meshsim::cli
