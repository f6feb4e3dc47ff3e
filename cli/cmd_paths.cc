// `meshsim paths`: every path each traffic entry's requests can take.
#include <memory>

#include "app/expectations.h"
#include "app/requests.h"
#include "cli/commands.h"
#include "reports/paths_report.h"
#include "sim/dataplane.h"

namespace meshsim::cli {

namespace {

struct PathsOptions {
  std::string scenario;
  std::string format = "text";
  RequestOverrides overrides;
};

int RunPaths(const PathsOptions& o, const Streams& io) {
  Diagnostics diags;
  std::optional<Scenario> sc =
      LoadScenario(o.scenario, "no paths computed", io.err, diags,
                   /*quiet_mesh_warnings=*/true);
  if (!sc) return 2;
  if (auto error = ApplyRequestOverrides(o.overrides, *sc)) {
    io.err << "meshsim: error: " << *error << "\n";
    return 2;
  }
  const PathsResult result = ResolvePaths(*sc);
  const std::vector<Diagnostic> warnings = ScenarioWarnings(*sc, diags);
  if (o.format == "json") {
    WritePathsJson(result, warnings, io.out);
  } else {
    WritePathsText(result, warnings, io.out);
  }
  return 0;
}

}  // namespace

void AddPathsCommand(CLI::App& app, std::vector<Command>& commands) {
  auto o = std::make_shared<PathsOptions>();
  CLI::App* sub = app.add_subcommand(
      "paths",
      "print every path each traffic entry's requests can take, hop by hop");
  AddScenarioOptions(sub, o->scenario, &o->format);
  sub->add_option(
      "--http", o->overrides.http,
      "override the traffic entries' request, e.g. \"GET /api/v1?x=1\"");
  sub->add_option("--header", o->overrides.headers,
                  "add a request header name=value (repeatable)");
  sub->add_option("--traffic", o->overrides.traffic,
                  "only these traffic entries (repeatable)");
  commands.push_back(
      {sub, [o](const Streams& io) { return RunPaths(*o, io); }});
}

}  // namespace meshsim::cli
