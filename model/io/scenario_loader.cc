// Scenario files -> Scenario: the file, its clusters and their manifests;
// the other sections have a file each (scenario_sections.h). See loader.h
// and docs/scenario-format.md.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <set>
#include <thread>

#include "model/binding.h"
#include "model/io/files.h"
#include "model/io/loader.h"
#include "model/io/manifest_sink.h"
#include "model/io/scenario_sections.h"
#include "model/io/yaml_reader.h"
#include "model/labels.h"
#include "model/parallel.h"
#include "model/peering.h"
#include "model/policy.h"
#include "model/text.h"

namespace meshsim::io {

void CheckKeys(Reader& r, const yaml::Node& n,
               const std::set<std::string>& known, const std::string& where,
               const std::map<std::string, std::string>& unread) {
  if (!n.IsMap()) return;
  std::vector<std::string> known_list(known.begin(), known.end());
  for (auto it = n.begin(); it != n.end(); ++it) {
    if (!it->first.IsScalar()) {
      // `~: 1` or `? [a, b]`: no key meshsim reads is one.
      r.Warning(it->first, where + ": a key that is not a string (" +
                               Reader::Describe(it->first) + ") is ignored");
      continue;
    }
    const std::string key = it->first.Scalar();
    if (known.count(key)) continue;
    if (auto u = unread.find(key); u != unread.end()) {
      r.Warning(it->first,
                where + ": key '" + key +
                    "' is not read by meshsim and is ignored: " + u->second);
      continue;
    }
    r.Warning(it->first, where + ": unknown key '" + key + "' is ignored" +
                             DidYouMean(key, known_list));
  }
}

std::string DidYouMean(const std::string& word,
                       const std::vector<std::string>& candidates) {
  const std::string hint = ClosestMatch(word, candidates);
  return hint.empty() ? "" : " (did you mean '" + hint + "'?)";
}

std::optional<int64_t> ParseDuration(Reader& r, const yaml::Node& n,
                                     const std::string& what) {
  auto s = r.String(n, what);
  if (!s) return std::nullopt;
  size_t used = 0;
  const std::optional<double> number = io::DecimalNumber(*s, &used);
  const double v = number.value_or(-1);
  const std::string unit = s->substr(used);
  double scale = 0;
  if (unit.empty() || unit == "s")
    scale = 1e9;
  else if (unit == "ms")
    scale = 1e6;
  else if (unit == "us")
    scale = 1e3;
  else if (unit == "ns")
    scale = 1;
  else if (unit == "m")
    scale = 60e9;
  else if (unit == "h")
    scale = 3600e9;
  if (!number || scale == 0 || !(v > 0) || v * scale > 9e18) {
    r.Error(n, what +
                   " must be a positive duration like 10s, 500ms or 2m, got '" +
                   *s + "'");
    return std::nullopt;
  }
  // The simulator's clock counts nanoseconds; a shorter duration would round
  // to 0, which means "no end" to the run.
  if (v * scale < 1) {
    r.Error(n, what +
                   " must be at least 1ns (the simulator's resolution), got '" +
                   *s + "'");
    return std::nullopt;
  }
  return static_cast<int64_t>(std::llround(v * scale));
}

// "0", "0s", "0ms": the start of the run (a point in time, not a duration).
bool IsZeroDuration(const std::string& s) {
  return s == "0" || s == "0s" || s == "0ms" || s == "0us";
}

}  // namespace meshsim::io

namespace meshsim {

namespace fs = std::filesystem;
using io::Reader;

namespace {
std::atomic<void (*)(const std::string&, size_t)> manifest_heap_hook{nullptr};

// Keys of later stages (simulator, checks) that `paths` accepts and ignores.
const std::set<std::string> kTopKeys = {
    "name", "description", "istio",  "clusters", "traffic",
    "seed", "performance", "faults", "expect",   "sweep"};
// Keys some scenario files carry that no command reads: said, not silently
// dropped.
const std::map<std::string, std::string> kUnreadTopKeys = {
    {"network",
     "a cluster's network is `clusters[].network`, link latencies are "
     "`performance.network`"},
    {"verify",
     "`meshsim verify --property` chooses the properties, `expect: - verify:` "
     "states what `meshsim check` expects of them"}};

// One `manifests:` entry, read before the cluster's manifests are loaded
// (on a thread of their own, LoadClusters).
struct ManifestEntry {
  std::string rel;
  SourceLocation loc;
};

void LoadManifestPath(Reader& r, const ManifestEntry& m,
                      const std::string& base_dir, Cluster& cluster,
                      io::ManifestSink& sink) {
  const std::string* rel = &m.rel;
  const SourceLocation& entry = m.loc;
  // Untrusted input stays below its root (docs/security.md).
  const std::string where = "cluster " + cluster.name + ": manifest ";
  // An empty name would read the scenario's whole folder, itself included;
  // a NUL would end the name early (the rest silently dropped).
  if (rel->empty() || rel->find('\0') != std::string::npos) {
    r.diags().Error(
        entry, where +
                   (rel->empty() ? "'' is empty" : "name holds a NUL byte") +
                   ": expected a file or folder relative to the "
                   "scenario's folder, such as manifests/");
    return;
  }
  if (fs::path(*rel).is_absolute()) {
    r.diags().Error(entry,
                    where + "'" + *rel +
                        "' is an absolute path; manifests are named relative "
                        "to the scenario's folder (docs/security.md)");
    return;
  }
  const fs::path p = fs::path(base_dir) / *rel;
  const fs::path root = io::InputRootFor(base_dir);
  if (auto why = io::OutsideRoot(p, root)) {
    r.diags().Error(entry, where + *why);
    return;
  }
  std::error_code ec;
  std::vector<fs::path> files;
  if (fs::is_directory(p, ec)) {
    io::FileWalk walk = io::FilesUnder(p, {".yaml", ".yml", ".json"}, root);
    for (const std::string& e : walk.errors)
      r.diags().Error(entry, "cluster " + cluster.name + ": manifests: " + e);
    files = std::move(walk.files);
    if (files.empty() && walk.errors.empty())
      r.diags().Warning(entry, "manifest folder '" + *rel +
                                   "' holds no .yaml, .yml or .json files");
  } else {
    if (!fs::exists(p, ec)) {
      r.diags().Error(entry, "cluster " + cluster.name + ": manifest '" + *rel +
                                 "' does not exist (looked for " +
                                 p.lexically_normal().string() + ")");
      return;
    }
    files.push_back(p);
  }
  for (const fs::path& f : files) {
    std::string label = f.lexically_normal().string();
    auto text = io::ReadTextFile(f.string(), entry, "manifest", r.diags());
    if (!text) continue;
    if (auto* hook = manifest_heap_hook.load()) hook(f.string(), text->size());
    cluster.manifest_files.push_back(f.string());
    io::LoadManifestInto(*text, label, cluster, sink, r.diags());
  }
}

// What of a cluster's entry is loaded after its header: its manifests
// (possibly on a thread of their own) and inline resources.
struct ClusterBody {
  std::vector<ManifestEntry> manifests;
  yaml::Node resources;
};

// Reads one cluster's entry (name, nodes, peers, version, the manifests it
// names) into `mesh` and `sinks`; its manifests are loaded by LoadBody, its
// pods made later, by FinishCluster, once every cluster's count is known.
void LoadHeader(Reader& r, const yaml::Node& n, size_t index, Mesh& mesh,
                std::vector<io::ManifestSink>& sinks, ClusterBody& body) {
  const std::string where = "clusters[" + std::to_string(index) + "]";
  if (n.IsDefined() && n.IsNull())
    return r.Error(n, where +
                          " is empty (null): expected a cluster, a map "
                          "with name and manifests or resources");
  if (!r.IsMap(n, where)) return;
  if (index == io::kMaxClusters) {
    r.Error(n, "clusters: more than " + std::to_string(io::kMaxClusters) +
                   " clusters, the most meshsim models");
  }
  if (index >= io::kMaxClusters) return;
  io::CheckKeys(
      r, n,
      {"name", "network", "nodes", "manifests", "resources", "istio", "peers"},
      where);
  Cluster c;
  c.location = r.Loc(n);
  auto name = r.String(r.Child(n, "name"), where + ".name");
  if (!name || name->empty()) {
    r.Error(n, where + ".name is required");
    return;
  }
  c.name = *name;
  if (!io::IdentifierName(r, r.Child(n, "name"), where + ".name", c.name))
    return;
  if (mesh.FindCluster(c.name)) {
    r.Error(r.Child(n, "name"),
            where + ": cluster name '" + c.name +
                "' is used twice; cluster names must be unique");
    return;
  }
  c.network =
      r.String(r.Child(n, "network"), where + ".network").value_or(c.name);
  if (r.Child(n, "network").IsDefined()) {
    c.network_location = r.Loc(r.Child(n, "network"));
    io::IdentifierName(r, r.Child(n, "network"), where + ".network", c.network);
  }
  yaml::Node nodes = r.Child(n, "nodes");
  size_t mesh_nodes = 0, mesh_pods = 0;
  for (const Cluster& other : mesh.clusters) mesh_nodes += other.nodes.size();
  for (const io::ManifestSink& other : sinks)
    mesh_pods += other.declared_pods + other.replica_pods;
  // Both forms within the per-cluster and the mesh-wide node limits, checked
  // before any node is made (docs/robustness.md).
  std::optional<long long> count;
  if (nodes.IsScalar())
    count = r.Int(nodes, "cluster " + c.name + ": nodes", 1,
                  static_cast<long long>(io::kMaxNodesPerCluster));
  const size_t asked = count                ? static_cast<size_t>(*count)
                       : nodes.IsSequence() ? nodes.size()
                                            : 0;
  if (asked > io::kMaxNodesPerCluster ||
      mesh_nodes + asked > io::kMaxNodesPerMesh) {
    r.Error(nodes, "cluster " + c.name + ": " + std::to_string(asked) +
                       " nodes bring the scenario past what meshsim models (" +
                       std::to_string(io::kMaxNodesPerCluster) +
                       " per cluster, " + std::to_string(io::kMaxNodesPerMesh) +
                       " over all clusters)");
    return;
  }
  if (nodes.IsScalar()) {
    for (long long i = 0; count && i < *count; ++i)
      c.nodes.push_back({c.name + "-node-" + std::to_string(i), "", "", ""});
  } else if (r.IsList(nodes, "cluster " + c.name + ": nodes")) {
    for (size_t i = 0; i < nodes.size(); ++i) {
      const yaml::Node nd = nodes[i];
      std::string nw =
          "cluster " + c.name + ": nodes[" + std::to_string(i) + "]";
      if (!r.IsMap(nd, nw)) continue;
      io::CheckKeys(r, nd, {"name", "zone", "region", "subzone"}, nw);
      Node node;
      node.name = r.String(r.Child(nd, "name"), nw + ".name")
                      .value_or(c.name + "-node-" + std::to_string(i));
      node.zone = r.String(r.Child(nd, "zone"), nw + ".zone").value_or("");
      node.region =
          r.String(r.Child(nd, "region"), nw + ".region").value_or("");
      node.subzone =
          r.String(r.Child(nd, "subzone"), nw + ".subzone").value_or("");
      for (const auto& [key, value] :
           std::vector<std::pair<const char*, const std::string*>>{
               {"name", &node.name},
               {"zone", &node.zone},
               {"region", &node.region},
               {"subzone", &node.subzone}})
        if (r.Child(nd, key).IsDefined())
          io::IdentifierName(r, r.Child(nd, key), nw + "." + key, *value);
      c.nodes.push_back(node);
    }
  }
  if (c.nodes.empty()) c.nodes.push_back({c.name + "-node-0", "", "", ""});
  // §15.2: the clusters this one imports from with peering (checked once
  // every cluster is known).
  if (yaml::Node peers = r.Child(n, "peers"); peers.IsDefined()) {
    c.peers = r.StringList(peers, "cluster " + c.name + ": peers");
    c.peers_location = r.Loc(peers);
  }
  yaml::Node ci = r.Child(n, "istio");
  if (r.IsMap(ci, "cluster " + c.name + ": istio")) {
    c.version = io::ParseVersion(r, r.Child(ci, "version"),
                                 "cluster " + c.name + ": istio.version");
  }
  io::ManifestSink sink;
  sink.revision = mesh.istio.revision;
  sink.root_namespace = mesh.istio.root_namespace;
  sink.version = c.version.value_or(mesh.istio.version);
  sink.ztunnel_filters_revision =
      c.version.value_or(mesh.istio.version).AtLeast(1, 25);
  sink.mesh_pods_left =
      io::kMaxPodsPerMesh - std::min(io::kMaxPodsPerMesh, mesh_pods);
  // A null entry, or a key written with no value, reads nothing: an error,
  // so a gate never passes on less than it was given (docs/security.md).
  auto null = [&](const yaml::Node& m, const std::string& what) {
    if (!m.IsDefined() || !m.IsNull()) return false;
    r.Error(m, "cluster " + c.name + ": " + what +
                   " is empty (null): expected " +
                   (what.rfind("resources", 0) == 0
                        ? "a Kubernetes object"
                        : "a file or folder relative to the scenario's "
                          "folder, such as manifests/") +
                   "; leave it out if there is none");
    return true;
  };
  auto entry = [&](const yaml::Node& m, const std::string& what) {
    if (null(m, what)) return;
    if (auto rel = r.String(m, "cluster " + c.name + ": manifests[]"))
      body.manifests.push_back({*rel, r.Loc(m)});
  };
  yaml::Node manifests = r.Child(n, "manifests");
  if (manifests.IsScalar()) {
    entry(manifests, "manifests");
  } else if (!null(manifests, "manifests") &&
             r.IsList(manifests, "cluster " + c.name + ": manifests")) {
    size_t i = 0;
    for (const yaml::Node& m : manifests)
      entry(m, "manifests[" + std::to_string(i++) + "]");
  }
  yaml::Node resources = r.Child(n, "resources");
  if (!null(resources, "resources") &&
      r.IsList(resources, "cluster " + c.name + ": resources")) {
    body.resources = resources;
    size_t i = 0;
    for (const yaml::Node& m : resources)
      null(m, "resources[" + std::to_string(i++) + "]");
  }
  mesh.clusters.push_back(std::move(c));
  sinks.push_back(std::move(sink));
}

void LoadManifests(Reader& r, const ClusterBody& body,
                   const std::string& base_dir, Cluster& c,
                   io::ManifestSink& sink) {
  for (const ManifestEntry& m : body.manifests)
    LoadManifestPath(r, m, base_dir, c, sink);
}

void LoadResources(Reader& r, const ClusterBody& body, Cluster& c,
                   io::ManifestSink& sink) {
  if (body.resources.IsDefined())
    io::LoadParsedObjects(r, body.resources, c, sink);
}

// Every cluster of the scenario. `parallel`: each cluster's manifests on a
// thread of its own, every cluster given the whole mesh's pod budget;
// false when that budget is exceeded, so that the cluster that crossed it
// is refused as one thread would (ManifestSink::mesh_pods_left). Each
// cluster reports into its own diagnostics, appended in cluster order: the
// same diagnostics in the same order either way.
bool LoadClusters(const std::string& file, const yaml::Node& clusters,
                  const std::string& base_dir, Mesh& mesh,
                  std::vector<io::ManifestSink>& sinks, Diagnostics& diags,
                  bool parallel) {
  const size_t n = clusters.size();
  std::vector<Diagnostics> per(n);
  std::vector<ClusterBody> bodies(n);
  std::vector<int> slot(n, -1);  // index into mesh.clusters, if loaded
  for (size_t i = 0; i < n; ++i) {
    Reader ri(file, per[i]);
    const size_t before = mesh.clusters.size();
    LoadHeader(ri, clusters[i], i, mesh, sinks, bodies[i]);
    if (mesh.clusters.size() == before) continue;
    slot[i] = static_cast<int>(before);
    if (parallel) {
      sinks.back().mesh_pods_left = io::kMaxPodsPerMesh;
      continue;
    }
    LoadManifests(ri, bodies[i], base_dir, mesh.clusters.back(), sinks.back());
    LoadResources(ri, bodies[i], mesh.clusters.back(), sinks.back());
  }
  if (parallel) {
    // Pods made so far: a cluster's are made as soon as its manifests are
    // read, while the mesh's budget holds them, so that its sink's memory
    // is freed for the next cluster's instead of every sink waiting for the
    // last (at 10x, 30 MB a cluster of moved-from objects touched twice).
    std::atomic<size_t> made{0};
    ParallelFor(n, HardwareJobs(n), [&](size_t i) {
      if (slot[i] < 0) return;
      Reader ri(file, per[i]);
      io::ManifestSink& sink = sinks[slot[i]];
      LoadManifests(ri, bodies[i], base_dir, mesh.clusters[slot[i]], sink);
      if (bodies[i].resources.IsDefined() || sink.over_mesh_limit) return;
      const size_t pods = sink.declared_pods + sink.replica_pods;
      if (made.fetch_add(pods) + pods <= io::kMaxPodsPerMesh)
        io::FinishCluster(mesh.clusters[slot[i]], sink);
    });
    // Inline resources share the scenario's YAML document: one thread.
    for (size_t i = 0; i < n; ++i) {
      if (slot[i] < 0) continue;
      Reader ri(file, per[i]);
      LoadResources(ri, bodies[i], mesh.clusters[slot[i]], sinks[slot[i]]);
    }
    size_t pods = 0;
    for (const io::ManifestSink& sink : sinks) {
      pods += sink.declared_pods + sink.replica_pods;
      if (sink.over_mesh_limit || pods > io::kMaxPodsPerMesh) return false;
    }
  }
  for (const Diagnostics& d : per) diags.Append(d);
  return true;
}

// §15.2: `peers:` names other clusters of the scenario, and means
// something only with peering on.
void CheckPeers(const Mesh& mesh, Diagnostics& diags) {
  std::vector<std::string> names;
  for (const Cluster& c : mesh.clusters) names.push_back(c.name);
  for (const Cluster& c : mesh.clusters) {
    if (!c.peers) continue;
    if (!PeeringEnabled(mesh.istio))
      diags.Warning(c.peers_location,
                    "cluster " + c.name +
                        ": peers is read only with peering (istio: "
                        "{distribution: solo, flags: "
                        "{ENABLE_PEERING_DISCOVERY: true}}, §15.2); ignored");
    for (const std::string& p : *c.peers) {
      if (p == c.name)
        diags.Error(c.peers_location,
                    "cluster " + c.name + ": peers names the cluster itself");
      else if (!mesh.FindCluster(p))
        diags.Error(c.peers_location,
                    "cluster " + c.name + ": peers names '" + p +
                        "', which is not a cluster of the scenario" +
                        io::DidYouMean(p, names));
    }
  }
}

// §7.1 (networks.go LocalSystemNamespaceNetwork): istiod takes its
// cluster's network from the topology.istio.io/network label on its own
// namespace. The label wins over the scenario's `network:`; when both are
// given and differ, a warning says which is used; when neither is, in a
// mesh of several clusters, a warning says meshsim's default is not
// istiod's.
void ApplySystemNamespaceNetwork(Mesh& mesh, Diagnostics& diags) {
  for (Cluster& c : mesh.clusters) {
    const Namespace* ns = c.FindNamespace(mesh.istio.root_namespace);
    const std::string* net =
        ns ? FindLabel(ns->labels, kLabelNetwork) : nullptr;
    // §7.1 (networks.go): without the label istiod's network is "", one
    // network for every such cluster; meshsim's default, the cluster's
    // name, gives each its own.
    if ((!net || net->empty()) && !c.network_location &&
        mesh.clusters.size() > 1)
      diags.Warning(c.location,
                    "cluster " + c.name +
                        ": no network: meshsim puts it on a network of its "
                        "own, " +
                        c.name + ", but istiod (no " + kLabelNetwork +
                        " label on Namespace " + mesh.istio.root_namespace +
                        ") puts every such cluster on one unnamed network, "
                        "whose pods reach each other directly (§7.1); set "
                        "clusters[].network");
    if (!net || net->empty() || *net == c.network) continue;
    if (c.network_location)
      diags.Warning(*c.network_location,
                    "cluster " + c.name + ": network is " + c.network +
                        ", but Namespace " + ns->name + " is labelled " +
                        kLabelNetwork + "=" + *net +
                        ", which istiod reads as the cluster's network: "
                        "meshsim uses " +
                        *net + " (§7.1); make the two agree");
    c.network = *net;
  }
}

}  // namespace

std::optional<Scenario> LoadScenarioText(const std::string& text,
                                         const std::string& file_label,
                                         const std::string& base_dir,
                                         Diagnostics& diags,
                                         const ScenarioOverrides* overrides) {
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
  const yaml::Node root = (*docs)[0];
  io::CheckKeys(r, root, kTopKeys, "scenario", kUnreadTopKeys);
  Scenario sc;
  sc.file = file_label;
  sc.mesh.name = r.String(r.Child(root, "name"), "name").value_or(file_label);
  if (r.Child(root, "name").IsDefined())
    io::PlainText(r, r.Child(root, "name"), "name", sc.mesh.name);
  io::LoadIstio(r, r.Child(root, "istio"), sc.mesh);
  if (overrides) {
    if (overrides->version) sc.mesh.istio.version = *overrides->version;
    sc.mesh.replica_overrides = overrides->replicas;
  }
  yaml::Node clusters = r.Child(root, "clusters");
  if (!clusters.IsDefined() || clusters.IsNull() ||
      (clusters.IsSequence() && clusters.size() == 0)) {
    r.Error(clusters.IsDefined() ? clusters : root,
            std::string("scenario: 'clusters' is ") +
                (clusters.IsDefined() ? "empty" : "required") +
                " (a list of clusters with their manifests)");
    return sc;
  }
  if (r.IsList(clusters, "clusters")) {
    std::vector<io::ManifestSink> sinks;
    if (!LoadClusters(file_label, clusters, base_dir, sc.mesh, sinks, diags,
                      /*parallel=*/clusters.size() > 1)) {
      // Past the mesh's pod budget: again on one thread, to refuse exactly
      // what crossed it.
      sc.mesh.clusters.clear();
      sinks.clear();
      LoadClusters(file_label, clusters, base_dir, sc.mesh, sinks, diags,
                   false);
    }
    // Pods are made only when the whole scenario is within the mesh's
    // limit; past it the scenario is refused here, before any allocation.
    for (const io::ManifestSink& sink : sinks)
      if (sink.over_mesh_limit) return sc;
    // Each cluster's pods made from its own sink: a thread per cluster.
    ParallelFor(sinks.size(), HardwareJobs(sinks.size()), [&](size_t i) {
      if (!sinks[i].finished) io::FinishCluster(sc.mesh.clusters[i], sinks[i]);
    });
    CheckPeers(sc.mesh, diags);
    ApplySystemNamespaceNetwork(sc.mesh, diags);
  }
  sc.mesh.Finalize(diags);
  ValidatePolicyReferences(sc.mesh, diags);
  ValidateRouteAttachments(sc.mesh, diags);
  // A whole number from 0 to 2^64 - 1: every seed `run --replications`
  // prints, and --seed takes, is one.
  if (const yaml::Node seed = r.Child(root, "seed"); seed.IsDefined()) {
    const std::string v =
        seed.IsScalar() ? seed.Scalar() : (seed.IsMap() ? "a map" : "a list");
    if (const std::string bad = SeedError(v); bad.empty())
      sc.seed = std::stoull(v);
    else
      r.Error(seed, "seed: " + bad);
  }
  io::LoadPerformance(r, r.Child(root, "performance"), sc);
  io::LoadFaults(r, r.Child(root, "faults"), sc);
  const std::vector<io::RawTrafficEntry> traffic =
      io::ParseTraffic(r, r.Child(root, "traffic"));
  const std::set<std::string> unresolved =
      io::ResolveTraffic(traffic, sc, diags);
  if (overrides && overrides->rate_multiplier != 1.0) {
    // Open-loop rates and profiles scale; a closed loop's clients do not.
    for (TrafficEntry& t : sc.traffic) {
      t.rate *= overrides->rate_multiplier;
      for (auto& [at, rate] : t.profile) rate *= overrides->rate_multiplier;
    }
  }
  io::LoadSweep(r, r.Child(root, "sweep"), sc);
  if (overrides && overrides->faults && *overrides->faults != "all") {
    // A sweep point's failure scenario: the faults of that name only.
    std::vector<FaultSpec> kept;
    for (const FaultSpec& f : sc.faults)
      if (f.name == *overrides->faults) kept.push_back(f);
    sc.faults = std::move(kept);
  }
  io::LoadExpectations(r, r.Child(root, "expect"), sc, unresolved);
  return sc;
}

namespace {
std::atomic<void (*)(bool)> loading_heap_hook{nullptr};
std::atomic<int> loading_depth{0};

// While alive, the scenario loading is the heap's (SetLoadingHeapHook).
class LoadingHeapPhase {
 public:
  LoadingHeapPhase() {
    if (loading_depth.fetch_add(1) == 0) Call(true);
  }
  ~LoadingHeapPhase() {
    if (loading_depth.fetch_sub(1) == 1) Call(false);
  }
  LoadingHeapPhase(const LoadingHeapPhase&) = delete;
  LoadingHeapPhase& operator=(const LoadingHeapPhase&) = delete;

 private:
  static void Call(bool on) {
    if (auto* hook = loading_heap_hook.load()) hook(on);
  }
};
}  // namespace

void SetLoadingHeapHook(void (*hook)(bool loading)) {
  loading_heap_hook.store(hook);
}

void SetManifestHeapHook(void (*hook)(const std::string& path, size_t bytes)) {
  manifest_heap_hook.store(hook);
}

std::optional<Scenario> LoadScenarioFile(const std::string& path,
                                         Diagnostics& diags,
                                         const std::string& manifest_dir,
                                         const ScenarioOverrides* overrides) {
  const LoadingHeapPhase loading;
  // The file named may itself be a link planted in the checkout
  // (docs/security.md): read it only below the input root.
  {
    const fs::path dir = fs::path(path).parent_path();
    if (auto why = io::OutsideRoot(path, io::InputRootFor(dir))) {
      diags.Error(SourceLocation{path, 0, 0}, "scenario file " + *why);
      return std::nullopt;
    }
  }
  auto text = io::ReadTextFile(path, SourceLocation{path, 0, 0},
                               "scenario file", diags);
  if (!text) return std::nullopt;
  std::string base = manifest_dir;
  if (base.empty()) base = fs::path(path).parent_path().string();
  if (base.empty()) base = ".";
  return LoadScenarioText(*text, path, base, diags, overrides);
}

}  // namespace meshsim
