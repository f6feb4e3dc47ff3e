#include "model/mesh.h"

#include <algorithm>
#include <cctype>
#include <iterator>
#include <set>
#include <thread>

#include "model/ambient_index.h"
#include "model/binding.h"
#include "model/labels.h"
#include "model/mesh_queries.h"
#include "model/networking.h"
#include "model/parallel.h"
#include "model/peering.h"
#include "model/text.h"

namespace meshsim {

// model/endpoint_slices.cc: a Service's EndpointSlice endpoints (§3.4); the
// warnings about slices only when `diags` is given (the first pass).
void AddSliceEndpoints(Cluster& c, Diagnostics* diags);
// model/routers.cc: the pods Istio Gateways make Routers (§16.3), with a
// warning at a selector matching application pods.
void DeriveRouters(Cluster& c, std::vector<Diagnostic>& notes);
// model/routers.cc: marks the Gateway API listeners istiod does not program
// (§9), with a warning.
void MarkUnprogrammedListeners(Cluster& c, std::vector<Diagnostic>& notes);
// model/routers.cc: Gateway API routes a granted host-name backendRef makes
// istiod reject (§9), with a warning.
void RejectGrantedHostNames(Cluster& c, std::vector<Diagnostic>& notes);
// model/network_gateways.cc: a warning at each east-west Gateway istiod does
// not take as its network's gateway (§7.1).
void WarnNetworkGateways(const IstioSettings& istio, const Cluster& c,
                         Diagnostics& diags);

bool IstioSettings::Discovers(const Labels& ns_labels) const {
  if (discovery_selectors.empty()) return true;
  for (const LabelSelector& sel : discovery_selectors)
    if (sel.Matches(ns_labels)) return true;
  return false;
}

const std::string& IstioSettings::EntryVisibility(
    const Labels& ns_labels) const {
  for (const EntryVisibilityPolicy& p : entry_visibility_policies)
    if (!p.unmatchable &&
        std::all_of(
            p.namespace_selectors.begin(), p.namespace_selectors.end(),
            [&](const LabelSelector& s) { return s.Matches(ns_labels); }))
      return p.visibility;
  return entry_visibility_default;
}

bool IstioSettings::Flag(const std::string& name, bool def) const {
  auto it = flags.find(name);
  if (it == flags.end()) return def;
  return it->second == "true" || it->second == "1" || it->second == "True" ||
         it->second == "TRUE";
}

std::string Service::Hostname() const {
  if (kind == "ServiceEntry" && !hosts.empty()) return hosts.front();
  return name + "." + ns + ".svc.cluster.local";
}

const ServicePort* Service::FindPort(int port) const {
  for (const ServicePort& p : ports)
    if (p.port == port) return &p;
  return nullptr;
}

bool SelectorMatches(const Labels& selector, const Labels& labels) {
  for (const auto& [k, v] : selector) {
    auto it = labels.find(k);
    if (it == labels.end() || it->second != v) return false;
  }
  return true;
}

bool LabelSelector::Matches(const Labels& labels) const {
  if (!SelectorMatches(match_labels, labels)) return false;
  for (const Expression& e : expressions) {
    const std::string* v = FindLabel(labels, e.key);
    const bool in =
        v && std::find(e.values.begin(), e.values.end(), *v) != e.values.end();
    if ((e.op == "In" && !in) || (e.op == "NotIn" && in) ||
        (e.op == "Exists" && !v) || (e.op == "DoesNotExist" && v))
      return false;
  }
  return true;
}

bool ServiceScopeGlobal(const IstioSettings& istio, const Labels& ns_labels,
                        const Labels& labels) {
  // §15.2: Solo's peering, or DISABLE_LEGACY_MULTICLUSTER, builds no §7
  // remote-secret merge, so nothing is global in its sense.
  if (istio.distribution == Distribution::kSolo &&
      (istio.Flag("ENABLE_PEERING_DISCOVERY", false) ||
       istio.Flag("DISABLE_LEGACY_MULTICLUSTER", false)))
    return false;
  if (!istio.service_scope_configs) {
    const std::string* v = FindLabel(labels, kLabelGlobal);
    return v && *v == "true";
  }
  // The first matching GLOBAL entry decides; LOCAL entries change nothing.
  for (const ServiceScopeConfig& c : *istio.service_scope_configs) {
    if (!c.global) continue;
    if (c.namespace_selector && !c.namespace_selector->Matches(ns_labels))
      continue;
    if (c.services_selector && !c.services_selector->Matches(labels)) continue;
    return true;
  }
  return false;
}

bool WaypointServiceGlobal(const Mesh& mesh, const Cluster& cluster,
                           const Gateway& gw) {
  const Labels ns_labels = cluster.SelectorLabels(gw.ns);
  const Service* own = cluster.FindService(gw.Key());
  if (own && own->kind == "Service")
    return ServiceScopeGlobal(mesh.istio, ns_labels, own->labels);
  Labels generated = gw.labels;
  for (const auto& [k, v] : gw.infrastructure_labels) generated[k] = v;
  return ServiceScopeGlobal(mesh.istio, ns_labels, generated);
}

const std::string* FindLabel(const Labels& labels, const std::string& key) {
  auto it = labels.find(key);
  return it == labels.end() ? nullptr : &it->second;
}

std::string GeneratedDeploymentName(const Gateway& gw) {
  if (gw.role == GatewayRole::kWaypoint || gw.role == GatewayRole::kEastWest)
    return gw.name;
  return gw.name + "-" + gw.class_name;
}

const std::vector<std::string>& BuiltinGatewayClasses() {
  static const std::vector<std::string> kClasses = {
      "istio",          "istio-waypoint", "istio-east-west",
      "istio-eastwest", "istio-remote",   "gloo-waypoint"};
  return kClasses;
}

bool IsBuiltinGatewayClass(const std::string& class_name) {
  const std::vector<std::string>& all = BuiltinGatewayClasses();
  return std::find(all.begin(), all.end(), class_name) != all.end();
}

namespace {

// A Kubernetes Service defined twice in a cluster: meshsim keeps the first
// definition (and says so) and drops the others, so that no engine reads
// them (the verifier once took a waypoint intent from a dropped copy).
void DropDuplicateServices(Cluster& c, Diagnostics& diags) {
  std::set<std::string> seen;
  std::erase_if(c.services, [&](const Service& s) {
    if (s.kind != "Service" || seen.insert(s.Key()).second) return false;
    diags.Warning(s.location, "Service " + s.Key() +
                                  " is defined twice in cluster " + c.name +
                                  "; the first definition is used");
    return true;
  });
}

GatewayRole RoleForClass(const std::string& class_name,
                         const GatewayClass* defined) {
  // §2.1 (istio-waypoint, istio-agentgateway-waypoint), §15 (gloo-waypoint,
  // Solo's istio-eastwest and
  // istio-remote), §7.1 (istio-east-west). Any other class is an ingress.
  if (class_name == "istio-waypoint" || class_name == "gloo-waypoint" ||
      class_name == "istio-agentgateway-waypoint")
    return GatewayRole::kWaypoint;
  if (class_name == "istio-east-west" || class_name == "istio-eastwest")
    return GatewayRole::kEastWest;
  if (class_name == "istio-remote") return GatewayRole::kRemote;
  // §2.1: istiod deploys a Gateway of a GatewayClass of its own by the
  // class's controller (deploymentcontroller.go getClassInfos): the mesh
  // controller's is a waypoint whatever the class's name.
  if (defined) {
    const std::string& c = defined->controller;
    if (c == "istio.io/mesh-controller" ||
        c == "istio.io/agentgateway-waypoint-controller")
      return GatewayRole::kWaypoint;
    if (c == "istio.io/eastwest-controller") return GatewayRole::kEastWest;
    if (c == "istio.io/unmanaged-gateway") return GatewayRole::kRemote;
  }
  return GatewayRole::kIngress;
}

// §16.9: istiod reads nothing from a namespace MeshConfig discoverySelectors
// leave out: its Istio and Gateway API objects, ServiceEntries and
// WorkloadEntries are dropped; its Services move aside (kube-dns and
// kube-proxy still serve them); its pods stay, outside ambient (DeriveCapture).
void ApplyDiscoverySelectors(const IstioSettings& istio, Cluster& c,
                             std::vector<Diagnostic>& notes) {
  c.undiscovered_namespaces.clear();
  c.undiscovered_services.clear();
  if (istio.discovery_selectors.empty()) return;
  std::set<std::string> names;
  for (const auto& [n, ns] : c.namespaces) names.insert(n);
  // A namespace that holds only configuration (delegate VirtualServices,
  // policies) is judged like any other by its labels.
  auto add = [&](const auto& objects) {
    for (const auto& o : objects) names.insert(o.ns);
  };
  add(c.workloads), add(c.services), add(c.routes);
  add(c.delegate_virtual_services), add(c.destination_rules);
  add(c.authorization_policies), add(c.peer_authentications);
  add(c.request_authentications);
  for (const auto& [key, g] : c.gateways) names.insert(g.ns);
  for (const auto& [key, g] : c.istio_gateways) names.insert(g.ns);
  std::set<std::string> out;
  for (const std::string& n : names)
    if (!istio.Discovers(c.SelectorLabels(n))) out.insert(n);
  if (out.empty()) return;
  c.undiscovered_namespaces.assign(out.begin(), out.end());
  // What istiod ignores, per namespace, for the note.
  std::map<std::string, std::vector<std::string>> ignored;
  std::map<std::string, SourceLocation> first;
  auto drop = [&](const std::string& ns, const std::string& what,
                  const SourceLocation& loc) {
    if (!out.count(ns)) return false;
    ignored[ns].push_back(what);
    first.emplace(ns, loc);
    return true;
  };
  auto erase_if = [](auto& v, auto pred) {
    v.erase(std::remove_if(v.begin(), v.end(), pred), v.end());
  };
  erase_if(c.routes, [&](const HttpRoute& r) {
    return drop(r.ns, r.kind + " " + r.name, r.location);
  });
  erase_if(c.delegate_virtual_services, [&](const HttpRoute& r) {
    return drop(r.ns, r.kind + " " + r.name, r.location);
  });
  erase_if(c.destination_rules, [&](const DestinationRule& d) {
    return drop(d.ns, "DestinationRule " + d.name, d.location);
  });
  erase_if(c.authorization_policies, [&](const AuthorizationPolicy& p) {
    return drop(p.ns, "AuthorizationPolicy " + p.name, p.location);
  });
  erase_if(c.peer_authentications, [&](const PeerAuthentication& p) {
    return drop(p.ns, "PeerAuthentication " + p.name, p.location);
  });
  erase_if(c.request_authentications, [&](const RequestAuthentication& p) {
    return drop(p.ns, "RequestAuthentication " + p.name, p.location);
  });
  erase_if(c.workloads, [&](const Workload& w) {
    if (w.kind != "WorkloadEntry") return false;
    // A ServiceEntry's inline endpoint goes with the entry, named there.
    if (!w.service_entry.empty()) return out.count(w.ns) > 0;
    return drop(w.ns, "WorkloadEntry " + w.name, w.location);
  });
  for (auto it = c.gateways.begin(); it != c.gateways.end();) {
    const Gateway& g = it->second;
    it = drop(g.ns, "Gateway " + g.name, g.location) ? c.gateways.erase(it)
                                                     : std::next(it);
  }
  for (auto it = c.istio_gateways.begin(); it != c.istio_gateways.end();) {
    const IstioGateway& g = it->second;
    it = drop(g.ns, "Gateway (networking.istio.io) " + g.name, g.location)
             ? c.istio_gateways.erase(it)
             : std::next(it);
  }
  std::vector<Service> kept;
  for (Service& sv : c.services) {
    if (!out.count(sv.ns)) {
      kept.push_back(std::move(sv));
    } else if (sv.kind == "Service") {
      c.undiscovered_services.push_back(std::move(sv));
    } else {
      drop(sv.ns, "ServiceEntry " + sv.name, sv.location);
    }
  }
  c.services = std::move(kept);
  for (const auto& [ns, what] : ignored) {
    std::string list;
    for (size_t i = 0; i < what.size() && i < 5; ++i)
      list += (i ? ", " : "") + what[i];
    if (what.size() > 5)
      list += " and " + std::to_string(what.size() - 5) + " more";
    const Namespace* decl = c.FindNamespace(ns);
    notes.push_back(
        {Severity::kWarning,
         decl && decl->declared ? decl->location : first[ns],
         "namespace " + ns + " in cluster " + c.name +
             " is not selected by istio.meshConfig.discoverySelectors, so "
             "istiod ignores its " +
             list + " (§16.9)",
         "undiscovered-namespace",
         {"Namespace", "", ns, c.name}});
  }
  // Pods that istio-cni would still enroll: ztunnel has no workload for them.
  for (const Workload& w : c.workloads) {
    if (!out.count(w.ns) || w.kind != "Pod" ||
        w.role != WorkloadRole::kApplication || w.sidecar_injected)
      continue;
    const std::string* pod_mode = FindLabel(w.labels, kLabelDataplaneMode);
    const std::string* ns_mode =
        FindLabel(c.NamespaceLabels(w.ns), kLabelDataplaneMode);
    const bool ambient = (pod_mode && *pod_mode == "ambient") ||
                         (!pod_mode && ns_mode && *ns_mode == "ambient");
    if (!ambient) continue;
    notes.push_back(
        {Severity::kWarning,
         w.location,
         "pod " + w.Key() + " in cluster " + c.name +
             " is enrolled in ambient, but its namespace is not selected by "
             "istio.meshConfig.discoverySelectors: istio-cni still redirects "
             "its traffic to ztunnel, which has no workload for it; meshsim "
             "models it outside the mesh (§16.9)",
         "undiscovered-namespace",
         {"Pod", w.ns, w.name, c.name}});
  }
}

// §15.1: Solo's auto-waypoint controller writes one Gateway N/auto (class
// istio-waypoint, type service) per namespace N whose Namespace, or any
// Service/ServiceEntry in it, carries istio.io/use-waypoint=auto (objects
// that also name use-waypoint-namespace do not count). An existing Gateway
// named auto is left alone.
void AddSoloAutoWaypoints(Cluster& c, std::vector<Diagnostic>& notes) {
  std::map<std::string, SourceLocation> wanted;  // namespace -> first trigger
  for (const auto& [name, ns] : c.namespaces) {
    const std::string* v = FindLabel(ns.labels, kLabelUseWaypoint);
    if (v && *v == "auto" && !FindLabel(ns.labels, kLabelUseWaypointNamespace))
      wanted.emplace(name, ns.location);
  }
  for (const Service& s : c.services) {
    const std::string* v = FindLabel(s.labels, kLabelUseWaypoint);
    if (!v || *v != "auto" || FindLabel(s.labels, kLabelUseWaypointNamespace))
      continue;
    wanted.emplace(s.ns, s.location);
    // The seed document's collision warning: auto on both the namespace and
    // one of its services.
    const std::string* nsv =
        FindLabel(c.NamespaceLabels(s.ns), kLabelUseWaypoint);
    if (nsv && *nsv == "auto") {
      auto it = s.label_locations.find(kLabelUseWaypoint);
      notes.push_back(
          {Severity::kWarning,
           it == s.label_locations.end() ? s.location : it->second,
           (s.kind == "Service" ? "service " : "ServiceEntry ") + s.Key() +
               " and its namespace both carry istio.io/use-waypoint=auto; the "
               "Solo documentation says to label either the namespace or its "
               "services, never both (istiod resolves both to " +
               s.ns + "/auto, §15)",
           "auto-waypoint-collision",
           {s.kind, s.ns, s.name, c.name}});
    }
  }
  for (const auto& [ns, loc] : wanted) {
    const std::string key = ns + "/auto";
    if (c.gateways.count(key)) continue;
    Gateway gw;
    gw.ns = ns;
    gw.name = "auto";
    gw.class_name = "istio-waypoint";
    gw.annotations["solo.io/auto-waypoint"] = "true";
    gw.listeners.push_back({"mesh",
                            15008,
                            "HBONE",
                            "",
                            "",
                            {},
                            0,
                            false,
                            true,
                            "Same",
                            {},
                            {},
                            loc});
    gw.synthesized = true;
    gw.location = loc;
    c.gateways.emplace(key, gw);
  }
}

std::string Ip(int a, int b, int n) {
  return std::to_string(a) + "." + std::to_string(b) + "." +
         std::to_string(n / 250) + "." + std::to_string(n % 250 + 1);
}

}  // namespace

namespace {

// Gateway roles and networks, the roles of gateway pods found in the
// manifests, and the pods Istio would deploy for gateways that have none.
void DeriveGateways(Cluster& c, const std::map<std::string, int>& replicas) {
  for (auto& [key, gw] : c.gateways) {
    auto gc = c.gateway_classes.find(gw.class_name);
    gw.role = RoleForClass(
        gw.class_name, gc != c.gateway_classes.end() ? &gc->second : nullptr);
    gw.class_known =
        IsBuiltinGatewayClass(gw.class_name) || gc != c.gateway_classes.end();
    // §16 (gatewaycommon/classinfo.go): agentgateway's classes and
    // controllers.
    gw.agentgateway =
        gw.class_name == "istio-agentgateway" ||
        gw.class_name == "istio-agentgateway-waypoint" ||
        (gc != c.gateway_classes.end() &&
         (gc->second.controller == "istio.io/agentgateway-controller" ||
          gc->second.controller ==
              "istio.io/agentgateway-waypoint-controller"));
    const std::string* net = FindLabel(gw.labels, kLabelNetwork);
    gw.network = net ? *net : c.network;
  }
  auto role_of = [](const Gateway& gw) {
    return gw.role == GatewayRole::kWaypoint   ? WorkloadRole::kWaypoint
           : gw.role == GatewayRole::kEastWest ? WorkloadRole::kEastWest
                                               : WorkloadRole::kIngress;
  };
  for (Workload& w : c.workloads) {
    const std::string* gw_name = FindLabel(w.labels, kLabelGatewayName);
    if (!gw_name) continue;
    const Gateway* gw = c.FindGateway(w.ns + "/" + *gw_name);
    if (!gw) continue;
    w.gateway = gw->Key();
    w.role = role_of(*gw);
  }
  // Gateways that have pods, in one pass over the workloads (not one per
  // gateway: a mesh of waypoints per namespace has thousands).
  // Copies, not views: erasing a gateway's pods below moves the others.
  std::set<std::string> with_pods;
  for (const Workload& w : c.workloads)
    if (!w.gateway.empty()) with_pods.insert(w.gateway);
  // The pods added, appended at the end in one allocation.
  std::vector<Workload> added;
  for (auto& [key, gw] : c.gateways) {
    if (gw.role == GatewayRole::kRemote) continue;
    if (!gw.class_known && !gw.has_status) continue;  // no controller
    // A replica count from `sweep` or `plan` replaces the manifests' pods.
    auto over = replicas.find(c.name + "/" + key);
    if (over != replicas.end()) {
      const std::string& gkey = key;  // a lambda may not name a binding
      std::erase_if(c.workloads,
                    [&](const Workload& w) { return w.gateway == gkey; });
    } else {
      if (c.gateway_deployments.count(key)) continue;
      if (with_pods.count(key)) continue;
    }
    // §2.1: one replica, named and labelled as the deployment controller
    // does; the Gateway's labels and infrastructure labels propagate.
    const int count = over != replicas.end() ? over->second : 1;
    for (int i = 0; i < count; ++i) {
      Workload w;
      w.kind = "Pod";
      w.ns = gw.ns;
      w.owner = GeneratedDeploymentName(gw);
      w.owner_kind = "Deployment";
      w.name = w.owner + "-" + std::to_string(i);
      w.scaled = i > 0;
      w.labels = gw.labels;
      for (const auto& [k, v] : gw.infrastructure_labels) w.labels[k] = v;
      w.labels[kLabelGatewayName] = gw.name;
      w.labels["istio.io/gateway-name"] = gw.name;
      w.service_account = w.owner;
      w.gateway = key;
      w.role = role_of(gw);
      w.location = gw.location;
      if (gw.role == GatewayRole::kWaypoint ||
          gw.role == GatewayRole::kEastWest)
        w.labels[kLabelDataplaneMode] = "none";
      added.push_back(std::move(w));
    }
  }
  c.workloads.reserve(c.workloads.size() + added.size());
  std::move(added.begin(), added.end(), std::back_inserter(c.workloads));
}

// a.Key() < b.Key() ("ns/name" as one string) without building the keys.
bool KeyLess(const std::string& a_ns, const std::string& a_name,
             const std::string& b_ns, const std::string& b_name) {
  if (a_ns == b_ns) return a_name < b_name;
  const size_t n = std::min(a_ns.size(), b_ns.size());
  for (size_t i = 0; i < n; ++i)
    if (a_ns[i] != b_ns[i])
      return static_cast<unsigned char>(a_ns[i]) <
             static_cast<unsigned char>(b_ns[i]);
  // One namespace is a prefix of the other: its '/' meets the other's next
  // character; a namespace holds no '/', so they differ.
  const std::string& longer = a_ns.size() < b_ns.size() ? b_ns : a_ns;
  const unsigned char next = static_cast<unsigned char>(longer[n]);
  if (next == '/') return a_ns + "/" + a_name < b_ns + "/" + b_name;
  return a_ns.size() < b_ns.size() ? '/' < next : next < '/';
}

// Workload indexes in namespace/name order: placement and addresses must
// not depend on the order objects come in.
std::vector<size_t> CanonicalOrder(const Cluster& c) {
  std::vector<size_t> order(c.workloads.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  // Replicas that `sweep` or `plan` add come last, so that scaling a
  // gateway moves no other pod to another node or address.
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const Workload& x = c.workloads[a];
    const Workload& y = c.workloads[b];
    if (x.scaled != y.scaled) return y.scaled;
    return KeyLess(x.ns, x.name, y.ns, y.name);
  });
  return order;
}

// Pods without spec.nodeName go round-robin over the nodes; then networks
// and addresses (10.<10+cluster>.x.y), skipping addresses the manifests give.
void PlaceAndAddress(Cluster& c, int cluster_index,
                     const std::vector<size_t>& order,
                     const std::set<std::string>& given_ips,
                     const IstioVersion& ver) {
  std::vector<size_t> unplaced;
  for (size_t i : order) {
    const Workload& w = c.workloads[i];
    if (w.kind == "Pod" && w.node.empty()) unplaced.push_back(i);
  }
  for (size_t k = 0; k < unplaced.size(); ++k)
    c.workloads[unplaced[k]].node = c.nodes[k % c.nodes.size()].name;
  int next_ip = 0;
  for (size_t i : order) {
    Workload& w = c.workloads[i];
    // §7.1: istiod's ambient index gives a pod its cluster's network and a
    // WorkloadEntry (or entry endpoint) its `network` field, else the
    // cluster's; from 1.25 neither reads a topology.istio.io/network label
    // (before, a pod's or WorkloadEntry's label came first).
    if (w.network.empty()) {
      const std::string* net = !ver.AtLeast(1, 25) && w.service_entry.empty()
                                   ? FindLabel(w.labels, kLabelNetwork)
                                   : nullptr;
      w.network = net ? *net : c.network;
    }
    if (!w.ip.empty()) continue;
    if (w.host_network && !w.node.empty()) {
      w.ip = "node:" + w.node;
      continue;
    }
    std::string ip;
    do ip = Ip(10, 10 + cluster_index, next_ip++);
    while (given_ips.count(ip));  // next_ip only grows: none made twice
    w.ip = ip;
  }
}

void IndexWorkloads(Cluster& c, Diagnostics& diags, const IstioVersion& ver) {
  c.workload_by_key.clear();
  c.workload_by_ip.clear();
  c.gateway_pods.clear();
  c.workloads_by_owner.clear();
  c.slice_workloads_by_service.clear();
  c.slice_refs_by_service.clear();
  c.workloads_indexed = true;
  for (size_t i = 0; i < c.workloads.size(); ++i) {
    const Workload& w = c.workloads[i];
    if (!w.owner.empty())
      c.workloads_by_owner[w.ns + "/" + w.owner].push_back(i);
    if (!c.workload_by_key.emplace(w.Key(), i).second) {
      diags.Warning(w.location, w.kind + " " + w.Key() +
                                    " is defined twice in cluster " + c.name +
                                    "; the first definition is used");
    }
    // §7.1: a network label on a pod or WorkloadEntry is not read (once
    // per controller).
    if (const std::string* net = FindLabel(w.labels, kLabelNetwork);
        net && *net != w.network && w.gateway.empty() && ver.AtLeast(1, 25) &&
        (w.owner_kind == "Pod" || w.owner_kind == "WorkloadEntry" ||
         !c.workloads_by_owner.count(w.ns + "/" + w.owner) ||
         c.workloads_by_owner[w.ns + "/" + w.owner].front() == i))
      diags.Warning(w.label_locations.count(kLabelNetwork)
                        ? w.label_locations.at(kLabelNetwork)
                        : w.location,
                    w.Subject() + " is labelled " + kLabelNetwork + "=" + *net +
                        ", which istiod's ambient index does not read: " +
                        "ztunnel puts it on network " + w.network +
                        (!w.service_entry.empty()
                             ? " (set the endpoint's network instead)"
                         : w.kind == "WorkloadEntry"
                             ? " (set spec.network instead)"
                             : " (its cluster's, from istio-system's label)") +
                        "; Envoy's EDS would read the label, meshsim follows "
                        "ztunnel (§7.1)");
    // §3.4: ztunnel indexes no EndpointSlice endpoint by its address.
    if (w.kind == "EndpointSlice") {
      c.slice_workloads_by_service[w.ns + "/" + w.slice_service].push_back(i);
      continue;
    }
    // A pod owns its address: a WorkloadEntry or ServiceEntry endpoint
    // naming a pod's address does not take it over (§3.4); a live workload
    // takes it from one that has ended (§3.6: Kubernetes reuses the
    // address, istiod makes no workload of the ended pod).
    auto [at, fresh] = c.workload_by_ip.emplace(w.ip, i);
    const Workload& held = c.workloads[at->second];
    if (!fresh && w.kind == "Pod" && held.kind == "Pod" && !w.terminal &&
        !held.terminal && !w.host_network && !held.host_network &&
        w.Key() != held.Key())
      diags.Warning(w.location, "Pod " + w.Key() + " has address " + w.ip +
                                    ", which Pod " + held.Key() +
                                    " also has; requests to it reach " +
                                    held.Key() + " (check status.podIP)");
    if (!fresh && ((w.kind == "Pod" && held.kind != "Pod") ||
                   (held.terminal && !w.terminal)))
      at->second = i;
    if (!w.gateway.empty()) c.gateway_pods[w.gateway].push_back(i);
  }
  for (size_t ri = 0; ri < c.slice_pod_refs.size(); ++ri) {
    const Cluster::SlicePodRef& ref = c.slice_pod_refs[ri];
    c.slice_refs_by_service[ref.ns + "/" + ref.service].push_back(ri);
  }
}

// A stable sort that moves each Service once: the order is found on
// indexes, then applied (a Service is large; the merge sort moved each one
// log n times).
template <class Less>
void SortServices(std::vector<Service>& v, Less less) {
  std::vector<size_t> order(v.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return less(v[a], v[b]); });
  // Applied in place, one cycle of the permutation at a time: each Service
  // moves once, into memory already touched (a sorted copy allocated and
  // first-touched 113 MB at 10x).
  for (size_t start = 0; start < order.size(); ++start) {
    if (order[start] == start) continue;
    Service held = std::move(v[start]);
    size_t at = start;
    while (order[at] != start) {
      const size_t from = order[at];
      v[at] = std::move(v[from]);
      order[at] = at;
      at = from;
    }
    v[at] = std::move(held);
    order[at] = at;
  }
}

// Services in namespace/name order (a Service before a ServiceEntry of the
// same name), their VIPs, hosts and endpoints.
}  // namespace

bool AutoAllocatesAddress(const IstioSettings& istio, const Cluster& c,
                          const Service& s) {
  const std::string* opt =
      FindLabel(s.labels, "networking.istio.io/enable-autoallocate-ip");
  if (opt && AsciiLower(*opt) == "false") return false;
  return istio.Flag("PILOT_ENABLE_IP_AUTOALLOCATE",
                    c.VersionOr(istio.version).AtLeast(1, 25));
}

namespace {

void IndexServices(const IstioSettings& istio, Cluster& c, int cluster_index,
                   const std::vector<size_t>& order, Diagnostics& diags,
                   bool again = false) {
  SortServices(c.services, [](const Service& a, const Service& b) {
    if (a.ns != b.ns) return a.ns < b.ns;
    if (a.name != b.name) return a.name < b.name;
    return a.kind == "Service" && b.kind != "Service";
  });
  int next_vip = 0, next_auto = 0;
  // Finalize indexes again after peering adds ServiceEntries: addresses
  // given before stay, new ones skip them.
  std::set<std::string> taken;
  for (const Service& s : c.services)
    taken.insert(s.vips.begin(), s.vips.end());
  for (const Service& s : c.undiscovered_services)
    taken.insert(s.vips.begin(), s.vips.end());
  auto fresh = [&](int a, int b, int& next) {
    std::string ip;
    do ip = Ip(a, b, next++);
    while (taken.count(ip));
    return ip;
  };
  // Before the de-duplication below: an entry the ambient index leaves out
  // holds no host there.
  for (Service& s : c.services)
    s.out_of_ambient_index = OutOfAmbientIndex(s, c.VersionOr(istio.version));
  ShadowDuplicateHosts(c);
  c.service_by_key.clear();
  c.service_by_vip.clear();
  c.cidr_services.clear();
  c.service_by_external_address.clear();
  c.service_by_host.clear();
  c.service_endpoints.assign(c.services.size(), {});
  c.workload_services.assign(c.workloads.size(), {});
  // Endpoints in namespace/name order, like addresses: the order objects
  // come in must not change which endpoint a load balancer picks.
  std::map<std::string, std::vector<size_t>> workloads_by_ns;
  for (size_t i : order) workloads_by_ns[c.workloads[i].ns].push_back(i);
  for (size_t si = 0; si < c.services.size(); ++si) {
    Service& s = c.services[si];
    if (!c.service_by_key.emplace(s.Key(), si).second && s.kind == "Service" &&
        !again) {
      diags.Warning(s.location, "Service " + s.Key() +
                                    " is defined twice in cluster " + c.name +
                                    "; the first definition is used");
    }
    if (s.kind == "Service" && !s.headless && !s.external_name &&
        s.vips.empty()) {
      s.vips.push_back(fresh(10, 96 + cluster_index, next_vip));
    }
    if (s.kind == "ServiceEntry" && s.vips.empty()) {
      // §3.4: auto-allocation (PILOT_ENABLE_IP_AUTOALLOCATE, default on
      // from 1.25, 240.240.0.0/16) skips wildcard hosts unless DYNAMIC_DNS,
      // resolution NONE, which passes through to the original address, and
      // entries labelled networking.istio.io/enable-autoallocate-ip=false.
      // Per host (ipallocate.go keepHost): one host without a wildcard
      // gets the entry an address, which its wildcard hosts do not share
      // (Service::HostHasAddress).
      bool allocatable = s.resolution == "DYNAMIC_DNS";
      for (const std::string& h : s.hosts)
        allocatable = allocatable || h.rfind("*", 0) != 0;
      if (AutoAllocatesAddress(istio, c, s) && s.resolution != "NONE" &&
          allocatable) {
        s.vips.push_back(fresh(240, 240, next_auto));
        s.auto_allocated = true;
      }
    }
    // With peering, ApplyPeering reads the Service's own value between the
    // passes (§15.2): the effective one is the last pass's.
    if (again || !PeeringEnabled(istio))
      s.traffic_distribution =
          EffectiveTrafficDistribution(c, s, c.VersionOr(istio.version));
    // §2.4 (1.31+): MeshConfig serviceEntryVisibility, by namespace labels.
    // NONE: published to no proxy at all, its own namespace's included.
    const std::string visibility =
        s.kind == "ServiceEntry" && !s.peered &&
                c.VersionOr(istio.version).AtLeast(1, 31)
            ? istio.EntryVisibility(c.SelectorLabels(s.ns))
            : std::string();
    s.namespace_only = visibility == "NAMESPACE" || visibility == "NONE";
    s.visibility_none = visibility == "NONE";
    s.namespace_only_sidecars =
        s.namespace_only && istio.entry_visibility_sidecars;
    // §3.4: an entry whose every host another holds is not in WDS.
    if (s.Shadowed()) continue;
    for (const std::string& vip : s.vips) c.service_by_vip[vip].push_back(si);
    if (std::any_of(s.vips.begin(), s.vips.end(), [](const std::string& v) {
          return v.find('/') != std::string::npos;
        }))
      c.cidr_services.push_back(si);
    for (const std::string& a : s.external_addresses)
      c.service_by_external_address.emplace(a, si);
    if (s.kind == "Service") {
      c.service_by_host[s.Hostname()].push_back(si);
    } else {
      for (const std::string& h : s.hosts)
        if (!s.ShadowedHost(h)) c.service_by_host[h].push_back(si);
    }
    // A ServiceEntry's empty workloadSelector selects nothing (istiod's
    // FilterSelectsNonEmpty); a Service's empty selector is read as none.
    if (s.selector && !s.external_name &&
        !(s.kind == "ServiceEntry" && s.selector->empty())) {
      // §3.4: a Kubernetes Service also selects WorkloadEntries
      // (PILOT_ENABLE_K8S_SELECT_WORKLOAD_ENTRIES, on by default).
      const bool selects_entries =
          istio.Flag("PILOT_ENABLE_K8S_SELECT_WORKLOAD_ENTRIES", true);
      for (size_t wi : workloads_by_ns[s.ns]) {
        const Workload& w = c.workloads[wi];
        if (!w.service_entry.empty()) continue;  // its own entry's only
        if (s.kind == "Service" && w.kind != "Pod" &&
            !(w.kind == "WorkloadEntry" && selects_entries))
          continue;
        if (SelectorMatches(*s.selector, w.labels)) {
          c.service_endpoints[si].push_back(wi);
          c.workload_services[wi].push_back(si);
        }
      }
    }
  }
  // §3.4: a ServiceEntry's inline endpoints with an IP address are
  // workloads of its namespace that it alone selects.
  MarkPrunedEndpoints(c, c.VersionOr(istio.version));
  for (size_t si = 0; si < c.services.size(); ++si) {
    const Service& s = c.services[si];
    if (s.kind != "ServiceEntry" || s.inline_endpoints.empty() || s.Shadowed())
      continue;
    for (size_t wi : workloads_by_ns[s.ns]) {
      if (c.workloads[wi].service_entry != s.name) continue;
      c.service_endpoints[si].push_back(wi);
      c.workload_services[wi].push_back(si);
    }
  }
  AddSliceEndpoints(c, again ? nullptr : &diags);
  // §16.9: Services istiod does not discover, for kube-dns and kube-proxy.
  c.undiscovered_by_vip.clear();
  c.undiscovered_by_host.clear();
  SortServices(c.undiscovered_services, [](const Service& a, const Service& b) {
    return KeyLess(a.ns, a.name, b.ns, b.name);
  });
  for (size_t i = 0; i < c.undiscovered_services.size(); ++i) {
    Service& s = c.undiscovered_services[i];
    if (!s.headless && !s.external_name && s.vips.empty())
      s.vips.push_back(fresh(10, 96 + cluster_index, next_vip));
    for (const std::string& vip : s.vips) c.undiscovered_by_vip.emplace(vip, i);
    c.undiscovered_by_host.emplace(s.Hostname(), i);
  }
}

}  // namespace

void Mesh::Finalize(Diagnostics& diags) {
  // Addresses the manifests give, in any cluster; the addresses
  // PlaceAndAddress makes up are 10.<10+cluster>.x.y, so no two clusters
  // make up the same one and each cluster needs only its own as well.
  std::set<std::string> given_ips;
  for (Cluster& c : clusters)
    for (const Workload& w : c.workloads)
      if (!w.ip.empty()) given_ips.insert(w.ip);
  // A thread per cluster, each step touching its own cluster only; notes and
  // diagnostics are merged in cluster order, as if run one after another.
  std::vector<std::vector<Diagnostic>> cluster_notes(clusters.size());
  std::vector<Diagnostics> cluster_diags(clusters.size());
  ParallelFor(clusters.size(), HardwareJobs(clusters.size()), [&](size_t ci) {
    Cluster& c = clusters[ci];
    std::vector<Diagnostic>& c_notes = cluster_notes[ci];
    if (c.nodes.empty()) c.nodes.push_back({c.name + "-node-0", "", "", ""});
    DropDuplicateServices(c, cluster_diags[ci]);
    ApplyDiscoverySelectors(istio, c, c_notes);
    MergeDelegateVirtualServices(c, cluster_diags[ci]);
    ConsolidateDestinationRules(c, istio.root_namespace);
    if (istio.distribution == Distribution::kSolo &&
        istio.Flag("PILOT_SOLO_ENABLE_AUTO_WAYPOINT", true)) {
      AddSoloAutoWaypoints(c, c_notes);
    }
    MarkUnprogrammedListeners(c, c_notes);
    RejectGrantedHostNames(c, c_notes);
    DeriveGateways(c, replica_overrides);
    DeriveRouters(c, c_notes);
    const std::vector<size_t> order = CanonicalOrder(c);
    const IstioVersion ver = c.VersionOr(istio.version);
    PlaceAndAddress(c, static_cast<int>(ci), order, given_ips, ver);
    for (Workload& w : c.workloads) DeriveCapture(c, w);
    IndexWorkloads(c, cluster_diags[ci], ver);
    IndexServices(istio, c, static_cast<int>(ci), order, cluster_diags[ci]);
    WarnNetworkGateways(istio, c, cluster_diags[ci]);
  });
  for (size_t ci = 0; ci < clusters.size(); ++ci) {
    notes.insert(notes.end(), cluster_notes[ci].begin(),
                 cluster_notes[ci].end());
    diags.Append(cluster_diags[ci]);
  }
  // §15.2: peering reads every cluster's services and bindings, then adds
  // the generated ServiceEntries, which are indexed like the others.
  if (PeeringEnabled(istio)) {
    ApplyPeering(*this, diags);
    for (size_t ci = 0; ci < clusters.size(); ++ci)
      IndexServices(istio, clusters[ci], static_cast<int>(ci),
                    CanonicalOrder(clusters[ci]), diags, /*again=*/true);
  }
}

}  // namespace meshsim
