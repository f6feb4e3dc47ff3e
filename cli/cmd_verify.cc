// `meshsim verify` (Z3 proofs) and `meshsim report` (a design review).
#include <memory>

#include "app/exit_code.h"
#include "app/expectations.h"
#include "app/review.h"
#include "app/witness.h"
#include "cli/commands.h"
#include "reports/check_report.h"
#include "reports/review_report.h"
#include "reports/verify_report.h"
#include "verify/verifier.h"

namespace meshsim::cli {

namespace {

struct VerifyCmdOptions {
  std::string scenario, format = "text", sarif;
  VerifyOptions verify;
};

int RunVerify(const VerifyCmdOptions& o, const Streams& io) {
  for (const std::string& p : o.verify.properties) {
    const Rule* rule = FindRule(p);
    if (!rule || rule->kind != RuleKind::kProperty) {
      std::vector<std::string> ids;
      for (const Rule& r : RulesOfKind(RuleKind::kProperty))
        ids.emplace_back(r.id);
      const std::string near = ClosestMatch(p, ids);
      io.err << "meshsim: error: --property must be one of "
             << RuleIdList(RuleKind::kProperty) << ", got '" << p << "'"
             << (near.empty() ? "" : "; did you mean '" + near + "'?") << "\n";
      return 2;
    }
  }
  Diagnostics diags;
  std::optional<Scenario> sc =
      LoadScenario(o.scenario, "nothing verified", io.err, diags);
  if (!sc) return 2;
  VerifyOptions options = o.verify;
  if (!options.rlimit) options.rlimit = VerifyOptions{}.rlimit;  // 0: default
  VerifyResult r = Verify(*sc, options);
  AttachWitnessPaths(*sc, r);
  const SarifInput sarif{{{o.scenario, r}}, {}, {}, {}};
  if (!o.sarif.empty() &&
      !WriteFile(
          o.sarif, [&](std::ostream& f) { WriteSarif(sarif, f); }, io.err))
    return 2;
  if (o.format == "json") {
    WriteVerifyJson(sc->mesh.name, r, io.out, ScenarioWarnings(*sc, diags));
  } else {
    WriteVerifyText(sc->mesh.name, r, io.out);
  }
  return VerifyExitCode(r);
}

struct ReportCmdOptions {
  std::string scenario, dir;
  std::optional<uint64_t> seed;
};

// report.md, report.html and results.json into `dir`. Exit codes as
// `verify`; 2 also when `dir` cannot be written.
int RunReport(const ReportCmdOptions& o, const Streams& io) {
  Diagnostics diags;
  std::optional<Scenario> sc =
      LoadScenario(o.scenario, "no report written", io.err, diags);
  if (!sc) return 2;
  const ScenarioReview r = ReviewScenario(*sc, o.seed.value_or(sc->seed));
  const ReviewInput in{*sc,
                       r.paths,
                       r.sim,
                       r.seed,
                       r.verify,
                       r.exit_code,
                       ScenarioWarnings(*sc, diags),
                       ""};
  std::string error;
  if (!WriteReviewFiles(in, o.dir, error)) {
    io.err << "meshsim: error: " << error << "\n";
    return 2;
  }
  io.out << "wrote " << o.dir << "/report.md, " << o.dir << "/report.html, "
         << o.dir << "/results.json\n";
  return r.exit_code;
}

}  // namespace

void AddVerifyCommand(CLI::App& app, std::vector<Command>& commands) {
  auto o = std::make_shared<VerifyCmdOptions>();
  CLI::App* sub = app.add_subcommand(
      "verify",
      "prove with Z3 that no request bypasses or double-passes a waypoint");
  AddScenarioOptions(sub, o->scenario, &o->format);
  sub->add_option("--max-findings", o->verify.max_findings,
                  "counterexamples reported per property (default 100)");
  sub->add_option("--rlimit", o->verify.rlimit,
                  "Z3 resource limit per query (deterministic; default "
                  "50000000)");
  sub->add_option("--timeout", o->verify.timeout_s,
                  "wall-clock budget of the whole run in seconds; what is "
                  "not decided when it expires is unknown (exit 3)")
      ->check(CLI::PositiveNumber);
  sub->add_option("--sarif", o->sarif, "also write SARIF 2.1.0 to FILE");
  sub->add_option(
      "--property", o->verify.properties,
      "check only these: " + RuleIdList(RuleKind::kProperty) + " (repeatable)");
  commands.push_back(
      {sub, [o](const Streams& io) { return RunVerify(*o, io); }});
}

void AddReportCommand(CLI::App& app, std::vector<Command>& commands) {
  auto o = std::make_shared<ReportCmdOptions>();
  CLI::App* sub = app.add_subcommand(
      "report",
      "write a design-review report (report.md, report.html, results.json)");
  AddScenarioOptions(sub, o->scenario);
  sub->add_option("-o,--output", o->dir, "output directory")->required();
  sub->add_option("--seed", o->seed,
                  "random seed (default: the scenario's `seed`, else 1)");
  commands.push_back(
      {sub, [o](const Streams& io) { return RunReport(*o, io); }});
}

}  // namespace meshsim::cli
