#include "cli/cli.h"

#include <CLI/CLI.hpp>
#include <algorithm>

#include "model/io/loader.h"
#include "reports/paths_report.h"
#include "sim/dataplane.h"

namespace meshsim {

namespace {

struct PathsOptions {
  std::string scenario;
  std::string format = "text";
  std::string http;                  // "METHOD /path?query"
  std::vector<std::string> headers;  // "name=value"
  std::vector<std::string> traffic;  // entries to show (default: all)
};

// Keeps the entries named by --traffic and applies --http/--header to them;
// false (with a message) on a malformed value or an unknown entry.
bool OverrideRequests(const PathsOptions& o, Scenario& sc, std::ostream& err) {
  if (!o.traffic.empty()) {
    std::vector<TrafficEntry> kept;
    for (const std::string& name : o.traffic) {
      auto it =
          std::find_if(sc.traffic.begin(), sc.traffic.end(),
                       [&](const TrafficEntry& t) { return t.name == name; });
      if (it == sc.traffic.end()) {
        std::vector<std::string> names;
        for (const TrafficEntry& t : sc.traffic) names.push_back(t.name);
        std::string hint = ClosestMatch(name, names);
        err << "meshsim: error: --traffic '" << name
            << "' is not a traffic entry of " << sc.file
            << (hint.empty() ? "" : " (did you mean '" + hint + "'?)") << "\n";
        return false;
      }
      kept.push_back(*it);
    }
    sc.traffic = kept;
  }
  if (o.http.empty() && o.headers.empty()) return true;
  HttpRequest req;
  if (!o.http.empty()) {
    size_t space = o.http.find(' ');
    if (space == std::string::npos || space == 0 || o.http.size() < space + 2 ||
        o.http[space + 1] != '/') {
      err << "meshsim: error: --http must be \"METHOD /path\", for example "
             "\"GET /api/v1?x=1\", "
             "got '"
          << o.http << "'\n";
      return false;
    }
    req.method = o.http.substr(0, space);
    req.path = o.http.substr(space + 1);
  }
  for (const std::string& h : o.headers) {
    size_t eq = h.find('=');
    if (eq == std::string::npos || eq == 0) {
      err << "meshsim: error: --header must be name=value, got '" << h << "'\n";
      return false;
    }
    std::string name = h.substr(0, eq);
    std::transform(name.begin(), name.end(), name.begin(), ::tolower);
    req.headers[name] = h.substr(eq + 1);
  }
  for (TrafficEntry& t : sc.traffic) {
    HttpRequest merged = t.http.value_or(HttpRequest{});
    if (!o.http.empty()) {
      merged.method = req.method;
      merged.path = req.path;
    }
    for (const auto& [k, v] : req.headers) merged.headers[k] = v;
    t.http = merged;
  }
  return true;
}

int RunPaths(const PathsOptions& o, std::ostream& out, std::ostream& err) {
  Diagnostics diags;
  std::optional<Scenario> sc = LoadScenarioFile(o.scenario, diags);
  if (!sc || diags.HasErrors()) {
    diags.Print(err);
    err << diags.error_count() << " error"
        << (diags.error_count() == 1 ? "" : "s") << "; no paths computed\n";
    return 2;
  }
  diags.Print(err);  // notes and warnings
  if (!OverrideRequests(o, *sc, err)) return 2;
  PathsResult result = ResolvePaths(*sc);
  std::vector<Diagnostic> warnings;
  for (const Diagnostic& d : sc->mesh.notes)
    if (d.severity == Severity::kWarning) warnings.push_back(d);
  for (const Diagnostic& d : diags.all())
    if (d.severity == Severity::kWarning) warnings.push_back(d);
  if (o.format == "json") {
    WritePathsJson(result, warnings, out);
  } else {
    WritePathsText(result, warnings, out);
  }
  return 0;
}

}  // namespace

int RunCli(const std::vector<std::string>& args, std::ostream& out,
           std::ostream& err) {
  CLI::App app{
      "meshsim: simulate and verify Istio ambient meshes from their manifests"};
  app.require_subcommand(1);
  PathsOptions po;
  CLI::App* paths = app.add_subcommand(
      "paths",
      "print every path each traffic entry's requests can take, hop by hop");
  paths->add_option("scenario", po.scenario, "scenario file (YAML or JSON)")
      ->required();
  paths->add_option("--format", po.format, "text or json")
      ->check(CLI::IsMember({"text", "json"}));
  paths->add_option(
      "--http", po.http,
      "override the traffic entries' request, e.g. \"GET /api/v1?x=1\"");
  paths->add_option("--header", po.headers,
                    "add a request header name=value (repeatable)");
  paths->add_option("--traffic", po.traffic,
                    "only these traffic entries (repeatable)");
  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) {
      out << app.help();
      return 0;
    }
    err << "meshsim: error: " << e.what() << "\n"
        << "run 'meshsim --help' for usage\n";
    return 2;
  }
  if (paths->parsed()) return RunPaths(po, out, err);
  err << app.help();
  return 2;
}

}  // namespace meshsim
