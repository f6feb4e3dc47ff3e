// Configuration that Istio reads differently from how it reads: a Gateway
// class nobody implements, a label value Istio ignores, a traffic entry on a
// port its Service does not have.
#include <algorithm>
#include <set>

#include "lint/rules.h"
#include "model/binding.h"
#include "model/labels.h"
#include "model/mesh_queries.h"

namespace meshsim::lint {

namespace {

// A label meshsim reads and the values Istio acts on.
struct KnownLabel {
  const char* key;
  std::vector<std::string> values;
  const char* effect;     // what Istio does with any other value
  bool any_case = false;  // the values are compared ignoring letter case
};

// Go's strconv.ParseBool for the boolean ones (§5).
const std::vector<std::string>& GoBool() {
  static const std::vector<std::string> kGoBool = {
      "1", "t", "T", "TRUE",  "true",  "True",
      "0", "f", "F", "FALSE", "false", "False"};
  return kGoBool;
}

// §5: istio.io/ingress-use-waypoint as release `v` reads it: "true" as
// written before 1.25, in any letter case from 1.25, Go's ParseBool from
// 1.30; any other value is false.
KnownLabel IngressUseWaypoint(const IstioVersion& v) {
  const char* effect = "read as false: ingress does not use the waypoint (§5)";
  if (v.AtLeast(1, 30)) return {kLabelIngressUseWaypoint, GoBool(), effect};
  return {
      kLabelIngressUseWaypoint, {"true", "false"}, effect, v.AtLeast(1, 25)};
}

const std::vector<KnownLabel>& KnownLabels() {
  static const std::vector<std::string>& kGoBool = GoBool();
  static const std::vector<KnownLabel> kLabels = {
      {kLabelDataplaneMode,
       {"ambient", "none"},
       "ignored: the object is not captured by it (§1.1)"},
      {kLabelWaypointFor,
       {"service", "workload", "all", "none"},
       "no traffic type Istio knows: the waypoint serves neither service "
       "nor workload traffic, as with none, and whatever names it binds "
       "nothing (§2.2)"},
      {kLabelIstioInjection,
       {"enabled", "disabled"},
       "ignored by the sidecar injector (§1.1)"},
      {kLabelSidecarInject,
       {"true", "false"},
       "ignored by the sidecar injector (§1.1)"},
      {kLabelGlobal,
       {"true", "false"},
       "ignored: the service is not global (§7.2)"},
      {kLabelServiceScope,
       {"global", "segment", "global-only", "cluster", "local"},
       "not read by Solo's peering: the service is not exported (§15.2)"},
      {kLabelServiceTakeover, kGoBool,
       "read as false: the cluster.local name keeps its local endpoints only "
       "(§15.2)"},
  };
  return kLabels;
}

void CheckLabels(const Cluster& c, const KnownLabel& ingress,
                 const std::string& kind, const std::string& ns,
                 const std::string& name, const Labels& labels,
                 const std::map<std::string, SourceLocation>* locations,
                 const SourceLocation& fallback,
                 std::vector<LintFinding>& out) {
  for (size_t i = 0; i <= KnownLabels().size(); ++i) {
    const KnownLabel& k = i < KnownLabels().size() ? KnownLabels()[i] : ingress;
    const std::string* v = FindLabel(labels, k.key);
    if (!v) continue;
    bool known = false;
    for (const std::string& value : k.values)
      known |= value == *v || (k.any_case && AsciiLower(*v) == value);
    if (known) continue;
    const SourceLocation* at = nullptr;
    if (locations) {
      auto it = locations->find(k.key);
      if (it != locations->end()) at = &it->second;
    }
    std::string allowed;
    for (const std::string& value : k.values)
      allowed += (allowed.empty() ? "" : ", ") + value;
    if (k.any_case) allowed += " (in any letter case)";
    out.push_back(Make("unknown-label-value",
                       kind + " " + ns + (name.empty() ? "" : "/" + name) +
                           ": label " + k.key + "=" + *v + " is " + k.effect +
                           "; expected one of " + allowed +
                           DidYouMean(*v, k.values),
                       at ? *at : fallback, {kind, ns, name, c.name},
                       "use one of the values Istio reads"));
  }
}

}  // namespace

void UnknownGatewayClass(const Scenario& sc, std::vector<LintFinding>& out) {
  for (const Cluster& c : sc.mesh.clusters)
    for (const auto& [key, gw] : c.gateways) {
      if (gw.class_known) continue;
      std::vector<std::string> classes = BuiltinGatewayClasses();
      for (const auto& [name, gc] : c.gateway_classes) classes.push_back(name);
      out.push_back(Make(
          "unknown-gateway-class",
          "Gateway " + key + ": gatewayClassName '" + gw.class_name +
              "' is neither built in nor defined by a GatewayClass; nothing "
              "programs it, so it is no waypoint and no gateway" +
              DidYouMean(gw.class_name, classes),
          gw.location, {"Gateway", gw.ns, gw.name, c.name},
          "use istio-waypoint for a waypoint, istio for an ingress gateway"));
    }
}

void UnknownLabelValue(const Scenario& sc, std::vector<LintFinding>& out) {
  for (const Cluster& c : sc.mesh.clusters) {
    const KnownLabel ingress =
        IngressUseWaypoint(c.VersionOr(sc.mesh.istio.version));
    for (const auto& [name, ns] : c.namespaces)
      CheckLabels(c, ingress, "Namespace", name, "", ns.labels, nullptr,
                  ns.location, out);
    for (const Service& s : c.services)
      if (!s.peered)  // a generated entry copies its Service's labels
        CheckLabels(c, ingress, s.kind, s.ns, s.name, s.labels,
                    &s.label_locations, s.location, out);
    std::set<std::string> seen;  // one finding per controller, not per pod
    for (const Workload& w : c.workloads)
      if (w.role == WorkloadRole::kApplication &&
          seen.insert(w.ns + "/" + w.owner).second) {
        const bool entry = !w.service_entry.empty();  // §3.4
        CheckLabels(c, ingress, entry ? "ServiceEntry" : w.kind, w.ns,
                    entry ? w.service_entry : w.owner, w.labels,
                    &w.label_locations, w.location, out);
      }
    for (const auto& [key, gw] : c.gateways)
      CheckLabels(c, ingress, "Gateway", gw.ns, gw.name, gw.labels, nullptr,
                  gw.location, out);
  }
}

// §1.1: sidecar.istio.io/inject=true as an annotation only, on a pod the
// injector does not select (its webhook reads labels): no sidecar, so in
// an ambient namespace the pod is captured, which its owner rarely meant.
void InjectAnnotationIgnored(const Scenario& sc,
                             std::vector<LintFinding>& out) {
  for (const Cluster& c : sc.mesh.clusters) {
    std::set<std::string> seen;  // one finding per controller
    for (const Workload& w : c.workloads) {
      const std::string* a = FindLabel(w.annotations, kLabelSidecarInject);
      if (w.role != WorkloadRole::kApplication || w.kind != "Pod" ||
          w.capture == Capture::kSidecar || !a || *a != "true" ||
          FindLabel(w.labels, kLabelSidecarInject) ||
          !seen.insert(w.ns + "/" + w.owner).second)
        continue;
      out.push_back(Make(
          "inject-annotation-ignored",
          "Pod " + w.ns + "/" + w.owner +
              ": annotation sidecar.istio.io/inject=true injects nothing (the "
              "sidecar injector's webhook selects pods by label, §1.1); " +
              (w.capture == Capture::kAmbient
                   ? "the pod is captured by ambient instead"
                   : "the pod runs without a sidecar"),
          w.location, {"Pod", w.ns, w.owner, c.name},
          "use the label sidecar.istio.io/inject: \"true\" (or "
          "istio-injection=enabled on the namespace) for a sidecar, or remove "
          "the annotation"));
    }
  }
}

// §1.1: a namespace enrolled in ambient that also asks for sidecar
// injection (istio-injection=enabled, or istio.io/rev without
// istio-injection): its pods get sidecars, which ztunnel never captures, so
// no waypoint or ztunnel policy applies to them (istioctl analyze IST0123).
void AmbientNamespaceInjected(const Scenario& sc,
                              std::vector<LintFinding>& out) {
  for (const Cluster& c : sc.mesh.clusters)
    for (const auto& [name, ns] : c.namespaces) {
      const std::string* mode = FindLabel(ns.labels, kLabelDataplaneMode);
      const std::string* inject = FindLabel(ns.labels, kLabelIstioInjection);
      const std::string* rev = FindLabel(ns.labels, kLabelIstioRev);
      if (!mode || *mode != "ambient" || name == "kube-system" ||
          name == "kube-public")
        continue;
      std::string why;
      if (inject && *inject == "enabled")
        why = "istio-injection=enabled";
      else if (!inject && rev)
        why = "istio.io/rev=" + *rev;
      if (why.empty()) continue;
      out.push_back(
          Make("ambient-namespace-injected",
               "Namespace " + name +
                   " has labels istio.io/dataplane-mode=ambient "
                   "and " +
                   why +
                   ": its pods get sidecars, which ztunnel does not capture "
                   "(§1.1), so no waypoint or ztunnel policy applies to them",
               ns.location, {"Namespace", "", name, c.name},
               "remove " + why.substr(0, why.find('=')) +
                   " to run the namespace in ambient, or the dataplane-mode "
                   "label to keep sidecars"));
    }
}

// A traffic entry addressed to a Service by host, on a port the Service
// does not declare: nothing listens there (the request fails).
void PortNotOnService(const Scenario& sc, std::vector<LintFinding>& out) {
  for (const TrafficEntry& t : sc.traffic) {
    // From an ingress, `to` is the Host header and the gateway's port: the
    // gateway's routes choose the Service and its port (§16.3).
    if (t.to.host.empty() || t.to.port <= 0 || !t.from.ingress.empty())
      continue;
    const Cluster* c = sc.mesh.FindCluster(t.from.cluster);
    if (!c && !sc.mesh.clusters.empty()) c = &sc.mesh.clusters.front();
    if (!c) continue;
    for (size_t si : c->ServicesForHost(t.to.host, t.from.ns)) {
      const Service& s = c->services[si];
      if (s.kind != "Service" || s.ports.empty() || s.FindPort(t.to.port))
        continue;
      std::string ports;
      for (const ServicePort& p : s.ports)
        ports += (ports.empty() ? "" : ", ") + std::to_string(p.port);
      out.push_back(Make("port-not-on-service",
                         "traffic '" + t.name + "': Service " + s.Key() +
                             " has no port " + std::to_string(t.to.port) +
                             " (it has " + ports +
                             "); the connection is refused",
                         t.to.location.Known() ? t.to.location : t.location,
                         {"Service", s.ns, s.name, c->name},
                         "send to one of the Service's ports"));
      break;
    }
  }
}

// §8.6: a traffic entry without `http` (plain TCP) to a Service port
// declared HTTP that a waypoint serves: the waypoint has the port's HTTP
// chain alone, whose codec closes a connection that does not speak HTTP.
// meshsim follows the entry as the connection it describes.
void TcpToHttpPort(const Scenario& sc, std::vector<LintFinding>& out) {
  for (const TrafficEntry& t : sc.traffic) {
    if (t.http || t.to.host.empty() || t.to.port <= 0 ||
        !t.from.ingress.empty())
      continue;
    const Cluster* c = sc.mesh.FindCluster(t.from.cluster);
    if (!c && !sc.mesh.clusters.empty()) c = &sc.mesh.clusters.front();
    if (!c) continue;
    // An ambient client's ztunnel sends it to the waypoint; a sidecar
    // client's own HTTP listener takes it (§6).
    const std::vector<const Workload*> from =
        c->WorkloadsOf(t.from.ns, t.from.workload);
    if (from.empty() || (from.front()->capture != Capture::kAmbient &&
                         from.front()->capture != Capture::kSidecar))
      continue;
    const bool sidecar = from.front()->capture == Capture::kSidecar;
    for (size_t si : c->ServicesForHost(t.to.host, t.from.ns)) {
      const Service& s = c->services[si];
      const ServicePort* sp = s.FindPort(t.to.port);
      if (!sp || !PortDeclaresHttp(*sp)) continue;
      const Binding b = ServiceWaypoint(sc.mesh, *c, s);
      if (!sidecar && b.status != BindingStatus::kAccepted) continue;
      out.push_back(Make(
          "tcp-to-http-port",
          "traffic '" + t.name +
              "' has no `http`, so it is plain TCP, to port " +
              std::to_string(t.to.port) + " of " + s.Key() +
              ", which is declared HTTP" +
              (sidecar
                   ? std::string(": the client sidecar's HTTP listener routes "
                                 "none of it, and its passthrough chain "
                                 "sends it in plaintext")
                   : " and served by waypoint " + b.waypoint->Key() +
                         ": the waypoint's HTTP chain closes a "
                         "connection that does not speak HTTP") +
              " (§8.6); meshsim follows the entry as the connection "
              "it describes",
          t.to.location.Known() ? t.to.location : t.location,
          {"Service", s.ns, s.name, c->name},
          "give the entry http: {method: GET, path: /} if the client sends "
          "HTTP requests, or name the port tcp-... if it speaks plain TCP"));
      break;
    }
  }
}

// §3.4: a named targetPort that the selected workloads do not all declare;
// one finding per Service port, naming how many do.
void TargetPortUndeclared(const Scenario& sc, std::vector<LintFinding>& out) {
  for (const Cluster& c : sc.mesh.clusters)
    for (size_t si = 0; si < c.services.size(); ++si) {
      const Service& s = c.services[si];
      if (s.kind != "Service") continue;
      for (const ServicePort& sp : s.ports) {
        if (sp.target_port || sp.target_port_name.empty()) continue;
        size_t serving = 0, total = 0;
        for (size_t wi : c.service_endpoints[si]) {
          ++total;
          serving += ServesPort(s, sp.port, c.workloads[wi]) ? 1 : 0;
        }
        if (serving == total) continue;
        out.push_back(Make(
            "target-port-undeclared",
            "Service " + s.Key() + " port " + std::to_string(sp.port) +
                ": targetPort " + sp.target_port_name + " is declared by " +
                std::to_string(serving) + " of its " + std::to_string(total) +
                " workloads in cluster " + c.name +
                (serving == 0 ? ", so every request to that port fails"
                              : "; only those take requests to that port") +
                " (§3.4)",
            s.location, {"Service", s.ns, s.name, c.name},
            "name the container port " + sp.target_port_name +
                " in every workload the Service selects, or give the "
                "targetPort as a number"));
      }
    }
}

// K10 (§3.3): a headless Service's waypoint binding takes no traffic.
void HeadlessServiceWaypoint(const Scenario& sc,
                             std::vector<LintFinding>& out) {
  for (const Cluster& c : sc.mesh.clusters)
    for (const Service& s : c.services) {
      if (s.kind != "Service" || !s.headless) continue;
      const Binding b = ServiceWaypoint(sc.mesh, c, s);
      if (b.status != BindingStatus::kAccepted) continue;
      // Pods bound to that waypoint themselves take it anyway.
      const auto at = c.service_by_key.find(s.Key());
      if (at == c.service_by_key.end()) continue;
      const auto& pods = c.service_endpoints[at->second];
      if (!pods.empty() &&
          std::all_of(pods.begin(), pods.end(), [&](size_t wi) {
            const Binding p = WorkloadWaypoint(sc.mesh, c, c.workloads[wi]);
            return p.status == BindingStatus::kAccepted &&
                   p.waypoint == b.waypoint;
          }))
        continue;
      out.push_back(Make(
          "headless-service-waypoint",
          "Service " + s.Key() +
              " is headless (clusterIP: None) and bound "
              "to waypoint " +
              b.waypoint->Key() + " in cluster " + c.name +
              ": it has no VIP, so its requests go to pod IPs and never meet "
              "that waypoint, nor policies targeting the Service (§3.3, K10)",
          s.location, {"Service", s.ns, s.name, c.name},
          "bind the pods (istio.io/use-waypoint on the pods or namespace, "
          "with a waypoint of type workload or all), or give the Service a "
          "cluster IP"));
    }
}

void ServiceEntryShadowed(const Scenario& sc, std::vector<LintFinding>& out) {
  for (const Cluster& c : sc.mesh.clusters)
    for (const Service& s : c.services)
      for (const auto& [host, holder] : s.shadowed_hosts)
        out.push_back(Make(
            "service-entry-shadowed",
            "ServiceEntry " + s.Key() + ": host " + host + " is held by " +
                holder +
                (s.Shadowed() ? ", so istiod leaves this entry out of "
                                "ztunnel's view (its addresses and endpoints "
                                "take no traffic)"
                              : ", so this entry does not serve that host") +
                " (§3.4)",
            s.location, {"ServiceEntry", s.ns, s.name, c.name},
            "merge the entries, or delete the one that loses (a Kubernetes "
            "Service always wins, else the oldest entry)"));
}

// §3.4 (before 1.30): an entry with an address block is no ambient
// service: in a cluster that runs ambient, or when it asks for a waypoint,
// that is rarely what its author meant.
void ServiceEntryAddressBlock(const Scenario& sc,
                              std::vector<LintFinding>& out) {
  for (const Cluster& c : sc.mesh.clusters) {
    const bool ambient = std::any_of(
        c.workloads.begin(), c.workloads.end(),
        [](const Workload& w) { return w.capture == Capture::kAmbient; });
    for (const Service& s : c.services) {
      if (!s.out_of_ambient_index) continue;
      // The label that names the waypoint: the entry's, else its
      // namespace's (§2.3), with its use-waypoint-namespace beside it.
      const Labels* holder = &s.labels;
      if (!FindLabel(*holder, kLabelUseWaypoint))
        holder = &c.NamespaceLabels(s.ns);
      const std::string* wp = FindLabel(*holder, kLabelUseWaypoint);
      const std::string* wns = FindLabel(*holder, kLabelUseWaypointNamespace);
      const bool asks = wp && *wp != "none";
      if (!ambient && !asks) continue;
      std::string block;
      for (const std::string& a : s.vips)
        if (block.empty() && a.find('/') != std::string::npos) block = a;
      out.push_back(Make(
          "service-entry-address-block",
          "ServiceEntry " + s.Key() + " lists the address block " + block +
              ": before 1.30 istiod converts only single addresses for "
              "ztunnel and leaves the whole entry out of the ambient index, "
              "so no ztunnel knows its hosts or addresses (ambient clients' "
              "requests pass through)" +
              (asks ? " and it binds no waypoint: requests to it never pass "
                      "waypoint " +
                          (wns ? *wns : s.ns) + "/" + *wp +
                          " and its policies never run"
                    : "") +
              " (§3.4)",
          s.location, {"ServiceEntry", s.ns, s.name, c.name},
          "list single addresses (a block of one, /32 or /128, is one), or "
          "upgrade to Istio 1.30, which takes address blocks"));
    }
  }
}

}  // namespace meshsim::lint
