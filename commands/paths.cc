// `meshsim paths`: every path each traffic entry's requests can take.
#include <memory>

#include "app/expectations.h"
#include "app/requests.h"
#include "commands/commands.h"
#include "model/io/loader.h"
#include "reports/paths_report.h"
#include "sim/dataplane.h"

namespace meshsim::commands {

namespace {

// §15.2: the objects peering made in each cluster.
std::vector<GeneratedObject> Generated(const Mesh& mesh) {
  std::vector<GeneratedObject> out;
  for (const Cluster& c : mesh.clusters)
    for (const Service& s : c.services) {
      if (!s.peered) continue;
      GeneratedObject g;
      g.cluster = c.name;
      g.kind = s.kind;
      g.name = s.Key();
      g.hosts = s.hosts;
      for (const PeeredService::Exporter& x : s.peered->exporters)
        g.exporters.push_back(
            mesh.clusters[x.cluster].name +
            (x.draining ? " (draining " + std::to_string(x.draining) + "%)"
                        : ""));
      g.labels = s.labels;
      g.traffic_distribution = s.traffic_distribution;
      g.global_waypoint = s.peered->global_waypoint;
      for (int wc : s.peered->waypoint_clusters)
        g.waypoint_clusters.push_back(mesh.clusters[wc].name);
      out.push_back(std::move(g));
    }
  return out;
}

}  // namespace

int RunPaths(const PathsOptions& o, const Streams& io) {
  Diagnostics diags;
  const io::ObjectDigestsOff no_digests;  // only `diff` reads them
  std::optional<Scenario> sc =
      LoadScenario(o.scenario, "no paths computed", io.err, diags,
                   /*quiet_mesh_warnings=*/true);
  const KeepUntilExit keep(sc, io);
  if (!sc) return 2;
  if (auto error = ApplyRequestOverrides(o.overrides, *sc)) {
    io.err << "meshsim: error: " << *error << "\n";
    return 2;
  }
  PathsResult result = ResolvePaths(*sc, DefaultJobs(o.jobs));
  if (o.show_generated) result.generated = Generated(sc->mesh);
  const std::vector<Diagnostic> warnings = ScenarioWarnings(*sc, diags);
  if (o.format == "json") {
    WritePathsJson(result, warnings, io.out);
  } else {
    WritePathsText(result, warnings, io.out);
  }
  return 0;
}

}  // namespace meshsim::commands
