// Kubernetes manifests -> model objects. See loader.h.
#include <algorithm>
#include <set>

#include "model/io/loader.h"
#include "model/io/manifest_sink.h"
#include "model/labels.h"
#include "model/policy.h"

namespace meshsim::io {

namespace {

// Kinds that carry nothing meshsim models; skipped with a single note per
// kind and file (§ "Unknown Kubernetes kinds are skipped with a note").
struct ObjectHeader {
  std::string kind;
  std::string api_version;
  std::string ns;
  std::string name;
  Labels labels;
  Labels annotations;
  std::map<std::string, SourceLocation> label_locs;
  std::string what;  // "Kind ns/name"
  SourceLocation loc;
};

std::optional<ObjectHeader> ReadHeader(Reader& r, const YAML::Node& obj) {
  ObjectHeader h;
  h.loc = r.Loc(obj);
  auto kind = r.String(r.Child(obj, "kind"), "object: kind");
  if (!kind) {
    if (!r.Child(obj, "kind").IsDefined())
      r.Error(obj,
              "object has no 'kind'; expected a Kubernetes object with "
              "apiVersion, kind and metadata");
    return std::nullopt;
  }
  h.kind = *kind;
  h.api_version = r.String(r.Child(obj, "apiVersion"), h.kind + ": apiVersion")
                      .value_or("");
  YAML::Node md = r.Child(obj, "metadata");
  if (!r.IsMap(md, h.kind + ": metadata")) {
    if (h.kind != "List") {
      r.Error(obj, h.kind + " has no metadata; expected metadata.name");
      return std::nullopt;
    }
    return h;
  }
  auto name = r.String(r.Child(md, "name"), h.kind + ": metadata.name");
  if (!name || name->empty()) {
    r.Error(md, h.kind + ": metadata.name is required");
    return std::nullopt;
  }
  h.name = *name;
  h.ns = r.String(r.Child(md, "namespace"),
                  h.kind + " " + h.name + ": metadata.namespace")
             .value_or("default");
  if (h.kind == "Namespace" || h.kind == "GatewayClass") h.ns = "";
  h.what = h.kind + " " + (h.ns.empty() ? h.name : h.ns + "/" + h.name);
  h.labels = r.StringMap(r.Child(md, "labels"), h.what + ": metadata.labels",
                         true, &h.label_locs)
                 .value_or(Labels{});
  h.annotations = r.StringMap(r.Child(md, "annotations"),
                              h.what + ": metadata.annotations", false, nullptr)
                      .value_or(Labels{});
  return h;
}

std::string ApiGroup(const std::string& api_version) {
  size_t slash = api_version.find('/');
  return slash == std::string::npos ? "" : api_version.substr(0, slash);
}

// Pod template / Pod spec fields shared by Pods and controllers.
void ReadPodSpec(Reader& r, const YAML::Node& spec, const std::string& what,
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
  YAML::Node containers = r.Child(spec, "containers");
  if (!r.IsList(containers, what + ".containers")) return;
  for (size_t i = 0; i < containers.size(); ++i) {
    const YAML::Node c = containers[i];
    if (!r.IsMap(c, what + ".containers[" + std::to_string(i) + "]")) continue;
    auto cname = r.String(r.Child(c, "name"), what + ".containers[].name");
    if (cname && *cname == "istio-proxy") w.sidecar_injected = true;
    YAML::Node ports = r.Child(c, "ports");
    if (!r.IsList(ports, what + ".containers[].ports")) continue;
    for (const YAML::Node& p : ports) {
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

// Adds `pods` to `count` (Pods written, or pods controllers will create);
// false, with an error, past kMaxPodsPerCluster: a few lines of replicas must
// not exhaust memory (docs/robustness.md).
bool CountPods(Reader& r, const ObjectHeader& h, const YAML::Node& obj,
               size_t pods, size_t& count) {
  if (count + pods <= kMaxPodsPerCluster) {
    count += pods;
    return true;
  }
  r.Error(obj, h.what + ": its " + std::to_string(pods) +
                   " pods bring the cluster to more than " +
                   std::to_string(kMaxPodsPerCluster) +
                   " pods, the most meshsim models (Kubernetes is tested up "
                   "to 150000 per cluster)");
  return false;
}

void LoadPod(Reader& r, const ObjectHeader& h, const YAML::Node& obj,
             ManifestSink& sink) {
  PendingPod p;
  Workload& w = p.workload;
  ReadWorkloadMeta(h, w);
  w.kind = "Pod";
  w.name = h.name;
  w.owner = h.name;
  w.owner_kind = "Pod";
  ReadPodSpec(r, r.Child(obj, "spec"), h.what + ": spec", w);
  YAML::Node status = r.Child(obj, "status");
  if (status.IsMap()) {
    w.ip = r.String(r.Child(status, "podIP"), h.what + ": status.podIP")
               .value_or("");
    auto phase = r.String(r.Child(status, "phase"), h.what + ": status.phase");
    if (phase && *phase != "Running") w.ready = false;
  }
  YAML::Node owners = r.Child(r.Child(obj, "metadata"), "ownerReferences");
  if (owners.IsSequence() && owners.size() > 0 && owners[0].IsMap()) {
    p.owner_kind = r.String(r.Child(owners[0], "kind"),
                            h.what + ": ownerReferences[0].kind")
                       .value_or("");
    p.owner_name = r.String(r.Child(owners[0], "name"),
                            h.what + ": ownerReferences[0].name")
                       .value_or("");
  }
  if (!CountPods(r, h, obj, 1, sink.declared_pods)) return;
  sink.pods.push_back(std::move(p));
}

void LoadController(Reader& r, const ObjectHeader& h, const YAML::Node& obj,
                    ManifestSink& sink) {
  PendingController c;
  c.kind = h.kind;
  c.ns = h.ns;
  c.name = h.name;
  c.labels = h.labels;
  c.location = h.loc;
  YAML::Node spec = r.Child(obj, "spec");
  if (!r.IsMap(spec, h.what + ": spec")) {
    r.Error(obj, h.what + ": spec is required");
    return;
  }
  if (h.kind != "DaemonSet") {
    YAML::Node rep = r.Child(spec, "replicas");
    c.replicas = static_cast<int>(
        r.Int(rep, h.what + ": spec.replicas", 0, 100000).value_or(1));
  }
  YAML::Node owners = r.Child(r.Child(obj, "metadata"), "ownerReferences");
  if (owners.IsSequence() && owners.size() > 0 && owners[0].IsMap()) {
    c.owner_kind = r.String(r.Child(owners[0], "kind"),
                            h.what + ": ownerReferences[0].kind")
                       .value_or("");
    c.owner_name = r.String(r.Child(owners[0], "name"),
                            h.what + ": ownerReferences[0].name")
                       .value_or("");
  }
  YAML::Node tmpl = r.Child(spec, "template");
  Workload& w = c.pod_template;
  w.kind = "Pod";
  w.ns = h.ns;
  w.location = h.loc;
  if (r.IsMap(tmpl, h.what + ": spec.template")) {
    YAML::Node tmd = r.Child(tmpl, "metadata");
    std::map<std::string, SourceLocation> locs;
    w.labels =
        r.StringMap(r.Child(tmd, "labels"),
                    h.what + ": spec.template.metadata.labels", true, &locs)
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
  // A Deployment's ReplicaSet does not add pods of its own.
  const bool owned = c.kind == "ReplicaSet" && c.owner_kind == "Deployment";
  const size_t pods = c.kind == "DaemonSet" ? sink.nodes
                      : owned               ? 0
                                            : static_cast<size_t>(c.replicas);
  if (!CountPods(r, h, obj, pods, sink.replica_pods)) return;
  sink.controllers.push_back(std::move(c));
}

void ReadServicePorts(Reader& r, const YAML::Node& ports,
                      const std::string& what, bool service_entry, Service& s) {
  if (!r.IsList(ports, what)) return;
  for (size_t i = 0; i < ports.size(); ++i) {
    const YAML::Node p = ports[i];
    std::string pw = what + "[" + std::to_string(i) + "]";
    if (!r.IsMap(p, pw)) continue;
    ServicePort sp;
    sp.name = r.String(r.Child(p, "name"), pw + ".name").value_or("");
    YAML::Node num = r.Child(p, service_entry ? "number" : "port");
    auto port =
        r.Int(num, pw + (service_entry ? ".number" : ".port"), 1, 65535);
    if (!port) {
      if (!num.IsDefined())
        r.Error(p, pw + (service_entry ? ".number" : ".port") + " is required");
      continue;
    }
    sp.port = static_cast<int>(*port);
    YAML::Node tp = r.Child(p, "targetPort");
    if (tp.IsScalar()) {
      const std::string& v = tp.Scalar();
      if (!v.empty() && std::all_of(v.begin(), v.end(), ::isdigit)) {
        sp.target_port = static_cast<int>(
            r.Int(tp, pw + ".targetPort", 1, 65535).value_or(0));
      } else {
        sp.target_port_name = v;
      }
    } else if (tp.IsDefined() && !tp.IsNull()) {
      r.Error(tp, pw + ".targetPort must be a port number or name, got " +
                      Reader::Describe(tp));
    }
    sp.protocol =
        r.String(r.Child(p, "protocol"), pw + ".protocol").value_or("TCP");
    sp.app_protocol =
        r.String(r.Child(p, "appProtocol"), pw + ".appProtocol").value_or("");
    s.ports.push_back(sp);
  }
}

void LoadService(Reader& r, const ObjectHeader& h, const YAML::Node& obj,
                 Cluster& cluster) {
  Service s;
  s.kind = "Service";
  s.ns = h.ns;
  s.name = h.name;
  s.labels = h.labels;
  s.annotations = h.annotations;
  s.label_locations = h.label_locs;
  s.location = h.loc;
  YAML::Node spec = r.Child(obj, "spec");
  if (r.IsMap(spec, h.what + ": spec")) {
    YAML::Node sel = r.Child(spec, "selector");
    if (sel.IsDefined() && !sel.IsNull()) {
      auto m = r.StringMap(sel, h.what + ": spec.selector", false, nullptr);
      if (m && !m->empty()) s.selector = *m;
    }
    ReadServicePorts(r, r.Child(spec, "ports"), h.what + ": spec.ports", false,
                     s);
    auto type = r.String(r.Child(spec, "type"), h.what + ": spec.type");
    s.external_name = type && *type == "ExternalName";
    auto cip =
        r.String(r.Child(spec, "clusterIP"), h.what + ": spec.clusterIP");
    if (cip && *cip == "None") {
      s.headless = true;
    } else if (cip && !cip->empty()) {
      s.vips.push_back(*cip);
    }
    s.traffic_distribution = r.String(r.Child(spec, "trafficDistribution"),
                                      h.what + ": spec.trafficDistribution")
                                 .value_or("");
  }
  if (s.traffic_distribution.empty()) {
    if (const std::string* td =
            FindLabel(s.annotations, kAnnotationTrafficDistribution))
      s.traffic_distribution = *td;
  }
  cluster.services.push_back(std::move(s));
}

void LoadServiceEntry(Reader& r, const ObjectHeader& h, const YAML::Node& obj,
                      Cluster& cluster) {
  Service s;
  s.kind = "ServiceEntry";
  s.ns = h.ns;
  s.name = h.name;
  s.labels = h.labels;
  s.annotations = h.annotations;
  s.label_locations = h.label_locs;
  s.location = h.loc;
  YAML::Node spec = r.Child(obj, "spec");
  if (!r.IsMap(spec, h.what + ": spec")) {
    r.Error(obj, h.what + ": spec is required");
    return;
  }
  YAML::Node hosts = r.Child(spec, "hosts");
  if (r.IsList(hosts, h.what + ": spec.hosts")) {
    for (const YAML::Node& x : hosts)
      if (auto v = r.String(x, h.what + ": spec.hosts[]"))
        s.hosts.push_back(*v);
  }
  if (s.hosts.empty()) {
    r.Error(spec, h.what + ": spec.hosts must list at least one host");
    return;
  }
  YAML::Node addrs = r.Child(spec, "addresses");
  if (r.IsList(addrs, h.what + ": spec.addresses")) {
    for (const YAML::Node& x : addrs)
      if (auto v = r.String(x, h.what + ": spec.addresses[]"))
        s.vips.push_back(*v);
  }
  ReadServicePorts(r, r.Child(spec, "ports"), h.what + ": spec.ports", true, s);
  s.resolution =
      r.String(r.Child(spec, "resolution"), h.what + ": spec.resolution")
          .value_or("NONE");
  static const std::set<std::string> kRes = {"NONE", "STATIC", "DNS",
                                             "DNS_ROUND_ROBIN", "DYNAMIC_DNS"};
  if (!kRes.count(s.resolution)) {
    r.Error(r.Child(spec, "resolution"),
            h.what +
                ": spec.resolution must be one of NONE, STATIC, DNS, "
                "DNS_ROUND_ROBIN, DYNAMIC_DNS, got '" +
                s.resolution + "'");
  }
  s.location_kind =
      r.String(r.Child(spec, "location"), h.what + ": spec.location")
          .value_or("MESH_EXTERNAL");
  YAML::Node export_to = r.Child(spec, "exportTo");
  if (export_to.IsSequence() && export_to.size() == 1 &&
      export_to[0].IsScalar() && export_to[0].Scalar() == ".")
    s.namespace_visibility = true;
  YAML::Node ws = r.Child(spec, "workloadSelector");
  if (r.IsMap(ws, h.what + ": spec.workloadSelector")) {
    auto m =
        r.StringMap(r.Child(ws, "labels"),
                    h.what + ": spec.workloadSelector.labels", false, nullptr);
    if (m) s.selector = *m;
  }
  YAML::Node eps = r.Child(spec, "endpoints");
  if (r.IsList(eps, h.what + ": spec.endpoints")) {
    for (const YAML::Node& e : eps) {
      if (!r.IsMap(e, h.what + ": spec.endpoints[]")) continue;
      Service::Endpoint ep;
      ep.address =
          r.String(r.Child(e, "address"), h.what + ": spec.endpoints[].address")
              .value_or("");
      ep.labels =
          r.StringMap(r.Child(e, "labels"),
                      h.what + ": spec.endpoints[].labels", true, nullptr)
              .value_or(Labels{});
      ep.network =
          r.String(r.Child(e, "network"), h.what + ": spec.endpoints[].network")
              .value_or("");
      ep.service_account =
          r.String(r.Child(e, "serviceAccount"),
                   h.what + ": spec.endpoints[].serviceAccount")
              .value_or("");
      s.inline_endpoints.push_back(ep);
    }
  }
  cluster.services.push_back(std::move(s));
}

void LoadWorkloadEntry(Reader& r, const ObjectHeader& h, const YAML::Node& obj,
                       Cluster& cluster) {
  Workload w;
  ReadWorkloadMeta(h, w);
  w.kind = "WorkloadEntry";
  w.name = h.name;
  w.owner = h.name;
  w.owner_kind = "WorkloadEntry";
  YAML::Node spec = r.Child(obj, "spec");
  if (r.IsMap(spec, h.what + ": spec")) {
    w.ip = r.String(r.Child(spec, "address"), h.what + ": spec.address")
               .value_or("");
    auto sl = r.StringMap(r.Child(spec, "labels"), h.what + ": spec.labels",
                          true, &w.label_locations);
    if (sl)
      for (const auto& [k, v] : *sl) w.labels.emplace(k, v);
    w.network = r.String(r.Child(spec, "network"), h.what + ": spec.network")
                    .value_or("");
    w.service_account = r.String(r.Child(spec, "serviceAccount"),
                                 h.what + ": spec.serviceAccount")
                            .value_or("default");
  }
  cluster.workloads.push_back(std::move(w));
}

void LoadGateway(Reader& r, const ObjectHeader& h, const YAML::Node& obj,
                 Cluster& cluster) {
  Gateway g;
  g.ns = h.ns;
  g.name = h.name;
  g.labels = h.labels;
  g.annotations = h.annotations;
  g.location = h.loc;
  YAML::Node spec = r.Child(obj, "spec");
  if (!r.IsMap(spec, h.what + ": spec")) {
    r.Error(obj, h.what + ": spec is required");
    return;
  }
  auto cls = r.String(r.Child(spec, "gatewayClassName"),
                      h.what + ": spec.gatewayClassName");
  if (!cls) {
    r.Error(spec, h.what + ": spec.gatewayClassName is required");
    return;
  }
  g.class_name = *cls;
  YAML::Node infra = r.Child(spec, "infrastructure");
  if (r.IsMap(infra, h.what + ": spec.infrastructure")) {
    g.infrastructure_labels =
        r.StringMap(r.Child(infra, "labels"),
                    h.what + ": spec.infrastructure.labels", true, nullptr)
            .value_or(Labels{});
  }
  YAML::Node listeners = r.Child(spec, "listeners");
  if (r.IsList(listeners, h.what + ": spec.listeners")) {
    for (size_t i = 0; i < listeners.size(); ++i) {
      const YAML::Node l = listeners[i];
      std::string lw = h.what + ": spec.listeners[" + std::to_string(i) + "]";
      if (!r.IsMap(l, lw)) continue;
      Listener li;
      li.location = r.Loc(l);
      li.name = r.String(r.Child(l, "name"), lw + ".name").value_or("");
      li.port = static_cast<int>(
          r.Int(r.Child(l, "port"), lw + ".port", 1, 65535).value_or(0));
      li.protocol =
          r.String(r.Child(l, "protocol"), lw + ".protocol").value_or("");
      li.hostname =
          r.String(r.Child(l, "hostname"), lw + ".hostname").value_or("");
      YAML::Node ns = r.Child(r.Child(l, "allowedRoutes"), "namespaces");
      if (r.IsMap(ns, lw + ".allowedRoutes.namespaces")) {
        li.allowed_from =
            r.String(r.Child(ns, "from"), lw + ".allowedRoutes.namespaces.from")
                .value_or("Same");
        if (li.allowed_from != "Same" && li.allowed_from != "All" &&
            li.allowed_from != "Selector") {
          r.Error(r.Child(ns, "from"),
                  lw +
                      ".allowedRoutes.namespaces.from must be "
                      "one of Same, All, Selector, got '" +
                      li.allowed_from + "'");
          li.allowed_from = "Same";
        }
        YAML::Node sel = r.Child(ns, "selector");
        if (r.IsMap(sel, lw + ".allowedRoutes.namespaces.selector")) {
          li.allowed_selector =
              r.StringMap(r.Child(sel, "matchLabels"),
                          lw + ".allowedRoutes.namespaces.selector.matchLabels",
                          false, nullptr)
                  .value_or(Labels{});
        }
      }
      g.listeners.push_back(li);
    }
  }
  YAML::Node status = r.Child(obj, "status");
  if (status.IsMap()) {
    g.has_status = true;
    YAML::Node addrs = r.Child(status, "addresses");
    if (addrs.IsSequence()) {
      for (const YAML::Node& a : addrs) {
        if (a.IsMap()) {
          if (auto v = r.String(r.Child(a, "value"),
                                h.what + ": status.addresses[].value"))
            g.status_addresses.push_back(*v);
        }
      }
    }
  }
  std::string key = g.Key();
  if (!cluster.gateways.emplace(key, g).second) {
    r.Warning(obj, h.what + " is defined twice in cluster " + cluster.name +
                       "; the first definition is used");
  }
}

ParentRef ReadRef(Reader& r, const YAML::Node& n, const std::string& what,
                  const std::string& default_ns,
                  const std::string& default_kind) {
  ParentRef p;
  p.location = r.Loc(n);
  p.kind = r.String(r.Child(n, "kind"), what + ".kind").value_or(default_kind);
  p.name = r.String(r.Child(n, "name"), what + ".name").value_or("");
  p.ns = r.String(r.Child(n, "namespace"), what + ".namespace")
             .value_or(default_ns);
  p.section_name =
      r.String(r.Child(n, "sectionName"), what + ".sectionName").value_or("");
  p.port = static_cast<int>(
      r.Int(r.Child(n, "port"), what + ".port", 1, 65535).value_or(0));
  if (p.name.empty()) r.Error(n, what + ".name is required");
  return p;
}

void LoadRoute(Reader& r, const ObjectHeader& h, const YAML::Node& obj,
               Cluster& cluster) {
  HttpRoute route;
  route.kind = h.kind;
  route.ns = h.ns;
  route.name = h.name;
  route.location = h.loc;
  route.creation_timestamp =
      r.String(r.Child(r.Child(obj, "metadata"), "creationTimestamp"), h.what)
          .value_or("");
  YAML::Node spec = r.Child(obj, "spec");
  if (!r.IsMap(spec, h.what + ": spec")) {
    r.Error(obj, h.what + ": spec is required");
    return;
  }
  YAML::Node parents = r.Child(spec, "parentRefs");
  if (r.IsList(parents, h.what + ": spec.parentRefs")) {
    for (size_t i = 0; i < parents.size(); ++i) {
      std::string pw = h.what + ": spec.parentRefs[" + std::to_string(i) + "]";
      if (!r.IsMap(parents[i], pw)) continue;
      route.parents.push_back(ReadRef(r, parents[i], pw, h.ns, "Gateway"));
    }
  }
  YAML::Node hostnames = r.Child(spec, "hostnames");
  if (r.IsList(hostnames, h.what + ": spec.hostnames")) {
    for (const YAML::Node& x : hostnames)
      if (auto v = r.String(x, h.what + ": spec.hostnames[]"))
        route.hostnames.push_back(*v);
  }
  YAML::Node rules = r.Child(spec, "rules");
  if (r.IsList(rules, h.what + ": spec.rules")) {
    for (size_t i = 0; i < rules.size(); ++i) {
      std::string rw = h.what + ": spec.rules[" + std::to_string(i) + "]";
      const YAML::Node rule = rules[i];
      if (!r.IsMap(rule, rw)) continue;
      HttpRouteRule out;
      out.location = r.Loc(rule);
      YAML::Node matches = r.Child(rule, "matches");
      if (r.IsList(matches, rw + ".matches")) {
        for (size_t j = 0; j < matches.size(); ++j) {
          std::string mw = rw + ".matches[" + std::to_string(j) + "]";
          const YAML::Node m = matches[j];
          if (!r.IsMap(m, mw)) continue;
          HttpMatch hm;
          YAML::Node path = r.Child(m, "path");
          if (r.IsMap(path, mw + ".path")) {
            hm.path_type = r.String(r.Child(path, "type"), mw + ".path.type")
                               .value_or("PathPrefix");
            hm.path_value = r.String(r.Child(path, "value"), mw + ".path.value")
                                .value_or("/");
            if (hm.path_type != "Exact" && hm.path_type != "PathPrefix" &&
                hm.path_type != "RegularExpression") {
              r.Error(r.Child(path, "type"),
                      mw +
                          ".path.type must be one of Exact, PathPrefix, "
                          "RegularExpression, got '" +
                          hm.path_type + "'");
            }
          }
          hm.method =
              r.String(r.Child(m, "method"), mw + ".method").value_or("");
          for (const char* key : {"headers", "queryParams"}) {
            YAML::Node hs = r.Child(m, key);
            if (!r.IsList(hs, mw + "." + key)) continue;
            for (const YAML::Node& hn : hs) {
              if (!r.IsMap(hn, mw + "." + key + "[]")) continue;
              HttpMatch::Header hd;
              hd.name =
                  r.String(r.Child(hn, "name"), mw + "." + key + "[].name")
                      .value_or("");
              hd.type =
                  r.String(r.Child(hn, "type"), mw + "." + key + "[].type")
                      .value_or("Exact");
              hd.value =
                  r.String(r.Child(hn, "value"), mw + "." + key + "[].value")
                      .value_or("");
              (std::string(key) == "headers" ? hm.headers : hm.query_params)
                  .push_back(hd);
            }
          }
          out.matches.push_back(hm);
        }
      }
      YAML::Node filters = r.Child(rule, "filters");
      if (r.IsList(filters, rw + ".filters")) {
        for (size_t j = 0; j < filters.size(); ++j) {
          const std::string fw = rw + ".filters[" + std::to_string(j) + "]";
          const YAML::Node f = filters[j];
          if (!r.IsMap(f, fw)) continue;
          HttpFilter hf;
          hf.type = r.String(r.Child(f, "type"), fw + ".type").value_or("");
          if (hf.type == "RequestHeaderModifier") {
            YAML::Node m = r.Child(f, "requestHeaderModifier");
            for (const char* key : {"set", "add"}) {
              YAML::Node list = r.Child(m, key);
              if (!r.IsList(list, fw + ".requestHeaderModifier." + key))
                continue;
              for (const YAML::Node& hv : list) {
                std::string name = r.String(r.Child(hv, "name"),
                                            fw + ".requestHeaderModifier.name")
                                       .value_or("");
                std::transform(name.begin(), name.end(), name.begin(),
                               ::tolower);
                std::string value =
                    r.String(r.Child(hv, "value"),
                             fw + ".requestHeaderModifier.value")
                        .value_or("");
                (std::string(key) == "set" ? hf.set_headers
                                           : hf.add_headers)[name] = value;
              }
            }
            YAML::Node rm = r.Child(m, "remove");
            if (r.IsList(rm, fw + ".requestHeaderModifier.remove")) {
              for (const YAML::Node& x : rm) {
                std::string name =
                    r.String(x, fw + ".requestHeaderModifier.remove[]")
                        .value_or("");
                std::transform(name.begin(), name.end(), name.begin(),
                               ::tolower);
                hf.remove_headers.push_back(name);
              }
            }
          } else if (hf.type == "RequestRedirect" || hf.type == "URLRewrite") {
            YAML::Node m =
                r.Child(f, hf.type == "RequestRedirect" ? "requestRedirect"
                                                        : "urlRewrite");
            const std::string mw =
                fw + (hf.type == "RequestRedirect" ? ".requestRedirect"
                                                   : ".urlRewrite");
            hf.redirect_scheme =
                r.String(r.Child(m, "scheme"), mw + ".scheme").value_or("");
            hf.rewrite_hostname =
                r.String(r.Child(m, "hostname"), mw + ".hostname").value_or("");
            hf.redirect_hostname = hf.rewrite_hostname;
            hf.redirect_port = static_cast<int>(
                r.Int(r.Child(m, "port"), mw + ".port", 1, 65535).value_or(0));
            hf.redirect_status = static_cast<int>(
                r.Int(r.Child(m, "statusCode"), mw + ".statusCode", 300, 399)
                    .value_or(302));
            YAML::Node path = r.Child(m, "path");
            if (r.IsMap(path, mw + ".path")) {
              hf.path_type = r.String(r.Child(path, "type"), mw + ".path.type")
                                 .value_or("");
              hf.path_value =
                  hf.path_type == "ReplaceFullPath"
                      ? r.String(r.Child(path, "replaceFullPath"),
                                 mw + ".path.replaceFullPath")
                            .value_or("/")
                      : r.String(r.Child(path, "replacePrefixMatch"),
                                 mw + ".path.replacePrefixMatch")
                            .value_or("/");
              if (hf.path_type != "ReplaceFullPath" &&
                  hf.path_type != "ReplacePrefixMatch") {
                r.Error(r.Child(path, "type"),
                        mw +
                            ".path.type must be ReplaceFullPath or "
                            "ReplacePrefixMatch, got '" +
                            hf.path_type + "'");
              }
            }
          }
          out.filters.push_back(hf);
        }
      }
      YAML::Node timeout = r.Child(r.Child(rule, "timeouts"), "request");
      out.timeout = r.String(timeout, rw + ".timeouts.request").value_or("");
      if (!out.timeout.empty() && !ParseGatewayDuration(out.timeout)) {
        r.Error(timeout,
                rw +
                    ".timeouts.request must be a Gateway API duration such as "
                    "10s, 500ms or 1m30s, got '" +
                    out.timeout + "'");
        out.timeout.clear();
      }
      if (auto a = r.Int(r.Child(r.Child(rule, "retry"), "attempts"),
                         rw + ".retry.attempts", 0, 1000))
        out.retry_attempts = static_cast<int>(*a);
      YAML::Node backends = r.Child(rule, "backendRefs");
      if (r.IsList(backends, rw + ".backendRefs")) {
        for (size_t j = 0; j < backends.size(); ++j) {
          std::string bw = rw + ".backendRefs[" + std::to_string(j) + "]";
          const YAML::Node b = backends[j];
          if (!r.IsMap(b, bw)) continue;
          ParentRef ref = ReadRef(r, b, bw, h.ns, "Service");
          BackendRef br;
          br.kind = ref.kind;
          br.ns = ref.ns;
          br.name = ref.name;
          br.port = ref.port;
          br.location = ref.location;
          br.weight = static_cast<int>(
              r.Int(r.Child(b, "weight"), bw + ".weight", 0, 1000000)
                  .value_or(1));
          out.backends.push_back(br);
        }
      }
      route.rules.push_back(out);
    }
  }
  cluster.routes.push_back(std::move(route));
}

// Istio's validation of AuthorizationPolicy values (pilot's
// ValidateAuthorizationPolicy): '*' only as a whole value, a prefix or a
// suffix; paths may use the {*} and {**} templates.
bool ValidWildcard(const std::string& v) {
  size_t star = v.find('*');
  if (star == std::string::npos || v == "*") return true;
  if (v.find('*', star + 1) != std::string::npos) return false;
  return star == 0 || star == v.size() - 1;
}

std::vector<std::string> ReadPolicyValues(Reader& r, const YAML::Node& parent,
                                          const char* key,
                                          const std::string& what,
                                          const std::string& kind) {
  std::vector<std::string> out;
  YAML::Node list = r.Child(parent, key);
  if (!r.IsList(list, what + "." + key)) return out;
  for (const YAML::Node& x : list) {
    auto v = r.String(x, what + "." + key + "[]");
    if (!v) continue;
    const std::string f = what + "." + key;
    if (v->empty()) {
      r.Error(x, f + " must not contain an empty value");
      continue;
    }
    if (kind == "path") {
      bool templ = v->find('{') != std::string::npos;
      if (!templ && !ValidWildcard(*v)) {
        r.Error(x, f + " value '" + *v +
                       "' has '*' in the middle; Istio matches only an exact "
                       "path, 'prefix*', '*suffix' or '*' (or the path "
                       "templates {*} and {**})");
        continue;
      }
    } else if (kind == "ip") {
      if (!IpInBlock(*v, v->substr(0, v->find('/')))) {
        r.Error(x,
                f + " value '" + *v + "' is not an IPv4 address or CIDR block");
        continue;
      }
    } else if (kind == "port") {
      char* end = nullptr;
      long port = std::strtol(v->c_str(), &end, 10);
      if (!end || *end != '\0' || port < 1 || port > 65535) {
        r.Error(x, f + " value '" + *v +
                       "' is not a port number between 1 and 65535");
        continue;
      }
    } else {
      if (!ValidWildcard(*v)) {
        r.Error(x, f + " value '" + *v +
                       "' has '*' in the middle; Istio matches only an exact "
                       "value, 'prefix*', '*suffix' or '*'");
        continue;
      }
      if (kind == "principal" && v->rfind("spiffe://", 0) == 0) {
        r.Warning(x, f + " value '" + *v +
                         "' starts with spiffe://; Istio principals are "
                         "written without it (" +
                         v->substr(9) + ") and this one never matches");
      } else if (kind == "principal" && *v != "*" &&
                 v->find("/ns/") == std::string::npos &&
                 v->find('*') == std::string::npos) {
        r.Warning(x, f + " value '" + *v +
                         "' is not of the form "
                         "<trust-domain>/ns/<namespace>/sa/<service-account>; "
                         "it matches only a "
                         "peer with exactly that identity");
      }
    }
    out.push_back(*v);
  }
  return out;
}

bool KnownConditionKey(const std::string& k) {
  static const std::set<std::string> kExact = {"source.ip",
                                               "remote.ip",
                                               "source.namespace",
                                               "source.principal",
                                               "request.auth.principal",
                                               "request.auth.audiences",
                                               "request.auth.presenter",
                                               "destination.ip",
                                               "destination.port",
                                               "connection.sni"};
  if (kExact.count(k)) return true;
  auto bracketed = [&](const std::string& prefix) {
    return k.size() > prefix.size() + 1 &&
           k.compare(0, prefix.size(), prefix) == 0 && k.back() == ']';
  };
  return bracketed("request.headers[") || bracketed("request.auth.claims[") ||
         k.rfind("experimental.envoy.filters.", 0) == 0;
}

void LoadAuthorizationPolicy(Reader& r, const ObjectHeader& h,
                             const YAML::Node& obj, Cluster& cluster) {
  AuthorizationPolicy p;
  p.ns = h.ns;
  p.name = h.name;
  p.location = h.loc;
  if (const std::string* dr = FindLabel(h.annotations, "istio.io/dry-run"))
    p.dry_run = *dr == "true";
  YAML::Node spec = r.Child(obj, "spec");
  if (spec.IsDefined() && !spec.IsNull() && r.IsMap(spec, h.what + ": spec")) {
    p.action = r.String(r.Child(spec, "action"), h.what + ": spec.action")
                   .value_or("ALLOW");
    static const std::set<std::string> kActions = {"ALLOW", "DENY", "AUDIT",
                                                   "CUSTOM"};
    if (!kActions.count(p.action)) {
      r.Error(r.Child(spec, "action"),
              h.what +
                  ": spec.action must be one of ALLOW, "
                  "DENY, AUDIT, CUSTOM, got '" +
                  p.action + "'");
      return;
    }
    p.provider = r.String(r.Child(r.Child(spec, "provider"), "name"),
                          h.what + ": spec.provider.name")
                     .value_or("");
    if (p.action == "CUSTOM" && p.provider.empty()) {
      r.Error(
          spec,
          h.what +
              ": spec.provider.name is required when spec.action is CUSTOM");
    }
    YAML::Node sel = r.Child(spec, "selector");
    if (r.IsMap(sel, h.what + ": spec.selector")) {
      p.selector =
          r.StringMap(r.Child(sel, "matchLabels"),
                      h.what + ": spec.selector.matchLabels", false, nullptr)
              .value_or(Labels{});
    }
    YAML::Node tr = r.Child(spec, "targetRef");
    if (r.IsMap(tr, h.what + ": spec.targetRef"))
      p.target_refs.push_back(
          ReadRef(r, tr, h.what + ": spec.targetRef", h.ns, ""));
    YAML::Node trs = r.Child(spec, "targetRefs");
    if (r.IsList(trs, h.what + ": spec.targetRefs")) {
      for (const YAML::Node& t : trs)
        if (r.IsMap(t, h.what + ": spec.targetRefs[]"))
          p.target_refs.push_back(
              ReadRef(r, t, h.what + ": spec.targetRefs[]", h.ns, ""));
    }
    for (const ParentRef& t : p.target_refs) {
      if (t.kind != "Gateway" && t.kind != "GatewayClass" &&
          t.kind != "Service" && t.kind != "ServiceEntry") {
        r.diags().Error(t.location,
                        h.what +
                            ": targetRef kind must be Gateway, GatewayClass, "
                            "Service or ServiceEntry, got '" +
                            t.kind + "'");
      }
      if (t.ns != h.ns) {
        r.diags().Error(t.location,
                        h.what +
                            ": targetRef namespace must be the policy's own (" +
                            h.ns + "), got '" + t.ns + "'");
      }
    }
    if (p.selector && !p.target_refs.empty()) {
      r.Error(spec,
              h.what + ": only one of selector and targetRef(s) may be set");
    }
    YAML::Node rules = r.Child(spec, "rules");
    if (r.IsList(rules, h.what + ": spec.rules")) {
      for (size_t i = 0; i < rules.size(); ++i) {
        const YAML::Node rule = rules[i];
        const std::string rw =
            h.what + ": spec.rules[" + std::to_string(i) + "]";
        if (!rule.IsNull() && !r.IsMap(rule, rw)) continue;
        PolicyRule out;
        out.location = r.Loc(rule);
        YAML::Node from = r.Child(rule, "from");
        if (r.IsList(from, rw + ".from")) {
          for (size_t j = 0; j < from.size(); ++j) {
            const std::string fw =
                rw + ".from[" + std::to_string(j) + "].source";
            YAML::Node src = r.Child(from[j], "source");
            if (!src.IsMap() || src.size() == 0) {
              r.Error(from[j], fw + " must not be empty");
              continue;
            }
            PolicySource ps;
            ps.location = r.Loc(src);
            ps.principals =
                ReadPolicyValues(r, src, "principals", fw, "principal");
            ps.not_principals =
                ReadPolicyValues(r, src, "notPrincipals", fw, "principal");
            ps.namespaces =
                ReadPolicyValues(r, src, "namespaces", fw, "string");
            ps.not_namespaces =
                ReadPolicyValues(r, src, "notNamespaces", fw, "string");
            ps.ip_blocks = ReadPolicyValues(r, src, "ipBlocks", fw, "ip");
            ps.not_ip_blocks =
                ReadPolicyValues(r, src, "notIpBlocks", fw, "ip");
            ps.remote_ip_blocks =
                ReadPolicyValues(r, src, "remoteIpBlocks", fw, "ip");
            ps.not_remote_ip_blocks =
                ReadPolicyValues(r, src, "notRemoteIpBlocks", fw, "ip");
            ps.request_principals =
                ReadPolicyValues(r, src, "requestPrincipals", fw, "string");
            ps.not_request_principals =
                ReadPolicyValues(r, src, "notRequestPrincipals", fw, "string");
            out.from.push_back(ps);
          }
        }
        YAML::Node to = r.Child(rule, "to");
        if (r.IsList(to, rw + ".to")) {
          for (size_t j = 0; j < to.size(); ++j) {
            const std::string ow =
                rw + ".to[" + std::to_string(j) + "].operation";
            YAML::Node op = r.Child(to[j], "operation");
            if (!op.IsMap() || op.size() == 0) {
              r.Error(to[j], ow + " must not be empty");
              continue;
            }
            PolicyOperation po;
            po.location = r.Loc(op);
            po.hosts = ReadPolicyValues(r, op, "hosts", ow, "string");
            po.not_hosts = ReadPolicyValues(r, op, "notHosts", ow, "string");
            po.ports = ReadPolicyValues(r, op, "ports", ow, "port");
            po.not_ports = ReadPolicyValues(r, op, "notPorts", ow, "port");
            po.methods = ReadPolicyValues(r, op, "methods", ow, "string");
            po.not_methods =
                ReadPolicyValues(r, op, "notMethods", ow, "string");
            po.paths = ReadPolicyValues(r, op, "paths", ow, "path");
            po.not_paths = ReadPolicyValues(r, op, "notPaths", ow, "path");
            out.to.push_back(po);
          }
        }
        YAML::Node when = r.Child(rule, "when");
        if (r.IsList(when, rw + ".when")) {
          for (size_t j = 0; j < when.size(); ++j) {
            const std::string ww = rw + ".when[" + std::to_string(j) + "]";
            if (!r.IsMap(when[j], ww)) continue;
            PolicyCondition c;
            c.location = r.Loc(when[j]);
            c.key = r.String(r.Child(when[j], "key"), ww + ".key").value_or("");
            if (!KnownConditionKey(c.key)) {
              r.Error(
                  r.Child(when[j], "key").IsDefined() ? r.Child(when[j], "key")
                                                      : when[j],
                  ww + ".key '" + c.key +
                      "' is not a supported condition; expected one of "
                      "request.headers[<name>], source.ip, remote.ip, "
                      "source.namespace, "
                      "source.principal, request.auth.principal, "
                      "request.auth.audiences, "
                      "request.auth.presenter, request.auth.claims[<name>], "
                      "destination.ip, destination.port, connection.sni");
              continue;
            }
            const std::string kind =
                c.key == "destination.port" ? "port"
                : (c.key == "source.ip" || c.key == "remote.ip" ||
                   c.key == "destination.ip")
                    ? "ip"
                    : "string";
            c.values = ReadPolicyValues(r, when[j], "values", ww, kind);
            c.not_values = ReadPolicyValues(r, when[j], "notValues", ww, kind);
            if (c.values.empty() && c.not_values.empty()) {
              r.Error(when[j], ww + ": one of values or notValues must be set");
              continue;
            }
            out.when.push_back(c);
          }
        }
        p.rules.push_back(out);
      }
    }
  }
  cluster.authorization_policies.push_back(std::move(p));
}

void LoadPeerAuthentication(Reader& r, const ObjectHeader& h,
                            const YAML::Node& obj, Cluster& cluster) {
  PeerAuthentication p;
  p.ns = h.ns;
  p.name = h.name;
  p.location = h.loc;
  YAML::Node spec = r.Child(obj, "spec");
  if (spec.IsMap()) {
    YAML::Node sel = r.Child(spec, "selector");
    if (r.IsMap(sel, h.what + ": spec.selector")) {
      p.selector =
          r.StringMap(r.Child(sel, "matchLabels"),
                      h.what + ": spec.selector.matchLabels", false, nullptr)
              .value_or(Labels{});
    }
    p.mode = r.String(r.Child(r.Child(spec, "mtls"), "mode"),
                      h.what + ": spec.mtls.mode")
                 .value_or("UNSET");
    static const std::set<std::string> kModes = {"UNSET", "DISABLE",
                                                 "PERMISSIVE", "STRICT"};
    if (!kModes.count(p.mode)) {
      r.Error(r.Child(r.Child(spec, "mtls"), "mode"),
              h.what +
                  ": spec.mtls.mode must be one of UNSET, DISABLE, PERMISSIVE, "
                  "STRICT, got '" +
                  p.mode + "'");
    }
  }
  cluster.peer_authentications.push_back(std::move(p));
}

void LoadObject(Reader& r, const YAML::Node& obj, Cluster& cluster,
                ManifestSink& sink, int depth);

bool IsModelledKind(const std::string& k, const std::string& group) {
  if (group.empty() || group == "apps")
    return k == "Namespace" || k == "Pod" || k == "Service" ||
           k == "Deployment" || k == "StatefulSet" || k == "DaemonSet" ||
           k == "ReplicaSet";
  if (group == "networking.istio.io")
    return k == "ServiceEntry" || k == "WorkloadEntry";
  if (group == "gateway.networking.k8s.io")
    return k == "Gateway" || k == "GatewayClass" || k == "HTTPRoute" ||
           k == "GRPCRoute" || k == "TCPRoute" || k == "TLSRoute";
  if (group == "security.istio.io")
    return k == "AuthorizationPolicy" || k == "PeerAuthentication";
  return false;
}

void LoadList(Reader& r, const YAML::Node& obj, Cluster& cluster,
              ManifestSink& sink, int depth) {
  YAML::Node items = r.Child(obj, "items");
  if (!r.IsList(items, "List: items")) return;
  for (const YAML::Node& item : items)
    LoadObject(r, item, cluster, sink, depth + 1);
}

// FNV-1a over a canonical walk of the node: map keys sorted, server-set
// metadata left out, so that a `kubectl get -o yaml` dump and the manifest it
// came from digest alike.
uint64_t ContentDigest(const YAML::Node& n, int depth) {
  uint64_t h = 1469598103934665603ull;
  auto mix = [&h](const std::string& s, char tag) {
    h ^= static_cast<unsigned char>(tag);
    h *= 1099511628211ull;
    for (unsigned char c : s) {
      h ^= c;
      h *= 1099511628211ull;
    }
  };
  auto mix64 = [&h](uint64_t v) {
    h ^= v;
    h *= 1099511628211ull;
  };
  if (depth > 64) return h;
  if (n.IsScalar()) {
    mix(n.Scalar(), 's');
  } else if (n.IsSequence()) {
    mix("", '[');
    for (const YAML::Node& c : n) mix64(ContentDigest(c, depth + 1));
  } else if (n.IsMap()) {
    static const std::set<std::string> kServerSet = {
        "resourceVersion", "uid",      "generation",
        "managedFields",   "selfLink", "creationTimestamp" /* ordering only */};
    std::map<std::string, uint64_t> kv;
    for (const auto& it : n) {
      if (!it.first.IsScalar()) continue;
      const std::string& key = it.first.Scalar();
      if (depth == 1 && kServerSet.count(key)) continue;
      kv[key] = ContentDigest(it.second, key == "metadata" ? 1 : depth + 2);
    }
    mix("", '{');
    for (const auto& [k, v] : kv) {
      mix(k, 'k');
      mix64(v);
    }
  }
  return h;
}

void LoadObject(Reader& r, const YAML::Node& obj, Cluster& cluster,
                ManifestSink& sink, int depth) {
  if (!obj.IsDefined() || obj.IsNull()) return;  // empty document
  if (!obj.IsMap()) {
    r.Error(obj,
            "expected a Kubernetes object (a map with apiVersion, kind and "
            "metadata), got " +
                Reader::Describe(obj));
    return;
  }
  if (depth > 8) {
    r.Error(obj, "List objects nested deeper than 8 levels");
    return;
  }
  YAML::Node kind_node = r.Child(obj, "kind");
  if (kind_node.IsScalar() &&
      (kind_node.Scalar() == "List" ||
       (kind_node.Scalar().size() > 4 &&
        kind_node.Scalar().compare(kind_node.Scalar().size() - 4, 4, "List") ==
            0 &&
        r.Child(obj, "items").IsSequence()))) {
    LoadList(r, obj, cluster, sink, depth);
    return;
  }
  // Kinds meshsim does not model are skipped before any validation: a dump
  // holds many objects whose shape is not ours to judge.
  if (kind_node.IsScalar()) {
    const std::string api = r.Child(obj, "apiVersion").IsScalar()
                                ? r.Child(obj, "apiVersion").Scalar()
                                : "";
    if (!IsModelledKind(kind_node.Scalar(), ApiGroup(api))) {
      const std::string g = ApiGroup(api);
      std::string label =
          kind_node.Scalar() + (g.empty() ? "" : " (" + g + ")");
      auto it = sink.skipped.emplace(label, SkippedKind{r.Loc(obj), 0}).first;
      ++it->second.second;
      return;
    }
  }
  auto h = ReadHeader(r, obj);
  if (!h) return;
  cluster.objects.emplace(
      h->kind + " " + (h->ns.empty() ? "" : h->ns + "/") + h->name,
      ObjectDigest{ContentDigest(obj, 0), h->loc});
  const std::string group = ApiGroup(h->api_version);
  const std::string& k = h->kind;
  if (k == "Namespace") {
    Namespace& ns = cluster.namespaces[h->name];
    if (ns.declared) {
      r.Warning(obj, "Namespace " + h->name + " is defined twice in cluster " +
                         cluster.name +
                         "; the labels of the first definition are used");
      return;
    }
    ns.name = h->name;
    ns.labels = h->labels;
    ns.location = h->loc;
    ns.declared = true;
    return;
  }
  if (k == "Pod") return LoadPod(r, *h, obj, sink);
  if (k == "Deployment" || k == "StatefulSet" || k == "DaemonSet" ||
      k == "ReplicaSet")
    return LoadController(r, *h, obj, sink);
  if (k == "Service" && group.empty()) return LoadService(r, *h, obj, cluster);
  if (k == "ServiceEntry" && group == "networking.istio.io")
    return LoadServiceEntry(r, *h, obj, cluster);
  if (k == "WorkloadEntry" && group == "networking.istio.io")
    return LoadWorkloadEntry(r, *h, obj, cluster);
  if (k == "Gateway" && group == "gateway.networking.k8s.io")
    return LoadGateway(r, *h, obj, cluster);
  if (k == "GatewayClass" && group == "gateway.networking.k8s.io") {
    GatewayClass gc;
    gc.name = h->name;
    gc.labels = h->labels;
    gc.location = h->loc;
    YAML::Node spec = r.Child(obj, "spec");
    gc.controller = r.String(r.Child(spec, "controllerName"),
                             h->what + ": spec.controllerName")
                        .value_or("");
    cluster.gateway_classes.emplace(gc.name, gc);
    return;
  }
  if ((k == "HTTPRoute" || k == "GRPCRoute" || k == "TCPRoute" ||
       k == "TLSRoute") &&
      group == "gateway.networking.k8s.io")
    return LoadRoute(r, *h, obj, cluster);
  if (k == "AuthorizationPolicy" && group == "security.istio.io")
    return LoadAuthorizationPolicy(r, *h, obj, cluster);
  if (k == "PeerAuthentication" && group == "security.istio.io")
    return LoadPeerAuthentication(r, *h, obj, cluster);
  std::string label = k + (group.empty() ? "" : " (" + group + ")");
  auto it = sink.skipped.emplace(label, SkippedKind{h->loc, 0}).first;
  ++it->second.second;
}

}  // namespace

namespace {
void ReportSkipped(ManifestSink& sink, Diagnostics& diags) {
  for (const auto& [kind, s] : sink.skipped) {
    diags.Note(s.first, "skipped " + std::to_string(s.second) + " object" +
                            (s.second == 1 ? "" : "s") + " of kind " + kind +
                            ", which meshsim does not model");
  }
  sink.skipped.clear();
}
}  // namespace

void LoadManifestInto(const std::string& text, const std::string& file,
                      Cluster& cluster, ManifestSink& sink,
                      Diagnostics& diags) {
  // Streamed: a whole-cluster dump is loaded one object at a time.
  Reader r(file, diags);
  sink.skipped.clear();
  sink.nodes = cluster.nodes.size();
  StreamDocuments(text, file, diags, [&](const YAML::Node& doc) {
    LoadObject(r, doc, cluster, sink, 0);
  });
  ReportSkipped(sink, diags);
}

void LoadParsedObjects(Reader& r, const YAML::Node& objects, Cluster& cluster,
                       ManifestSink& sink) {
  sink.skipped.clear();
  sink.nodes = cluster.nodes.size();
  for (const YAML::Node& obj : objects) LoadObject(r, obj, cluster, sink, 0);
  ReportSkipped(sink, r.diags());
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
    cluster.workloads.push_back(std::move(w));
  }
  std::set<std::string> deployments;
  for (const PendingController& c : sink.controllers)
    if (c.kind == "Deployment") deployments.insert(c.ns + "/" + c.name);
  for (const PendingController& c : sink.controllers) {
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
      Workload w = c.pod_template;
      w.ns = c.ns;
      w.owner = c.name;
      w.owner_kind = c.kind;
      w.name = c.name + "-" + std::to_string(i);
      w.location = c.location;
      if (c.kind == "DaemonSet") w.node = cluster.nodes[i].name;
      if (const std::string* gw = FindLabel(c.labels, kLabelGatewayName))
        w.labels.emplace(kLabelGatewayName, *gw);
      cluster.workloads.push_back(std::move(w));
    }
  }
  sink.pods.clear();
  sink.controllers.clear();
}

}  // namespace meshsim::io

namespace meshsim {

void LoadManifestText(const std::string& text, const std::string& file_label,
                      Cluster& cluster, Diagnostics& diags) {
  io::ManifestSink sink;
  io::LoadManifestInto(text, file_label, cluster, sink, diags);
  io::FinishCluster(cluster, sink);
}

}  // namespace meshsim
