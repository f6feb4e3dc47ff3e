// Scenario files -> Scenario. See loader.h and docs/scenario-format.md.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>

#include "model/binding.h"
#include "model/io/loader.h"
#include "model/io/manifest_sink.h"
#include "model/io/yaml_reader.h"
#include "model/policy.h"
#include "model/rules.h"

namespace meshsim {

namespace fs = std::filesystem;
using io::Reader;

namespace {

// The most requests one traffic entry may ask for (limits, docs/robustness).
constexpr long long kMaxRequests = 100'000'000;

// Keys of later stages (simulator, checks) that `paths` accepts and ignores.
const std::set<std::string> kTopKeys = {
    "name",        "description", "istio",  "clusters", "traffic", "seed",
    "performance", "faults",      "expect", "verify",   "network"};

void CheckKeys(Reader& r, const YAML::Node& n,
               const std::set<std::string>& known, const std::string& where) {
  if (!n.IsMap()) return;
  std::vector<std::string> known_list(known.begin(), known.end());
  for (auto it = n.begin(); it != n.end(); ++it) {
    if (!it->first.IsScalar()) continue;
    const std::string key = it->first.Scalar();
    if (known.count(key)) continue;
    std::string hint = ClosestMatch(key, known_list);
    r.Warning(it->first,
              where + ": unknown key '" + key + "' is ignored" +
                  (hint.empty() ? "" : " (did you mean '" + hint + "'?)"));
  }
}

std::optional<IstioVersion> ParseVersion(Reader& r, const YAML::Node& n,
                                         const std::string& what) {
  auto s = r.String(n, what);
  if (!s) return std::nullopt;
  IstioVersion v;
  int mj = 0, mn = 0;
  char dot = 0;
  if (std::sscanf(s->c_str(), "%d%c%d", &mj, &dot, &mn) != 3 || dot != '.') {
    r.Error(n, what + " must be a release like \"1.28\", got '" + *s + "'");
    return std::nullopt;
  }
  v.major = mj;
  v.minor = mn;
  if (!v.AtLeast(1, 22)) {
    r.Error(n, what + " is " + *s +
                   ", but meshsim models ambient from 1.22 "
                   "(explicit istio.io/use-waypoint binding); releases up "
                   "to 1.21 bound waypoints automatically (§2.5)");
    return std::nullopt;
  }
  if (kNewestModelledVersion.AtLeast(v.major, v.minor) == false) {
    r.diags().Note(r.Loc(n), what + " " + *s +
                                 " is newer than the newest "
                                 "modelled release " +
                                 kNewestModelledVersion.ToString() +
                                 "; its rules are used");
    v = kNewestModelledVersion;
  }
  return v;
}

std::optional<int64_t> ParseDuration(Reader& r, const YAML::Node& n,
                                     const std::string& what) {
  auto s = r.String(n, what);
  if (!s) return std::nullopt;
  char* end = nullptr;
  double v = std::strtod(s->c_str(), &end);
  std::string unit = end ? std::string(end) : "";
  double scale = 0;
  if (unit.empty() || unit == "s")
    scale = 1e9;
  else if (unit == "ms")
    scale = 1e6;
  else if (unit == "us")
    scale = 1e3;
  else if (unit == "m")
    scale = 60e9;
  else if (unit == "h")
    scale = 3600e9;
  if (end == s->c_str() || scale == 0 || !(v > 0) || v * scale > 9e18) {
    r.Error(n, what +
                   " must be a positive duration like 10s, 500ms or 2m, got '" +
                   *s + "'");
    return std::nullopt;
  }
  return static_cast<int64_t>(std::llround(v * scale));
}

// "0", "0s", "0ms": the start of the run (a point in time, not a duration).
bool IsZeroDuration(const std::string& s) {
  return s == "0" || s == "0s" || s == "0ms" || s == "0us";
}

void LoadManifestPath(Reader& r, const YAML::Node& entry,
                      const std::string& base_dir, Cluster& cluster,
                      io::ManifestSink& sink) {
  auto rel = r.String(entry, "cluster " + cluster.name + ": manifests[]");
  if (!rel) return;
  fs::path p =
      fs::path(*rel).is_absolute() ? fs::path(*rel) : fs::path(base_dir) / *rel;
  std::error_code ec;
  std::vector<fs::path> files;
  if (fs::is_directory(p, ec)) {
    for (auto it = fs::recursive_directory_iterator(p, ec);
         it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (ec) break;
      std::string ext = it->path().extension().string();
      if (it->is_regular_file() &&
          (ext == ".yaml" || ext == ".yml" || ext == ".json"))
        files.push_back(it->path());
    }
    std::sort(files.begin(), files.end());
    if (files.empty())
      r.Warning(entry, "manifest folder '" + *rel +
                           "' holds no .yaml, .yml or .json files");
  } else {
    if (!fs::exists(p, ec)) {
      r.Error(entry, "cluster " + cluster.name + ": manifest '" + *rel +
                         "' does not exist (looked for " +
                         p.lexically_normal().string() + ")");
      return;
    }
    files.push_back(p);
  }
  for (const fs::path& f : files) {
    std::string label = f.lexically_normal().string();
    auto text =
        io::ReadTextFile(f.string(), r.Loc(entry), "manifest", r.diags());
    if (!text) continue;
    io::LoadManifestInto(*text, label, cluster, sink, r.diags());
  }
}

void LoadCluster(Reader& r, const YAML::Node& n, const std::string& base_dir,
                 size_t index, Mesh& mesh) {
  const std::string where = "clusters[" + std::to_string(index) + "]";
  if (!r.IsMap(n, where)) return;
  CheckKeys(r, n,
            {"name", "network", "nodes", "manifests", "resources", "istio"},
            where);
  Cluster c;
  c.location = r.Loc(n);
  auto name = r.String(r.Child(n, "name"), where + ".name");
  if (!name || name->empty()) {
    r.Error(n, where + ".name is required");
    return;
  }
  c.name = *name;
  if (mesh.FindCluster(c.name)) {
    r.Error(r.Child(n, "name"),
            where + ": cluster name '" + c.name +
                "' is used twice; cluster names must be unique");
    return;
  }
  c.network =
      r.String(r.Child(n, "network"), where + ".network").value_or(c.name);
  YAML::Node nodes = r.Child(n, "nodes");
  if (nodes.IsScalar()) {
    auto count = r.Int(nodes, "cluster " + c.name + ": nodes", 1, 10000);
    for (long long i = 0; count && i < *count; ++i)
      c.nodes.push_back({c.name + "-node-" + std::to_string(i), "", ""});
  } else if (r.IsList(nodes, "cluster " + c.name + ": nodes")) {
    for (size_t i = 0; i < nodes.size(); ++i) {
      const YAML::Node nd = nodes[i];
      std::string nw =
          "cluster " + c.name + ": nodes[" + std::to_string(i) + "]";
      if (!r.IsMap(nd, nw)) continue;
      Node node;
      node.name = r.String(r.Child(nd, "name"), nw + ".name")
                      .value_or(c.name + "-node-" + std::to_string(i));
      node.zone = r.String(r.Child(nd, "zone"), nw + ".zone").value_or("");
      node.region =
          r.String(r.Child(nd, "region"), nw + ".region").value_or("");
      c.nodes.push_back(node);
    }
  }
  if (c.nodes.empty()) c.nodes.push_back({c.name + "-node-0", "", ""});
  YAML::Node ci = r.Child(n, "istio");
  if (r.IsMap(ci, "cluster " + c.name + ": istio")) {
    c.version = ParseVersion(r, r.Child(ci, "version"),
                             "cluster " + c.name + ": istio.version");
  }
  io::ManifestSink sink;
  YAML::Node manifests = r.Child(n, "manifests");
  if (manifests.IsScalar()) {
    LoadManifestPath(r, manifests, base_dir, c, sink);
  } else if (r.IsList(manifests, "cluster " + c.name + ": manifests")) {
    for (const YAML::Node& m : manifests)
      LoadManifestPath(r, m, base_dir, c, sink);
  }
  YAML::Node resources = r.Child(n, "resources");
  if (r.IsList(resources, "cluster " + c.name + ": resources")) {
    io::LoadParsedObjects(r, resources, c, sink);
  }
  io::FinishCluster(c, sink);
  mesh.clusters.push_back(std::move(c));
}

void LoadIstio(Reader& r, const YAML::Node& n, Mesh& mesh) {
  if (!r.IsMap(n, "istio")) return;
  CheckKeys(r, n, {"version", "distribution", "flags", "rootNamespace"},
            "istio");
  mesh.istio.location = r.Loc(n);
  if (auto v = ParseVersion(r, r.Child(n, "version"), "istio.version"))
    mesh.istio.version = *v;
  if (auto d = r.String(r.Child(n, "distribution"), "istio.distribution")) {
    if (*d == "community") {
      mesh.istio.distribution = Distribution::kCommunity;
    } else if (*d == "solo") {
      mesh.istio.distribution = Distribution::kSolo;
    } else {
      r.Error(r.Child(n, "distribution"),
              "istio.distribution must be community or solo, got '" + *d + "'");
    }
  }
  if (auto root = r.String(r.Child(n, "rootNamespace"), "istio.rootNamespace"))
    mesh.istio.root_namespace = *root;
  YAML::Node flags = r.Child(n, "flags");
  if (r.IsMap(flags, "istio.flags")) {
    for (auto it = flags.begin(); it != flags.end(); ++it) {
      if (!it->first.IsScalar()) continue;
      const std::string key = it->first.Scalar();
      auto v = r.String(it->second, "istio.flags." + key);
      if (!v) continue;
      if (*v != "true" && *v != "false" && *v != "True" && *v != "False" &&
          *v != "TRUE" && *v != "FALSE") {
        r.Error(it->second,
                "istio.flags." + key +
                    " must be true or false (or \"true\"/\"false\"), got '" +
                    *v + "'");
        continue;
      }
      std::string lower = *v;
      std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
      mesh.istio.flags[key] = lower;
    }
  }
}

std::vector<std::string> ClusterNames(const Mesh& mesh) {
  std::vector<std::string> out;
  for (const Cluster& c : mesh.clusters) out.push_back(c.name);
  return out;
}

void LoadTraffic(Reader& r, const YAML::Node& n, size_t index, Scenario& sc) {
  const std::string where = "traffic[" + std::to_string(index) + "]";
  if (!r.IsMap(n, where)) return;
  CheckKeys(r, n,
            {"name", "from", "to", "http", "rate", "duration", "connections",
             "requests", "arrival", "profile", "description"},
            where);
  TrafficEntry t;
  t.location = r.Loc(n);
  auto name = r.String(r.Child(n, "name"), where + ".name");
  if (!name || name->empty()) {
    r.Error(n, where + ".name is required");
    return;
  }
  t.name = *name;
  for (const TrafficEntry& other : sc.traffic) {
    if (other.name == t.name) {
      r.Error(
          r.Child(n, "name"),
          "traffic '" + t.name + "' is defined twice; names must be unique");
      return;
    }
  }
  const std::string tw = "traffic '" + t.name + "'";
  YAML::Node from = r.Child(n, "from");
  if (!r.IsMap(from, tw + ": from")) {
    if (!from.IsDefined()) r.Error(n, tw + ": from is required");
    return;
  }
  CheckKeys(r, from, {"cluster", "namespace", "workload", "ingress"},
            tw + ": from");
  t.from.location = r.Loc(from);
  t.from.cluster =
      r.String(r.Child(from, "cluster"), tw + ": from.cluster").value_or("");
  t.from.ns = r.String(r.Child(from, "namespace"), tw + ": from.namespace")
                  .value_or("default");
  t.from.workload =
      r.String(r.Child(from, "workload"), tw + ": from.workload").value_or("");
  t.from.ingress =
      r.String(r.Child(from, "ingress"), tw + ": from.ingress").value_or("");
  if (t.from.cluster.empty()) {
    if (sc.mesh.clusters.size() == 1) {
      t.from.cluster = sc.mesh.clusters[0].name;
    } else {
      r.Error(from, tw + ": from.cluster is required when the scenario has "
                         "several clusters");
      return;
    }
  }
  const Cluster* c = sc.mesh.FindCluster(t.from.cluster);
  if (!c) {
    std::string hint = ClosestMatch(t.from.cluster, ClusterNames(sc.mesh));
    r.Error(r.Child(from, "cluster"),
            tw + ": from.cluster '" + t.from.cluster +
                "' is not a cluster of this scenario" +
                (hint.empty() ? "" : " (did you mean '" + hint + "'?)"));
    return;
  }
  if (t.from.workload.empty() == t.from.ingress.empty()) {
    r.Error(from, tw + ": from must name exactly one of workload or ingress");
    return;
  }
  if (!t.from.workload.empty()) {
    if (c->WorkloadsOf(t.from.ns, t.from.workload).empty()) {
      std::vector<std::string> names;
      for (const Workload& w : c->workloads)
        if (w.ns == t.from.ns) names.push_back(w.owner);
      std::string hint = ClosestMatch(t.from.workload, names);
      r.Error(r.Child(from, "workload"),
              tw + ": from.workload '" + t.from.workload +
                  "' is not a workload in namespace " + t.from.ns +
                  " of cluster " + c->name +
                  (hint.empty() ? "" : " (did you mean '" + hint + "'?)"));
      return;
    }
  } else {
    std::string key = t.from.ingress;
    if (key.find('/') == std::string::npos) key = t.from.ns + "/" + key;
    t.from.ingress = key;
    const Gateway* gw = c->FindGateway(key);
    if (!gw || gw->role != GatewayRole::kIngress) {
      std::vector<std::string> names;
      for (const auto& [k, g] : c->gateways)
        if (g.role == GatewayRole::kIngress) names.push_back(k);
      std::string hint = ClosestMatch(key, names);
      r.Error(r.Child(from, "ingress"),
              tw + ": from.ingress '" + key + "' is not " +
                  (gw ? "an ingress Gateway (its class " + gw->class_name +
                            " makes it a " +
                            (gw->role == GatewayRole::kWaypoint
                                 ? "waypoint"
                                 : "east-west gateway") +
                            ")"
                      : "a Gateway in cluster " + c->name) +
                  (hint.empty() ? "" : " (did you mean '" + hint + "'?)"));
      return;
    }
  }
  YAML::Node to = r.Child(n, "to");
  if (!r.IsMap(to, tw + ": to")) {
    if (!to.IsDefined()) r.Error(n, tw + ": to is required");
    return;
  }
  CheckKeys(r, to, {"host", "pod", "ip", "port"}, tw + ": to");
  t.to.location = r.Loc(to);
  t.to.host = r.String(r.Child(to, "host"), tw + ": to.host").value_or("");
  t.to.pod = r.String(r.Child(to, "pod"), tw + ": to.pod").value_or("");
  t.to.ip = r.String(r.Child(to, "ip"), tw + ": to.ip").value_or("");
  int given = !t.to.host.empty() + !t.to.pod.empty() + !t.to.ip.empty();
  if (given != 1) {
    r.Error(to, tw + ": to must name exactly one of host, pod or ip, got " +
                    std::to_string(given));
    return;
  }
  YAML::Node port = r.Child(to, "port");
  auto p = r.Int(port, tw + ": to.port", 1, 65535);
  if (!p) {
    if (!port.IsDefined()) r.Error(to, tw + ": to.port is required");
    return;
  }
  t.to.port = static_cast<int>(*p);
  if (!t.to.pod.empty()) {
    size_t slash = t.to.pod.find('/');
    std::string ns =
        slash == std::string::npos ? t.from.ns : t.to.pod.substr(0, slash);
    std::string wl =
        slash == std::string::npos ? t.to.pod : t.to.pod.substr(slash + 1);
    t.to.pod = ns + "/" + wl;
    if (c->WorkloadsOf(ns, wl).empty()) {
      std::vector<std::string> names;
      for (const Workload& w : c->workloads)
        names.push_back(w.ns + "/" + w.owner);
      std::string hint = ClosestMatch(t.to.pod, names);
      r.Error(r.Child(to, "pod"),
              tw + ": to.pod '" + t.to.pod + "' is not a workload in cluster " +
                  c->name +
                  (hint.empty() ? "" : " (did you mean '" + hint + "'?)"));
      return;
    }
  }
  if (!t.to.host.empty() && t.from.ingress.empty()) {
    bool found = !c->ServicesForHost(t.to.host, t.from.ns).empty();
    for (const Cluster& other : sc.mesh.clusters)
      found = found || !other.ServicesForHost(t.to.host, t.from.ns).empty();
    if (!found) {
      std::vector<std::string> names;
      for (const auto& [h, idx] : c->service_by_host) names.push_back(h);
      std::string full = t.to.host;
      if (std::count(full.begin(), full.end(), '.') == 0)
        full += "." + t.from.ns + ".svc.cluster.local";
      else if (std::count(full.begin(), full.end(), '.') == 1)
        full += ".svc.cluster.local";
      std::string hint = ClosestMatch(full, names);
      r.Error(r.Child(to, "host"),
              tw + ": to.host '" + t.to.host +
                  "' matches no Service or ServiceEntry" +
                  " (to dial an address outside the mesh, use to.ip)" +
                  (hint.empty() ? "" : " (did you mean '" + hint + "'?)"));
      return;
    }
  }
  YAML::Node http = r.Child(n, "http");
  if (r.IsMap(http, tw + ": http")) {
    CheckKeys(r, http, {"method", "path", "headers"}, tw + ": http");
    HttpRequest req;
    req.method =
        r.String(r.Child(http, "method"), tw + ": http.method").value_or("GET");
    req.path =
        r.String(r.Child(http, "path"), tw + ": http.path").value_or("/");
    if (req.path.empty() || req.path[0] != '/') {
      r.Error(r.Child(http, "path"),
              tw + ": http.path must start with '/', got '" + req.path + "'");
    }
    auto headers = r.StringMap(r.Child(http, "headers"), tw + ": http.headers",
                               false, nullptr);
    if (headers) {
      for (const auto& [k, v] : *headers) {
        std::string lower = k;
        std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
        req.headers[lower] = v;
      }
    }
    t.http = req;
  } else if (!http.IsDefined() && !t.from.ingress.empty()) {
    t.http = HttpRequest{};  // an ingress Gateway speaks HTTP
  }
  YAML::Node rate = r.Child(n, "rate");
  if (rate.IsDefined()) {
    auto s = r.String(rate, tw + ": rate");
    char* end = nullptr;
    double v = s ? std::strtod(s->c_str(), &end) : 0;
    if (!s || end == s->c_str() || *end != '\0' || !(v > 0) || v > 1e7) {
      if (s)
        r.Error(rate, tw +
                          ": rate must be a number of requests per second "
                          "above 0 and at most 10000000, got '" +
                          *s + "'");
    } else {
      t.rate = v;
    }
  }
  if (auto d = ParseDuration(r, r.Child(n, "duration"), tw + ": duration"))
    t.duration_ns = *d;
  if (auto q =
          r.Int(r.Child(n, "requests"), tw + ": requests", 1, kMaxRequests))
    t.requests = static_cast<uint64_t>(*q);
  if (auto a = r.String(r.Child(n, "arrival"), tw + ": arrival")) {
    if (*a != "poisson" && *a != "constant") {
      r.Error(r.Child(n, "arrival"),
              tw + ": arrival must be poisson or constant, got '" + *a + "'");
    } else {
      t.arrival = *a;
    }
  }
  YAML::Node profile = r.Child(n, "profile");
  if (r.IsMap(profile, tw + ": profile")) {
    auto shape = r.String(r.Child(profile, "shape"), tw + ": profile.shape")
                     .value_or("step");
    if (shape != "step" && shape != "ramp")
      r.Error(r.Child(profile, "shape"),
              tw + ": profile.shape must be step or ramp, got '" + shape + "'");
    t.ramp = shape == "ramp";
    YAML::Node points = r.Child(profile, "points");
    if (r.IsList(points, tw + ": profile.points")) {
      for (const YAML::Node& pt : points) {
        if (!r.IsMap(pt, tw + ": profile.points[]")) continue;
        YAML::Node at = r.Child(pt, "at");
        int64_t at_ns = 0;
        if (at.IsScalar() && !IsZeroDuration(at.Scalar())) {
          auto d = ParseDuration(r, at, tw + ": profile.points[].at");
          if (!d) continue;
          at_ns = *d;
        }
        auto rate_s =
            r.String(r.Child(pt, "rate"), tw + ": profile.points[].rate");
        char* end = nullptr;
        double v = rate_s ? std::strtod(rate_s->c_str(), &end) : -1;
        if (!rate_s || *end != '\0' || v < 0 || v > 1e7) {
          r.Error(pt, tw + ": profile.points[].rate must be a number between 0 "
                           "and 10000000");
          continue;
        }
        if (!t.profile.empty() && at_ns <= t.profile.back().first) {
          r.Error(at, tw + ": profile points must be in increasing time order");
          continue;
        }
        t.profile.push_back({at_ns, v});
      }
    }
  }
  // A bounded run: the expected request count must stay within reach.
  double peak = t.rate;
  for (const auto& [at, v] : t.profile) peak = std::max(peak, v);
  const double expected =
      t.requests ? static_cast<double>(t.requests)
                 : peak * static_cast<double>(t.duration_ns) * 1e-9;
  if (expected > static_cast<double>(kMaxRequests)) {
    r.Error(n, tw + ": asks for about " +
                   std::to_string(static_cast<long long>(expected)) +
                   " requests; meshsim runs at most " +
                   std::to_string(kMaxRequests) +
                   " per traffic entry (lower rate or duration)");
  }
  sc.traffic.push_back(std::move(t));
}

std::optional<StationPerf> ParseStationPerf(Reader& r, const YAML::Node& n,
                                            const std::string& what) {
  if (!r.IsMap(n, what)) return std::nullopt;
  CheckKeys(r, n, {"workers", "service_time"}, what);
  StationPerf p;
  p.location = r.Loc(n);
  p.workers = static_cast<int>(
      r.Int(r.Child(n, "workers"), what + ".workers", 1, 100000).value_or(1));
  YAML::Node st = r.Child(n, "service_time");
  if (!r.IsMap(st, what + ".service_time")) {
    r.Error(n, what + ".service_time is required (distribution and mean_ms)");
    return std::nullopt;
  }
  CheckKeys(r, st, {"distribution", "mean_ms", "p99_ms"},
            what + ".service_time");
  p.service.distribution =
      r.String(r.Child(st, "distribution"), what + ".service_time.distribution")
          .value_or("exponential");
  auto num = [&](const char* key) -> std::optional<double> {
    auto v = r.String(r.Child(st, key), what + ".service_time." + key);
    if (!v) return std::nullopt;
    char* end = nullptr;
    double d = std::strtod(v->c_str(), &end);
    if (*end != '\0' || !(d > 0) || d > 1e7) {
      r.Error(r.Child(st, key),
              what + ".service_time." + key +
                  " must be a positive number of milliseconds, got '" + *v +
                  "'");
      return std::nullopt;
    }
    return d;
  };
  auto mean = num("mean_ms");
  if (!mean) {
    if (!r.Child(st, "mean_ms").IsDefined())
      r.Error(st, what + ".service_time.mean_ms is required");
    return std::nullopt;
  }
  p.service.mean_ms = *mean;
  const std::string& dist = p.service.distribution;
  if (dist != "constant" && dist != "exponential" && dist != "lognormal") {
    r.Error(r.Child(st, "distribution"),
            what +
                ".service_time.distribution must be constant, "
                "exponential or lognormal, got '" +
                dist + "'");
    return std::nullopt;
  }
  if (dist == "lognormal") {
    auto p99 = num("p99_ms");
    if (!p99 || *p99 <= *mean) {
      r.Error(st, what +
                      ".service_time.p99_ms is required for lognormal and must "
                      "exceed mean_ms");
      return std::nullopt;
    }
    p.service.p99_ms = *p99;
  }
  return p;
}

void LoadPerformance(Reader& r, const YAML::Node& n, Scenario& sc) {
  if (!r.IsMap(n, "performance")) return;
  CheckKeys(r, n, {"proxies", "workloads", "default_workload", "network"},
            "performance");
  YAML::Node proxies = r.Child(n, "proxies");
  if (r.IsMap(proxies, "performance.proxies")) {
    static const std::set<std::string> kKinds = {
        "ztunnel", "waypoint", "ingress", "eastwest", "sidecar"};
    for (auto it = proxies.begin(); it != proxies.end(); ++it) {
      const std::string kind = it->first.Scalar();
      if (!kKinds.count(kind)) {
        r.Error(
            it->first,
            "performance.proxies: unknown proxy kind '" + kind +
                "'; expected ztunnel, waypoint, ingress, eastwest or sidecar");
        continue;
      }
      if (auto p =
              ParseStationPerf(r, it->second, "performance.proxies." + kind))
        sc.performance.proxies[kind] = *p;
    }
  }
  YAML::Node workloads = r.Child(n, "workloads");
  if (r.IsMap(workloads, "performance.workloads")) {
    for (auto it = workloads.begin(); it != workloads.end(); ++it) {
      const std::string key = it->first.Scalar();
      if (key.find('/') == std::string::npos) {
        r.Error(it->first,
                "performance.workloads: key '" + key +
                    "' must be namespace/workload, e.g. bookinfo/productpage");
        continue;
      }
      if (auto p =
              ParseStationPerf(r, it->second, "performance.workloads." + key))
        sc.performance.workloads[key] = *p;
    }
  }
  if (auto p = ParseStationPerf(r, r.Child(n, "default_workload"),
                                "performance.default_workload"))
    sc.performance.default_workload = *p;
  YAML::Node net = r.Child(n, "network");
  if (r.IsMap(net, "performance.network")) {
    CheckKeys(
        r, net,
        {"same_node_ms", "same_zone_ms", "cross_zone_ms", "cross_region_ms",
         "cross_network_ms", "external_ms", "hbone_handshake_ms"},
        "performance.network");
    PerformanceSpec& ps = sc.performance;
    for (auto [key, field] : std::vector<std::pair<const char*, double*>>{
             {"same_node_ms", &ps.same_node_ms},
             {"same_zone_ms", &ps.same_zone_ms},
             {"cross_zone_ms", &ps.cross_zone_ms},
             {"cross_region_ms", &ps.cross_region_ms},
             {"cross_network_ms", &ps.cross_network_ms},
             {"external_ms", &ps.external_ms},
             {"hbone_handshake_ms", &ps.hbone_handshake_ms}}) {
      auto v = r.String(r.Child(net, key),
                        std::string("performance.network.") + key);
      if (!v) continue;
      char* end = nullptr;
      double d = std::strtod(v->c_str(), &end);
      if (*end != '\0' || d < 0 || d > 1e6) {
        r.Error(r.Child(net, key),
                std::string("performance.network.") + key +
                    " must be a number of milliseconds >= 0, got '" + *v + "'");
        continue;
      }
      *field = d;
    }
  }
}

void LoadFaults(Reader& r, const YAML::Node& n, Scenario& sc) {
  if (!r.IsList(n, "faults")) return;
  for (size_t i = 0; i < n.size(); ++i) {
    const std::string fw = "faults[" + std::to_string(i) + "]";
    const YAML::Node f = n[i];
    if (!r.IsMap(f, fw)) continue;
    CheckKeys(r, f,
              {"kind", "cluster", "node", "pod", "waypoint", "gateway",
               "networks", "at", "until"},
              fw);
    FaultSpec fs;
    fs.location = r.Loc(f);
    fs.kind = r.String(r.Child(f, "kind"), fw + ".kind").value_or("");
    static const std::map<std::string, std::string> kTarget = {
        {"node", "node"},
        {"pod", "pod"},
        {"waypoint", "waypoint"},
        {"gateway", "gateway"},
        {"network-link", "networks"}};
    auto kt = kTarget.find(fs.kind);
    if (kt == kTarget.end()) {
      r.Error(r.Child(f, "kind").IsDefined() ? r.Child(f, "kind") : f,
              fw +
                  ".kind must be one of node, pod, waypoint, gateway, "
                  "network-link, got '" +
                  fs.kind + "'");
      continue;
    }
    if (fs.kind == "network-link") {
      YAML::Node nets = r.Child(f, "networks");
      if (!nets.IsSequence() || nets.size() != 2) {
        r.Error(
            f,
            fw + ".networks must list the two networks whose link goes down");
        continue;
      }
      fs.target = nets[0].Scalar() + "," + nets[1].Scalar();
    } else {
      fs.cluster =
          r.String(r.Child(f, "cluster"), fw + ".cluster").value_or("");
      if (fs.cluster.empty() && sc.mesh.clusters.size() == 1)
        fs.cluster = sc.mesh.clusters[0].name;
      const Cluster* c = sc.mesh.FindCluster(fs.cluster);
      if (!c) {
        r.Error(f, fw + ".cluster '" + fs.cluster +
                       "' is not a cluster of this scenario");
        continue;
      }
      fs.target =
          r.String(r.Child(f, kt->second.c_str()), fw + "." + kt->second)
              .value_or("");
      bool found = false;
      if (fs.kind == "node") found = c->FindNode(fs.target) != nullptr;
      if (fs.kind == "pod") found = c->FindWorkload(fs.target) != nullptr;
      if (fs.kind == "waypoint" || fs.kind == "gateway")
        found = c->FindGateway(fs.target) != nullptr;
      if (!found) {
        r.Error(r.Child(f, kt->second.c_str()).IsDefined()
                    ? r.Child(f, kt->second.c_str())
                    : f,
                fw + "." + kt->second + " '" + fs.target + "' is not a " +
                    fs.kind + " of cluster " + fs.cluster);
        continue;
      }
    }
    YAML::Node at = r.Child(f, "at");
    if (at.IsScalar() && !IsZeroDuration(at.Scalar())) {
      auto d = ParseDuration(r, at, fw + ".at");
      if (!d) continue;
      fs.at_ns = *d;
    }
    if (r.Child(f, "until").IsDefined()) {
      auto d = ParseDuration(r, r.Child(f, "until"), fw + ".until");
      if (!d) continue;
      if (*d <= fs.at_ns) {
        r.Error(r.Child(f, "until"), fw + ".until must be later than at");
        continue;
      }
      fs.until_ns = *d;
    }
    sc.faults.push_back(fs);
  }
}

}  // namespace

namespace {

// `expect:` (docs/scenario-format.md): named checks for `meshsim check`.
void LoadExpectations(Reader& r, const YAML::Node& n, Scenario& sc) {
  if (!n.IsDefined() || !r.IsList(n, "expect")) return;
  static const std::set<std::string> kKeys = {
      "name",       "traffic", "via",         "outcome", "denied_by",
      "latency_ms", "verify",  "no_findings", "findings"};
  static const std::set<std::string> kQuantiles = {"p50",  "p90",  "p99",
                                                   "p999", "mean", "max"};
  for (size_t i = 0; i < n.size(); ++i) {
    const YAML::Node e = n[i];
    const std::string what = "expect[" + std::to_string(i) + "]";
    if (!r.IsMap(e, what)) continue;
    CheckKeys(r, e, kKeys, what);
    Expectation x;
    x.location = r.Loc(e);
    x.name = r.String(r.Child(e, "name"), what + ".name").value_or("");
    x.traffic = r.String(r.Child(e, "traffic"), what + ".traffic").value_or("");
    const bool has_path_check = r.Child(e, "via").IsDefined() ||
                                r.Child(e, "outcome").IsDefined() ||
                                r.Child(e, "denied_by").IsDefined() ||
                                r.Child(e, "latency_ms").IsDefined();
    if (has_path_check && x.traffic.empty()) {
      r.Error(e, what +
                     ": via, outcome, denied_by and latency_ms need "
                     "'traffic: <entry name>'");
      continue;
    }
    if (!x.traffic.empty()) {
      bool known = false;
      std::vector<std::string> names;
      for (const TrafficEntry& t : sc.traffic) {
        known |= t.name == x.traffic;
        names.push_back(t.name);
      }
      if (!known) {
        const std::string hint = ClosestMatch(x.traffic, names);
        r.Error(r.Child(e, "traffic"),
                what + ".traffic: no traffic entry is named '" + x.traffic +
                    "'" +
                    (hint.empty() ? "" : " (did you mean '" + hint + "'?)"));
        continue;
      }
    }
    if (YAML::Node v = r.Child(e, "via"); v.IsDefined()) {
      if (r.IsList(v, what + ".via")) {
        std::vector<std::string> via;
        for (const YAML::Node& w : v)
          if (auto s = r.String(w, what + ".via[]")) via.push_back(*s);
        x.via = via;
      }
    }
    if (auto o = r.String(r.Child(e, "outcome"), what + ".outcome")) {
      if (*o != "delivered" && *o != "denied" && *o != "failed") {
        r.Error(r.Child(e, "outcome"), what +
                                           ".outcome: expected delivered, "
                                           "denied or failed, got '" +
                                           *o + "'");
        continue;
      }
      x.outcome = *o;
    }
    x.denied_by =
        r.String(r.Child(e, "denied_by"), what + ".denied_by").value_or("");
    if (!x.denied_by.empty() && x.outcome.empty()) x.outcome = "denied";
    if (YAML::Node l = r.Child(e, "latency_ms"); l.IsDefined()) {
      if (!r.IsMap(l, what + ".latency_ms")) continue;
      for (const auto& kv : l) {
        const std::string q = kv.first.Scalar();
        if (!kQuantiles.count(q)) {
          r.Error(kv.first, what +
                                ".latency_ms: expected one of p50, p90, "
                                "p99, p999, mean, max; got '" +
                                q + "'");
          continue;
        }
        if (!r.IsMap(kv.second, what + ".latency_ms." + q)) continue;
        CheckKeys(r, kv.second, {"min", "max"}, what + ".latency_ms." + q);
        auto bound = [&](const char* k) -> std::optional<double> {
          YAML::Node b = r.Child(kv.second, k);
          if (!b.IsDefined()) return std::nullopt;
          char* end = nullptr;
          const std::string s = b.IsScalar() ? b.Scalar() : "";
          double d = std::strtod(s.c_str(), &end);
          if (s.empty() || *end || !(d >= 0)) {
            r.Error(b, what + ".latency_ms." + q + "." + k +
                           ": expected a number of milliseconds >= 0, got " +
                           Reader::Describe(b));
            return std::nullopt;
          }
          return d;
        };
        x.latency_ms[q] = {bound("min"), bound("max")};
      }
    }
    for (const char* key : {"verify", "no_findings", "findings"}) {
      YAML::Node v = r.Child(e, key);
      if (!v.IsDefined()) continue;
      auto& out = std::string(key) == "verify"        ? x.verify
                  : std::string(key) == "no_findings" ? x.no_findings
                                                      : x.findings;
      const std::string w = what + "." + key;
      if (v.IsScalar()) {
        out.push_back(v.Scalar());
      } else if (r.IsList(v, w)) {
        for (const YAML::Node& p : v)
          if (auto s = r.String(p, w + "[]")) out.push_back(*s);
      }
      // Property and rule ids come from the catalogue (model/rules.h); an
      // unknown id would otherwise make a `no_findings` check vacuous.
      const bool property = std::string(key) == "verify";
      std::vector<std::string> ids;
      for (const Rule& rule : RuleCatalogue())
        if (rule.kind == RuleKind::kProperty ||
            (!property && rule.kind == RuleKind::kLint))
          ids.emplace_back(rule.id);
      for (const std::string& p : out) {
        if (std::find(ids.begin(), ids.end(), p) != ids.end()) continue;
        const std::string hint = ClosestMatch(p, ids);
        r.Error(v, w + ": expected " +
                       (property ? RuleIdList(RuleKind::kProperty)
                                 : "a property or lint rule id") +
                       ", got '" + p + "'" +
                       (hint.empty() ? "" : " (did you mean '" + hint + "'?)"));
      }
    }
    if (x.traffic.empty() && x.verify.empty() && x.no_findings.empty() &&
        x.findings.empty()) {
      r.Error(e, what +
                     ": expected something to check: traffic with via, "
                     "outcome, denied_by or latency_ms; verify; or "
                     "no_findings");
      continue;
    }
    if (x.name.empty()) {
      if (!x.traffic.empty()) {
        x.name = x.traffic;
        if (x.via) {
          std::string v;
          for (const std::string& w : *x.via) v += (v.empty() ? "" : ", ") + w;
          x.name += " via [" + v + "]";
        }
        if (!x.outcome.empty()) x.name += " " + x.outcome;
        if (!x.denied_by.empty()) x.name += " by " + x.denied_by;
        for (const auto& [q, b] : x.latency_ms) x.name += " " + q;
      } else if (!x.verify.empty()) {
        x.name = "proves";
        for (const std::string& p : x.verify) x.name += " " + p;
      } else if (!x.findings.empty()) {
        x.name = "finds";
        for (const std::string& p : x.findings) x.name += " " + p;
      } else {
        x.name = "no findings of";
        for (const std::string& p : x.no_findings) x.name += " " + p;
      }
    }
    sc.expect.push_back(std::move(x));
  }
}

}  // namespace

std::optional<Scenario> LoadScenarioText(const std::string& text,
                                         const std::string& file_label,
                                         const std::string& base_dir,
                                         Diagnostics& diags) {
  auto docs = io::ParseDocuments(text, file_label, diags);
  if (!docs) return std::nullopt;
  Reader r(file_label, diags);
  if (docs->empty() || !(*docs)[0].IsMap()) {
    diags.Error(
        docs->empty() ? SourceLocation{file_label, 1, 1} : r.Loc((*docs)[0]),
        "a scenario must be a map with 'clusters' and 'traffic', got " +
            (docs->empty() ? std::string("an empty file")
                           : Reader::Describe((*docs)[0])));
    return std::nullopt;
  }
  if (docs->size() > 1)
    r.Warning((*docs)[1],
              "a scenario file holds one document; the others are ignored");
  const YAML::Node root = (*docs)[0];
  CheckKeys(r, root, kTopKeys, "scenario");
  Scenario sc;
  sc.file = file_label;
  sc.mesh.name = r.String(r.Child(root, "name"), "name").value_or(file_label);
  LoadIstio(r, r.Child(root, "istio"), sc.mesh);
  YAML::Node clusters = r.Child(root, "clusters");
  if (!clusters.IsDefined()) {
    r.Error(root,
            "scenario: 'clusters' is required (a list of clusters with their "
            "manifests)");
    return sc;
  }
  if (r.IsList(clusters, "clusters")) {
    for (size_t i = 0; i < clusters.size(); ++i)
      LoadCluster(r, clusters[i], base_dir, i, sc.mesh);
  }
  sc.mesh.Finalize(diags);
  ValidatePolicyReferences(sc.mesh, diags);
  ValidateRouteAttachments(sc.mesh, diags);
  if (auto seed = r.Int(r.Child(root, "seed"), "seed", 0, (1ll << 62)))
    sc.seed = *seed;
  LoadPerformance(r, r.Child(root, "performance"), sc);
  LoadFaults(r, r.Child(root, "faults"), sc);
  YAML::Node traffic = r.Child(root, "traffic");
  if (r.IsList(traffic, "traffic")) {
    for (size_t i = 0; i < traffic.size(); ++i)
      LoadTraffic(r, traffic[i], i, sc);
  }
  LoadExpectations(r, r.Child(root, "expect"), sc);
  return sc;
}

std::optional<Scenario> LoadScenarioFile(const std::string& path,
                                         Diagnostics& diags,
                                         const std::string& manifest_dir) {
  auto text = io::ReadTextFile(path, SourceLocation{path, 0, 0},
                               "scenario file", diags);
  if (!text) return std::nullopt;
  std::string base = manifest_dir;
  if (base.empty()) base = fs::path(path).parent_path().string();
  if (base.empty()) base = ".";
  return LoadScenarioText(*text, path, base, diags);
}

}  // namespace meshsim
