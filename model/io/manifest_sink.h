// Internal: objects read from a cluster's manifests that are turned into
// pods only once every file of that cluster has been read (a kubectl dump
// lists Deployments, ReplicaSets and their Pods; only one of them may count).
#ifndef MESHSIM_MODEL_IO_MANIFEST_SINK_H_
#define MESHSIM_MODEL_IO_MANIFEST_SINK_H_

#include <deque>
#include <map>
#include <optional>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "model/io/yaml_reader.h"
#include "model/mesh.h"

namespace meshsim::io {

struct PendingPod {
  Workload workload;
  std::string owner_kind;  // from metadata.ownerReferences[0]
  std::string owner_name;
  std::string dns_name;  // §3.3: "hostname.subdomain" when both are set
};

struct PendingController {
  std::string kind;  // Deployment | StatefulSet | DaemonSet | ReplicaSet
  std::string ns;
  std::string name;
  Labels labels;
  int replicas = 1;
  std::string owner_kind;
  std::string owner_name;
  Workload pod_template;
  SourceLocation location;
  std::string service_name;  // §3.3: a StatefulSet's spec.serviceName
};

using SkippedKind = std::pair<SourceLocation, int>;  // first location, count

// The most pods of each origin (Pods written in the manifests, pods that
// controllers create) one cluster may hold (docs/robustness.md).
constexpr size_t kMaxPodsPerCluster = 200000;
// Mesh-wide limits, checked before anything is allocated: the per-cluster
// limits alone let a few lines of YAML ask for millions of pods across
// clusters (docs/robustness.md).
constexpr size_t kMaxPodsPerMesh = 500000;
constexpr size_t kMaxClusters = 256;
constexpr size_t kMaxNodesPerCluster = 10000;
constexpr size_t kMaxNodesPerMesh = 100000;

struct ManifestSink {
  // Deques: appended one by one and only walked, never moved as they grow
  // (a controller holds a whole pod template; 20,000 per cluster at 10x).
  std::deque<PendingPod> pods;
  std::deque<PendingController> controllers;
  // Services and ServiceEntries in document order; FinishCluster moves
  // them into the cluster's vector in one allocation (a doubling vector
  // moved each 568-byte Service about twice and touched twice the memory).
  std::deque<Service> services;
  std::map<std::string, SkippedKind> skipped;  // per file
  size_t nodes = 0;                            // the cluster's, for DaemonSets
  size_t declared_pods = 0;
  size_t replica_pods = 0;
  // Pods of both origins this cluster may hold before the scenario passes
  // kMaxPodsPerMesh (what the clusters before it left).
  size_t mesh_pods_left = kMaxPodsPerMesh;
  bool over_mesh_limit = false;  // an object was refused by kMaxPodsPerMesh
  bool finished = false;         // FinishCluster made its pods
  // §16.11: the revision of the istiod serving the cluster (nullopt: read
  // every object), and whether its release filters ztunnel's policies and
  // entries by revision too (1.25 and later).
  std::optional<std::string> revision;
  std::string root_namespace = "istio-system";  // §16.5's warning
  // The cluster's Istio release, for what its validation refuses.
  IstioVersion version;
  bool ztunnel_filters_revision = true;
  // "Kind ns/name" of the configuration objects read so far (DuplicateObject).
  std::unordered_set<std::string> loaded;
};

void LoadManifestInto(const std::string& text, const std::string& file,
                      Cluster& cluster, ManifestSink& sink, Diagnostics& diags);
// Adds already-parsed objects (a scenario's inline `resources` list), keeping
// their locations in the scenario file.
void LoadParsedObjects(Reader& r, const yaml::Node& objects, Cluster& cluster,
                       ManifestSink& sink);
// Expands controllers into pods and moves everything into the cluster.
void FinishCluster(Cluster& cluster, ManifestSink& sink);

}  // namespace meshsim::io

#endif  // MESHSIM_MODEL_IO_MANIFEST_SINK_H_
