// Workloads: Namespace, Pod, the controllers (Deployment, StatefulSet,
// DaemonSet, ReplicaSet) and WorkloadEntry; FinishCluster turns what was read
// into the cluster's pods. See kinds.h.
#include <iterator>
#include <set>

#include "model/binding.h"
#include "model/io/kinds.h"
#include "model/labels.h"

namespace meshsim::io {

namespace {

// Pod template / Pod spec fields shared by Pods and controllers.
void ReadPodSpec(Reader& r, const yaml::Node& spec, const std::string& what,
                 Workload& w) {
  if (!spec.IsDefined()) return;
  if (!r.IsMap(spec, what)) return;
  w.node = r.String(r.Child(spec, "nodeName"), what + ".nodeName").value_or("");
  w.host_network = r.Bool(r.Child(spec, "hostNetwork"), what + ".hostNetwork")
                       .value_or(false);
  w.service_account = r.String(r.Child(spec, "serviceAccountName"),
                               what + ".serviceAccountName")
                          .value_or(r.String(r.Child(spec, "serviceAccount"),
                                             what + ".serviceAccount")
                                        .value_or("default"));
  yaml::Node containers = r.Child(spec, "containers");
  if (!r.IsList(containers, what + ".containers")) return;
  for (size_t i = 0; i < containers.size(); ++i) {
    const yaml::Node c = containers[i];
    if (!r.IsMap(c, what + ".containers[" + std::to_string(i) + "]")) continue;
    auto cname = r.String(r.Child(c, "name"), what + ".containers[].name");
    if (cname && *cname == "istio-proxy") w.sidecar_injected = true;
    // A proxy's capacity comes from `performance` (docs/latency-model.md),
    // never from its CPU limit: say so where a sizing study would set one.
    if (cname && *cname == "istio-proxy") {
      const yaml::Node cpu = c["resources"]["limits"]["cpu"];
      if (cpu.IsDefined())
        r.Warning(cpu, what + ".containers[" + std::to_string(i) +
                           "] (istio-proxy): meshsim does not model CPU "
                           "limits; a proxy's capacity is its service time "
                           "and workers in the scenario's `performance` "
                           "(docs/latency-model.md)");
    }
    yaml::Node ports = r.Child(c, "ports");
    if (!r.IsList(ports, what + ".containers[].ports")) continue;
    for (const yaml::Node& p : ports) {
      if (!p.IsMap()) continue;
      ContainerPort cp;
      cp.name =
          r.String(r.Child(p, "name"), what + ".ports[].name").value_or("");
      cp.port =
          static_cast<int>(r.Int(r.Child(p, "containerPort"),
                                 what + ".ports[].containerPort", 1, 65535)
                               .value_or(0));
      w.ports.push_back(cp);
    }
  }
}

void ReadWorkloadMeta(const ObjectHeader& h, Workload& w) {
  w.ns = h.ns;
  w.labels = h.labels;
  w.annotations = h.annotations;
  w.label_locations = h.label_locs;
  w.location = h.loc;
  if (FindLabel(w.annotations, kAnnotationSidecarStatus))
    w.sidecar_injected = true;
}

}  // namespace

// Adds `pods` to `count` (Pods written, or pods controllers will create);
// false, with an error, past the sink's budget: a few lines of replicas must
// not exhaust memory (docs/robustness.md).
bool CountPods(Reader& r, const ObjectHeader& h, const yaml::Node& obj,
               size_t pods, size_t& count, ManifestSink& sink) {
  const size_t in_cluster = sink.declared_pods + sink.replica_pods;
  if (pods > sink.mesh_pods_left || in_cluster + pods > sink.mesh_pods_left) {
    r.Error(obj, h.what + ": its " + std::to_string(pods) +
                     " pods bring the scenario to more than " +
                     std::to_string(kMaxPodsPerMesh) +
                     " pods over all clusters, the most meshsim models");
    sink.over_mesh_limit = true;
    return false;
  }
  if (pods > kMaxPodsPerCluster || count + pods > kMaxPodsPerCluster) {
    r.Error(obj, h.what + ": its " + std::to_string(pods) +
                     " pods bring the cluster to more than " +
                     std::to_string(kMaxPodsPerCluster) +
                     " pods, the most meshsim models (Kubernetes is tested up "
                     "to 150000 per cluster)");
    return false;
  }
  count += pods;
  return true;
}

namespace {

// metadata.ownerReferences[0], the object's controller, if any.
void ReadOwner(Reader& r, const ObjectHeader& h, const yaml::Node& obj,
               std::string& owner_kind, std::string& owner_name) {
  yaml::Node owners = r.Child(r.Child(obj, "metadata"), "ownerReferences");
  if (owners.IsSequence() && owners.size() > 0 && owners[0].IsMap()) {
    owner_kind = r.String(r.Child(owners[0], "kind"),
                          h.what + ": ownerReferences[0].kind")
                     .value_or("");
    owner_name = r.String(r.Child(owners[0], "name"),
                          h.what + ": ownerReferences[0].name")
                     .value_or("");
  }
}

}  // namespace

void LoadNamespace(Reader& r, const ObjectHeader& h, const yaml::Node& obj,
                   Cluster& cluster, ManifestSink& sink) {
  Namespace& ns = cluster.namespaces[h.name];
  if (ns.declared) {
    r.Warning(obj, "Namespace " + h.name + " is defined twice in cluster " +
                       cluster.name +
                       "; the labels of the first definition are used");
    return;
  }
  ns.name = h.name;
  ns.labels = h.labels;
  ns.annotations = h.annotations;
  ns.location = h.loc;
  ns.declared = true;
}

void LoadPod(Reader& r, const ObjectHeader& h, const yaml::Node& obj,
             Cluster& cluster, ManifestSink& sink) {
  PendingPod p;
  Workload& w = p.workload;
  ReadWorkloadMeta(h, w);
  w.kind = "Pod";
  w.name = h.name;
  w.owner = h.name;
  w.owner_kind = "Pod";
  ReadPodSpec(r, r.Child(obj, "spec"), h.what + ": spec", w);
  // §3.3: a pod with both spec.hostname and spec.subdomain has a DNS name
  // of its own under the headless Service its subdomain names.
  if (const yaml::Node spec = r.Child(obj, "spec"); spec.IsMap()) {
    const std::string host =
        r.String(r.Child(spec, "hostname"), h.what + ": spec.hostname")
            .value_or("");
    const std::string sub =
        r.String(r.Child(spec, "subdomain"), h.what + ": spec.subdomain")
            .value_or("");
    if (!host.empty() && !sub.empty()) p.dns_name = host + "." + sub;
  }
  yaml::Node status = r.Child(obj, "status");
  if (status.IsMap()) {
    w.ip = r.String(r.Child(status, "podIP"), h.what + ": status.podIP")
               .value_or("");
    if (!w.ip.empty() && !IsIpAddress(w.ip)) {
      r.Error(r.Child(status, "podIP"),
              h.what + ": status.podIP '" + w.ip +
                  "' is not an IP address (IPv4 or IPv6)");
      w.ip.clear();
    }
    auto phase = r.String(r.Child(status, "phase"), h.what + ": status.phase");
    if (phase && *phase != "Running") w.ready = false;
    // §3.6: an ended pod is no endpoint at all (istiod makes no workload
    // of it; the EndpointSlice controller leaves it out), nor is a pod not
    // running that has no address yet.
    w.terminal = phase && (*phase == "Succeeded" || *phase == "Failed" ||
                           (*phase != "Running" && w.ip.empty() &&
                            r.Child(status, "podIPs").size() == 0));
    // §3.6: a pod whose status has a phase or conditions is ready only
    // with a Ready condition "True" (IsPodReady; TestPodWorkloads "simple
    // pod not ready": Running with an address and no conditions is
    // UNHEALTHY). Choice: a status with neither (only an address, which no
    // cluster writes) or no status at all is a hand-written running pod.
    yaml::Node conds = r.Child(status, "conditions");
    bool ready_true = false, listed = false;
    for (size_t i = 0; conds.IsSequence() && i < conds.size(); ++i)
      if (conds[i].IsMap() && r.Child(conds[i], "type").Scalar() == "Ready") {
        listed = true;  // the first Ready counts
        ready_true = r.Child(conds[i], "status").Scalar() == "True";
        break;
      }
    if (!ready_true && (listed || phase)) w.ready = false;
    if (!listed && phase && *phase == "Running")
      r.Warning(status,
                h.what +
                    ": status has no Ready condition, so Istio and the "
                    "EndpointSlice controller count the pod not ready "
                    "(§3.6); add conditions: [{type: Ready, status: "
                    "\"True\"}], or leave status out for a running pod");
  }
  // §3.6: a terminating pod is not ready (istiod marks it UNHEALTHY, the
  // EndpointSlice controller not ready).
  if (r.Child(r.Child(obj, "metadata"), "deletionTimestamp").IsScalar())
    w.ready = false;
  ReadOwner(r, h, obj, p.owner_kind, p.owner_name);
  if (!CountPods(r, h, obj, 1, sink.declared_pods, sink)) return;
  sink.pods.push_back(std::move(p));
}

namespace {

// The API server's check of an apps/v1 controller: spec.selector is given,
// not empty, and matches the pod template's labels (else its pods would not
// be its own); an error otherwise, and the controller makes no pods.
bool SelectorMatchesTemplate(Reader& r, const ObjectHeader& h,
                             const yaml::Node& spec, const Labels& labels) {
  const yaml::Node sel = r.Child(spec, "selector");
  if (!sel.IsDefined() || sel.IsNull()) {
    r.Error(spec, h.what +
                      ": spec.selector is required (apps/v1): a label "
                      "selector matching spec.template.metadata.labels, "
                      "e.g. {matchLabels: {app: " +
                      h.name + "}}");
    return false;
  }
  if (!r.IsMap(sel, h.what + ": spec.selector")) return false;
  const LabelSelector s = ReadLabelSelector(r, sel, h.what + ": spec.selector");
  if (s.match_labels.empty() && s.expressions.empty()) {
    r.Error(sel, h.what +
                     ": spec.selector is empty; the API server refuses an "
                     "empty selector for a " +
                     h.kind);
    return false;
  }
  if (s.Matches(labels)) return true;
  r.Error(sel, h.what +
                   ": spec.selector does not match "
                   "spec.template.metadata.labels (the API server refuses "
                   "the " +
                   h.kind + ": its pods would not be its own)");
  return false;
}

}  // namespace

void LoadController(Reader& r, const ObjectHeader& h, const yaml::Node& obj,
                    Cluster& cluster, ManifestSink& sink) {
  PendingController c = Named<PendingController>(h);
  c.kind = h.kind;
  c.labels = h.labels;
  yaml::Node spec;
  if (!RequireSpec(r, h, obj, spec)) return;
  if (h.kind != "DaemonSet") {
    yaml::Node rep = r.Child(spec, "replicas");
    c.replicas = static_cast<int>(
        r.Int(rep, h.what + ": spec.replicas", 0, 100000).value_or(1));
  }
  if (h.kind == "StatefulSet")
    c.service_name =
        r.String(r.Child(spec, "serviceName"), h.what + ": spec.serviceName")
            .value_or("");
  ReadOwner(r, h, obj, c.owner_kind, c.owner_name);
  yaml::Node tmpl = r.Child(spec, "template");
  Workload& w = c.pod_template;
  w.kind = "Pod";
  w.ns = h.ns;
  w.location = h.loc;
  if (r.IsMap(tmpl, h.what + ": spec.template")) {
    yaml::Node tmd = r.Child(tmpl, "metadata");
    std::map<std::string, SourceLocation> locs;
    w.labels =
        r.StringMap(r.Child(tmd, "labels"),
                    h.what + ": spec.template.metadata.labels", true, &locs,
                    /*label_keys=*/true)
            .value_or(Labels{});
    w.label_locations = locs;
    w.annotations = r.StringMap(r.Child(tmd, "annotations"),
                                h.what + ": spec.template.metadata.annotations",
                                false, nullptr)
                        .value_or(Labels{});
    if (FindLabel(w.annotations, kAnnotationSidecarStatus))
      w.sidecar_injected = true;
    ReadPodSpec(r, r.Child(tmpl, "spec"), h.what + ": spec.template.spec", w);
  }
  if (!SelectorMatchesTemplate(r, h, spec, w.labels)) return;
  // A Deployment's ReplicaSet does not add pods of its own.
  const bool owned = c.kind == "ReplicaSet" && c.owner_kind == "Deployment";
  const size_t pods = c.kind == "DaemonSet" ? sink.nodes
                      : owned               ? 0
                                            : static_cast<size_t>(c.replicas);
  if (!CountPods(r, h, obj, pods, sink.replica_pods, sink)) return;
  sink.controllers.push_back(std::move(c));
}

void LoadWorkloadEntry(Reader& r, const ObjectHeader& h, const yaml::Node& obj,
                       Cluster& cluster, ManifestSink& sink) {
  Workload w;
  ReadWorkloadMeta(h, w);
  w.kind = "WorkloadEntry";
  w.name = h.name;
  w.owner = h.name;
  w.owner_kind = "WorkloadEntry";
  yaml::Node spec = r.Child(obj, "spec");
  if (r.IsMap(spec, h.what + ": spec")) {
    w.ip = r.String(r.Child(spec, "address"), h.what + ": spec.address")
               .value_or("");
    auto sl = r.StringMap(r.Child(spec, "labels"), h.what + ": spec.labels",
                          true, &w.label_locations, /*label_keys=*/true);
    if (sl)
      for (const auto& [k, v] : *sl) w.labels.emplace(k, v);
    w.network = r.String(r.Child(spec, "network"), h.what + ": spec.network")
                    .value_or("");
    w.service_account = r.String(r.Child(spec, "serviceAccount"),
                                 h.what + ": spec.serviceAccount")
                            .value_or("default");
    std::map<std::string, int> ports;
    ReadEndpointPorts(r, r.Child(spec, "ports"), h.what + ": spec.ports",
                      ports);
    for (const auto& [name, port] : ports) w.ports.push_back({name, port});
    if (const std::string bad = EndpointAddressError(w.ip, !ports.empty());
        !bad.empty()) {
      r.Error(r.Child(spec, "address"),
              h.what + ": spec.address '" + w.ip + "': " + bad +
                  " (istiod's validation refuses it)");
      return;
    }
  }
  // §3.4: without an address (TestAmbientIndex_EmptyAddrWorkloadEntries)
  // ztunnel uses it only from another network, through that network's
  // gateway (a local istio-remote Gateway, not modelled); nobody dials it.
  if (w.ip.empty()) {
    r.Warning(obj, h.what +
                       " has no spec.address: ztunnel reaches it only from "
                       "another network through that network's gateway "
                       "(not modelled), so meshsim leaves it out (§3.4)");
    return;
  }
  // §1.1: its labels (metadata and spec, as istiod merges them) and
  // annotations say whether it speaks HBONE.
  w.hbone_tunnel = SpeaksHbone(w.labels, w.annotations);
  cluster.workloads.push_back(std::move(w));
}

namespace {
// The controller a pod's owner chain ends at: a ReplicaSet owned by a
// Deployment belongs to that Deployment.
std::string TopOwner(const ManifestSink& sink, const std::string& ns,
                     const std::string& kind, const std::string& name,
                     const Labels& pod_labels, std::string* top_kind) {
  *top_kind = kind;
  if (kind != "ReplicaSet") return name;
  for (const PendingController& c : sink.controllers) {
    if (c.kind == "ReplicaSet" && c.ns == ns && c.name == name &&
        c.owner_kind == "Deployment") {
      *top_kind = "Deployment";
      return c.owner_name;
    }
  }
  // No ReplicaSet in the dump: strip the pod-template-hash suffix.
  if (const std::string* hash = FindLabel(pod_labels, "pod-template-hash")) {
    const std::string suffix = "-" + *hash;
    if (name.size() > suffix.size() &&
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
      *top_kind = "Deployment";
      return name.substr(0, name.size() - suffix.size());
    }
  }
  return name;
}
}  // namespace

void FinishCluster(Cluster& cluster, ManifestSink& sink) {
  // Pods present in the input are the real ones; controllers whose pods are
  // present are not expanded again (a kubectl dump lists both).
  std::set<std::string>
      materialized;  // "Kind ns/name" of controllers with pods
  // At most this many pods (the sink's budget bounds it): one allocation
  // instead of a doubling vector, which at 200,000 pods left a third of its
  // 190 MB unused.
  // Room too for the pod Finalize makes for each Gateway without one
  // (§2.1), so that adding them moves no pod.
  size_t most =
      cluster.workloads.size() + sink.pods.size() + cluster.gateways.size();
  for (const PendingController& c : sink.controllers)
    most += c.kind == "DaemonSet" ? cluster.nodes.size()
                                  : static_cast<size_t>(c.replicas);
  cluster.workloads.reserve(most);
  cluster.services.reserve(cluster.services.size() + sink.services.size());
  // Each freed as it moves: the deque and the vector never both hold all.
  for (; !sink.services.empty(); sink.services.pop_front())
    cluster.services.push_back(std::move(sink.services.front()));
  for (PendingPod& p : sink.pods) {
    Workload& w = p.workload;
    if (!p.owner_kind.empty()) {
      std::string top_kind;
      w.owner =
          TopOwner(sink, w.ns, p.owner_kind, p.owner_name, w.labels, &top_kind);
      w.owner_kind = top_kind;
      materialized.insert(p.owner_kind + " " + w.ns + "/" + p.owner_name);
      materialized.insert(top_kind + " " + w.ns + "/" + w.owner);
    }
    if (!p.dns_name.empty())
      cluster.pod_dns_names.emplace(p.dns_name + "." + w.ns,
                                    cluster.workloads.size());
    cluster.workloads.push_back(std::move(w));
  }
  std::set<std::string> deployments;
  for (const PendingController& c : sink.controllers)
    if (c.kind == "Deployment") deployments.insert(c.ns + "/" + c.name);
  // Each controller freed once its pods are made, its template moved into
  // the last: the controllers (a pod template each) and the pods are never
  // all in memory at once.
  for (; !sink.controllers.empty(); sink.controllers.pop_front()) {
    PendingController& c = sink.controllers.front();
    if (materialized.count(c.kind + " " + c.ns + "/" + c.name)) continue;
    if (c.kind == "ReplicaSet" && c.owner_kind == "Deployment" &&
        deployments.count(c.ns + "/" + c.owner_name))
      continue;  // the Deployment decides
    if (const std::string* gw = FindLabel(c.labels, kLabelGatewayName)) {
      // §2.1: a dump carries the Deployment Istio generated for a Gateway; its
      // replica count (0 after scaling down) replaces the default of one.
      cluster.gateway_deployments[c.ns + "/" + *gw] = c.replicas;
    }
    const int n = c.kind == "DaemonSet" ? static_cast<int>(cluster.nodes.size())
                                        : c.replicas;
    for (int i = 0; i < n; ++i) {
      // Made in place from the template: no copy moved in after.
      const size_t index = cluster.workloads.size();
      Workload& w =
          i + 1 < n ? cluster.workloads.emplace_back(c.pod_template)
                    : cluster.workloads.emplace_back(std::move(c.pod_template));
      w.ns = c.ns;
      w.owner = c.name;
      w.owner_kind = c.kind;
      w.name = c.name + "-" + std::to_string(i);
      w.location = c.location;
      if (c.kind == "DaemonSet") w.node = cluster.nodes[i].name;
      // §3.3: the StatefulSet controller sets each pod's hostname to its
      // name and its subdomain to spec.serviceName.
      if (!c.service_name.empty())
        cluster.pod_dns_names.emplace(
            w.name + "." + c.service_name + "." + c.ns, index);
      if (const std::string* gw = FindLabel(c.labels, kLabelGatewayName))
        w.labels.emplace(kLabelGatewayName, *gw);
    }
  }
  sink.pods.clear();
  sink.controllers.clear();
  sink.finished = true;
}

}  // namespace meshsim::io
