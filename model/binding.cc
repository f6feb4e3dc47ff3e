#include "model/binding.h"

#include "model/labels.h"
#include "model/networking.h"
#include "model/peering.h"
#include "model/text.h"

namespace meshsim {

const char* BindingStatusName(BindingStatus s) {
  switch (s) {
    case BindingStatus::kNone:
      return "None";
    case BindingStatus::kOptOut:
      return "OptOut";
    case BindingStatus::kAccepted:
      return "WaypointAccepted";
    case BindingStatus::kNotReady:
      return "WaypointIsNotReady";
    case BindingStatus::kAttachmentDenied:
      return "AttachmentDenied";
    case BindingStatus::kUnsupportedTrafficType:
      return "UnsupportedTrafficType";
    case BindingStatus::kCrossNamespaceForbidden:
      return "CrossNamespaceWaypointForbidden";
    case BindingStatus::kIsWaypoint:
      return "IsWaypoint";
  }
  return "?";
}

std::string WaypointTrafficType(const Cluster& cluster, const Gateway& gw,
                                const IstioVersion& version) {
  // §2.2: the Gateway label overrides the class label (read from 1.23);
  // default "service".
  if (const std::string* v = FindLabel(gw.labels, kLabelWaypointFor)) return *v;
  auto cls = cluster.gateway_classes.find(gw.class_name);
  if (cls != cluster.gateway_classes.end() && version.AtLeast(1, 23)) {
    if (const std::string* v = FindLabel(cls->second.labels, kLabelWaypointFor))
      return *v;
  }
  return "service";
}

bool WaypointAdmits(const Cluster& cluster, const Gateway& gw,
                    const std::string& ns, const IstioVersion& version) {
  // §2.4: 1.22's waypoint lookup (fetchWaypointForTarget) checks no
  // attachment; AllowsAttachmentFromNamespace is 1.23's.
  if (!version.AtLeast(1, 23)) return true;
  // §2.4 (waypoints.go makeAllowedRoutes): the listener the inbound
  // binding annotation (the Gateway's, else its class's; "PROTOCOL" or
  // "PROTOCOL/port", protocol NONE or PROXY) selects — by port, or the
  // istio.io/PROXY listener — else the HBONE/15008 listener, else Same.
  const std::string* ann =
      FindLabel(gw.annotations, kAnnotationWaypointInboundBinding);
  if (!ann) {
    auto cls = cluster.gateway_classes.find(gw.class_name);
    if (cls != cluster.gateway_classes.end())
      ann =
          FindLabel(cls->second.annotations, kAnnotationWaypointInboundBinding);
  }
  const Listener* chosen = nullptr;
  if (ann) {
    const size_t slash = ann->find('/');
    const std::string proto = ann->substr(0, slash);
    const bool two = slash != std::string::npos;
    const bool valid = (proto == "NONE" || proto == "PROXY") &&
                       (!two || ann->find('/', slash + 1) == std::string::npos);
    // Go's ParseUint; a bad port reads as 0.
    int port = 0;
    if (valid && two) {
      const std::string digits = ann->substr(slash + 1);
      if (!digits.empty() && digits.size() <= 9 &&
          digits.find_first_not_of("0123456789") == std::string::npos)
        port = std::stoi(digits);
    }
    for (const Listener& l : gw.listeners) {
      if (!valid) break;
      if (port != 0 ? l.port == port
                    : proto == "PROXY" && l.protocol == "istio.io/PROXY") {
        chosen = &l;
        break;
      }
    }
  }
  if (!chosen)
    for (const Listener& l : gw.listeners)
      if (l.protocol == "HBONE" && l.port == 15008) {
        chosen = &l;
        break;
      }
  const std::string from = chosen ? chosen->allowed_from : "Same";
  if (from == "All") return true;
  if (from == "Selector") {
    // Kubernetes labels every Namespace with its name.
    return chosen->allowed_selector &&
           chosen->allowed_selector->Matches(cluster.SelectorLabels(ns));
  }
  return ns == gw.ns;
}

const Gateway* FindReadyWaypoint(const Cluster& cluster,
                                 const std::string& key) {
  const Gateway* gw = cluster.FindGateway(key);
  // §2.1: any class counts (sandwich waypoints), except Solo's istio-remote
  // (§15.1); the Gateway must be programmed (status.addresses).
  if (!gw || gw->role == GatewayRole::kRemote || !gw->Programmed())
    return nullptr;
  return gw;
}

namespace {

struct Ref {
  std::string name;
  std::string ns;
  bool from_namespace = false;
  SourceLocation location;
};

// §2.3 ref(obj): the object's own use-waypoint label beats the namespace's,
// including "none"; use-waypoint-namespace is read from the same object
// (1.23+).
std::optional<Ref> UseWaypointRef(
    const IstioVersion& version, const Cluster& cluster,
    const std::string& kind_and_name, const std::string& ns,
    const Labels& labels, const std::map<std::string, SourceLocation>& locs,
    Binding& out) {
  auto loc_of = [&](const std::string& key) {
    auto it = locs.find(key);
    return it == locs.end() ? SourceLocation{} : it->second;
  };
  const bool read_ns_label = version.AtLeast(1, 23);
  if (const std::string* v = FindLabel(labels, kLabelUseWaypoint)) {
    out.label_location = loc_of(kLabelUseWaypoint);
    if (*v == "none") {
      out.status = BindingStatus::kOptOut;
      out.why = kind_and_name + " opts out with istio.io/use-waypoint=none";
      return std::nullopt;
    }
    Ref r{*v, ns, false, out.label_location};
    if (read_ns_label) {
      if (const std::string* wns =
              FindLabel(labels, kLabelUseWaypointNamespace))
        r.ns = *wns;
    }
    return r;
  }
  const Namespace* nsobj = cluster.FindNamespace(ns);
  if (nsobj) {
    if (const std::string* v = FindLabel(nsobj->labels, kLabelUseWaypoint)) {
      if (*v == "none") {
        out.why =
            "namespace " + ns + " opts out with istio.io/use-waypoint=none";
        return std::nullopt;
      }
      Ref r{*v, ns, true, nsobj->location};
      if (read_ns_label) {
        if (const std::string* wns =
                FindLabel(nsobj->labels, kLabelUseWaypointNamespace))
          r.ns = *wns;
      }
      out.label_location = nsobj->location;
      return r;
    }
  }
  return std::nullopt;
}

std::string Source(const Ref& r) {
  return r.from_namespace ? "namespace label" : "own label";
}

// resolve(obj) of §2.3: existence/readiness and allowedRoutes.
const Gateway* Resolve(const Cluster& cluster, const Ref& r,
                       const std::string& subject, const std::string& obj_ns,
                       const IstioVersion& version, Binding& out) {
  const std::string key = r.ns + "/" + r.name;
  out.requested = key;
  out.from_namespace = r.from_namespace;
  const Gateway* gw = FindReadyWaypoint(cluster, key);
  if (!gw) {
    out.status = BindingStatus::kNotReady;
    const Gateway* present = cluster.FindGateway(key);
    // §2.3 consequence 2: no fallback to the namespace waypoint.
    out.why = subject + " names waypoint " + key + " (" + Source(r) + ") but " +
              (present ? (present->role == GatewayRole::kRemote
                              ? "it is an istio-remote Gateway"
                              : "that Gateway is not programmed (status "
                                "without addresses)")
                       : "no such Gateway exists in cluster " + cluster.name) +
              ": no waypoint, traffic goes direct (fail open, §2.3, §3.6)";
    return nullptr;
  }
  if (!WaypointAdmits(cluster, *gw, obj_ns, version)) {
    out.status = BindingStatus::kAttachmentDenied;
    out.why = subject + " names waypoint " + key + " (" + Source(r) +
              ") but its allowedRoutes do not admit namespace " + obj_ns +
              ": attachment denied, traffic goes direct (§2.4)";
    return nullptr;
  }
  return gw;
}

// §2.3: istiod gives no waypoint to the Service of a waypoint or of an
// east-west gateway (fetchWaypointForService: the mesh controller's
// gateway.istio.io/managed value). An ingress gateway's own Service is an
// ordinary Service and binds like any other (the 1.23 waypoint guide lists
// bookinfo-gateway-istio under the namespace waypoint).
bool IsGatewayService(const Cluster& cluster, const Service& svc) {
  if (const std::string* m = FindLabel(svc.labels, kLabelGatewayManaged))
    if (*m == kGatewayManagedByMeshController) return true;
  if (const std::string* g = FindLabel(svc.labels, kLabelGatewayName)) {
    const Gateway* gw = cluster.FindGateway(svc.ns + "/" + *g);
    return gw && (gw->role == GatewayRole::kWaypoint ||
                  gw->role == GatewayRole::kEastWest);
  }
  return false;
}

}  // namespace

Binding ServiceWaypoint(const Mesh& mesh, const Cluster& cluster,
                        const Service& svc) {
  Binding out;
  const IstioVersion version = cluster.VersionOr(mesh.istio.version);
  const std::string subject =
      (svc.kind == "Service" ? "service " : "ServiceEntry ") + svc.Key();
  if (IsGatewayService(cluster, svc)) {
    out.status = BindingStatus::kIsWaypoint;
    out.why = subject + " is a gateway's own Service and never gets a waypoint";
    return out;
  }
  // §3.4 (before 1.30): an entry with an address block is no ambient
  // service, so nothing binds it to a waypoint.
  if (svc.out_of_ambient_index) {
    std::string block;
    for (const std::string& a : svc.vips)
      if (block.empty() && a.find('/') != std::string::npos) block = a;
    out.why = subject + " lists the address block " + block +
              ": before 1.30 istiod leaves the whole entry out of the "
              "ambient index (only single addresses convert), so it binds "
              "no waypoint and no ztunnel knows its hosts or addresses (§3.4)";
    return out;
  }
  // §15.2: a peered ServiceEntry with solo.io/use-global-waypoint binds
  // the peered copy of that waypoint: its replicas on this network.
  if (svc.peered && !svc.peered->global_waypoint.empty()) {
    const PeeredService& p = *svc.peered;
    out.requested = p.global_waypoint;
    out.label_location = svc.location;
    for (int wc : p.waypoint_clusters) {
      if (wc < 0 || static_cast<size_t>(wc) >= mesh.clusters.size()) continue;
      if (const Gateway* gw =
              FindReadyWaypoint(mesh.clusters[wc], p.global_waypoint)) {
        out.status = BindingStatus::kAccepted;
        out.waypoint = gw;
        out.why = subject + " uses the peered copy of waypoint " +
                  p.global_waypoint + " (" + kLabelUseGlobalWaypoint +
                  ", which a peer reports) (§15.2)";
        return out;
      }
    }
    out.status = BindingStatus::kNotReady;
    out.why = subject + " names global waypoint " + p.global_waypoint + " (" +
              kLabelUseGlobalWaypoint +
              ") but no peered copy of it is on network " + cluster.network +
              ": no waypoint here (§15.2)";
    return out;
  }
  auto ref = UseWaypointRef(version, cluster, subject, svc.ns, svc.labels,
                            svc.label_locations, out);
  if (!ref) return out;
  const Gateway* gw = Resolve(cluster, *ref, subject, svc.ns, version, out);
  if (!gw) return out;
  const std::string type = WaypointTrafficType(cluster, *gw, version);
  if (type != "service" && type != "all") {
    out.status = BindingStatus::kUnsupportedTrafficType;
    out.why = subject + " names waypoint " + gw->Key() + " (" + Source(*ref) +
              ") but it is for '" + type +
              "' traffic, not service traffic: no waypoint (§2.2)";
    return out;
  }
  // §2.4: visibility from MeshConfig serviceEntryVisibility, not exportTo.
  if (svc.kind == "ServiceEntry" && gw->ns != svc.ns &&
      version.AtLeast(1, 31) &&
      mesh.istio.EntryVisibility(cluster.SelectorLabels(svc.ns)) ==
          "NAMESPACE") {
    out.status = BindingStatus::kCrossNamespaceForbidden;
    out.why = subject +
              " has NAMESPACE visibility (meshConfig.serviceEntryVisibility) "
              "and may not use waypoint " +
              gw->Key() + " in another namespace (§2.4, 1.31+)";
    return out;
  }
  out.status = BindingStatus::kAccepted;
  out.waypoint = gw;
  out.why = subject + " uses waypoint " + gw->Key() + " (" + Source(*ref) + ")";

  // §2.6 weighted canary, 1.31+: the object's labels, else (only when the
  // object names no primary of its own) its Namespace's; the weight
  // annotation likewise.
  if (version.AtLeast(1, 31)) {
    const Namespace* n = cluster.FindNamespace(svc.ns);
    const bool from_ns = !FindLabel(svc.labels, kLabelUseWaypoint) && n;
    const Labels* holder = &svc.labels;
    if (!FindLabel(svc.labels, kLabelUseWaypointCanary) && from_ns &&
        FindLabel(n->labels, kLabelUseWaypointCanary))
      holder = &n->labels;
    const std::string* name = FindLabel(*holder, kLabelUseWaypointCanary);
    if (name && !name->empty() && *name != "none") {
      const std::string* cns =
          FindLabel(*holder, kLabelUseWaypointCanaryNamespace);
      const std::string key = (cns ? *cns : svc.ns) + "/" + *name;
      const std::string* w =
          FindLabel(svc.annotations, kAnnotationCanaryWeight);
      if (!w && from_ns) w = FindLabel(n->annotations, kAnnotationCanaryWeight);
      int weight = 0;
      bool weight_ok = true;
      if (w) {  // Go's strconv.Atoi: an optional sign, then digits only
        const size_t digits =
            !w->empty() && (w->front() == '+' || w->front() == '-');
        weight_ok =
            w->size() > digits && w->size() - digits <= 18 &&
            w->find_first_not_of("0123456789", digits) == std::string::npos;
        const long long v = weight_ok ? std::stoll(w->substr(digits)) : -1;
        weight_ok = weight_ok && (v == 0 || w->front() != '-') && v <= 100;
        weight = weight_ok ? static_cast<int>(v) : 0;
      }
      const Gateway* canary = FindReadyWaypoint(cluster, key);
      if (canary && weight_ok && canary != gw &&
          WaypointAdmits(cluster, *canary, svc.ns, version)) {
        std::string ctype = WaypointTrafficType(cluster, *canary, version);
        if (ctype == "service" || ctype == "all") {
          out.canary = canary;
          out.canary_weight = weight;
          out.why += "; canary " + canary->Key() + " takes " +
                     std::to_string(weight) + "% of connections (§2.6)";
        }
      }
      if (!out.canary) {
        out.why += "; canary " + key +
                   " is invalid (missing, not ready, denied, wrong type, the "
                   "primary itself or bad weight) and is ignored (§2.6)";
      }
    }
  }
  return out;
}

Binding WorkloadWaypoint(const Mesh& mesh, const Cluster& cluster,
                         const Workload& w) {
  Binding out;
  const IstioVersion version = cluster.VersionOr(mesh.istio.version);
  const std::string subject = w.Subject();
  // §2.3 (workloads.go computeWaypoint, fetchWaypointForInstance): a pod is
  // an instance of a Gateway istiod has made a Waypoint of, any Gateway
  // with status addresses; before they are written its pods bind as any
  // other pod.
  const Gateway* instance_of =
      w.gateway.empty() ? nullptr : cluster.FindGateway(w.gateway);
  if (instance_of && instance_of->Programmed()) {
    out.status = BindingStatus::kIsWaypoint;
    out.why = subject + " is an instance of gateway " + w.gateway +
              " and never gets a waypoint (§2.3)";
    return out;
  }
  auto ref = UseWaypointRef(version, cluster, subject, w.ns, w.labels,
                            w.label_locations, out);
  if (!ref) return out;
  const Gateway* gw = Resolve(cluster, *ref, subject, w.ns, version, out);
  if (!gw) return out;
  const std::string type = WaypointTrafficType(cluster, *gw, version);
  if (type != "workload" && type != "all") {
    out.status = BindingStatus::kUnsupportedTrafficType;
    out.why =
        subject + " names waypoint " + gw->Key() + " (" + Source(*ref) +
        ") but it is for '" + type +
        "' traffic, not workload traffic: no workload waypoint (§2.2, §2.3)";
    return out;
  }
  out.status = BindingStatus::kAccepted;
  out.waypoint = gw;
  out.why = subject + " uses workload waypoint " + gw->Key() + " (" +
            Source(*ref) + ")";
  return out;
}

bool BypassesInboundCapture(const Workload& w) {
  const std::string* v =
      FindLabel(w.annotations, kAnnotationBypassInboundCapture);
  return v && ParseGoBool(*v).value_or(false);
}

bool DnsCaptured(const IstioSettings& istio, const Cluster& c,
                 const Workload& w) {
  if (const std::string* v = FindLabel(w.annotations, kAnnotationDnsCapture))
    if (std::optional<bool> b = ParseGoBool(*v)) return *b;
  return istio.Flag("AMBIENT_DNS_CAPTURE",
                    c.VersionOr(istio.version).AtLeast(1, 25));
}

bool SpeaksHbone(const Labels& labels, const Labels& annotations) {
  const std::string* r = FindLabel(annotations, kAnnotationRedirection);
  if (r && *r == "enabled") return true;
  const std::string* t = FindLabel(labels, kLabelTunnel);
  if (!t) return false;
  size_t start = 0;
  while (start <= t->size()) {
    const size_t end = std::min(t->find(',', start), t->size());
    if (t->compare(start, end - start, "http") == 0) return true;
    start = end + 1;
  }
  return false;
}

std::optional<bool> ParseGoBool(const std::string& s) {
  if (s == "1" || s == "t" || s == "T" || s == "TRUE" || s == "true" ||
      s == "True")
    return true;
  if (s == "0" || s == "f" || s == "F" || s == "FALSE" || s == "false" ||
      s == "False")
    return false;
  return std::nullopt;
}

// §5, §7.2: Istio 1.27 to 1.30 rebuild a global Service's record in a
// cluster whose merged view holds pods on another network (to add their
// identities, SplitHorizonServices) without its waypoint status, so the
// Service's own ingress opt-in is lost there and the namespace's decides
// (fixed in 1.31, istio/istio#61092). Every cluster's pods of the name
// count, as the merged index holds them.
namespace {
bool SplitHorizonDropsIngressLabel(const Mesh& mesh, const Cluster& cluster,
                                   const Service& svc) {
  const IstioVersion v = cluster.VersionOr(mesh.istio.version);
  if (!v.AtLeast(1, 27) || v.AtLeast(1, 31) || svc.kind != "Service" ||
      PeeringEnabled(mesh.istio) ||
      !mesh.istio.Flag("AMBIENT_ENABLE_MULTI_NETWORK", true) ||
      !ServiceScopeGlobal(mesh.istio, cluster.SelectorLabels(svc.ns),
                          svc.labels))
    return false;
  for (const Cluster& c : mesh.clusters) {
    const auto it = c.service_by_key.find(svc.Key());
    if (it == c.service_by_key.end()) continue;
    const Service& copy = c.services[it->second];
    // Another cluster's copy counts only when global (istiod builds no
    // other record); an ended pod is no workload.
    if (copy.kind != "Service" ||
        (&c != &cluster &&
         !ServiceScopeGlobal(mesh.istio, c.SelectorLabels(copy.ns),
                             copy.labels)))
      continue;
    for (size_t wi : c.service_endpoints[it->second])
      if (!c.workloads[wi].terminal &&
          c.workloads[wi].network != cluster.network)
        return true;
  }
  return false;
}
}  // namespace

bool IngressUsesWaypoint(const Mesh& mesh, const Cluster& cluster,
                         const Service& svc, const Binding& binding,
                         std::string* why) {
  const IstioVersion version = cluster.VersionOr(mesh.istio.version);
  const std::string subject =
      (svc.kind == "Service" ? "service " : "ServiceEntry ") + svc.Key();
  const std::string* own = FindLabel(svc.labels, kLabelIngressUseWaypoint);
  std::string lost;
  if (own && SplitHorizonDropsIngressLabel(mesh, cluster, svc)) {
    own = nullptr;
    lost = subject + "'s own istio.io/ingress-use-waypoint is lost in " +
           "cluster " + cluster.name + "'s merged view, which holds pods " +
           "on another network (Istio 1.27-1.30, fixed in 1.31; §5, §7.2); ";
  }
  auto say = [&](std::string s) {
    if (why) *why = lost + std::move(s);
  };
  // §5: the Service/ServiceEntry label overrides the Namespace label.
  // The object's own label 1.24+ (1.24's ingress reads the labels of the
  // Service or ServiceEntry alike), the Namespace's 1.25+.
  std::optional<std::string> value;
  std::string where;
  const bool own_supported = version.AtLeast(1, 24);
  if (const std::string* v = own; v && own_supported) {
    value = *v;
    where = subject;
  } else if (const std::string* nv = FindLabel(cluster.NamespaceLabels(svc.ns),
                                               kLabelIngressUseWaypoint);
             nv && version.AtLeast(1, 25)) {
    value = *nv;
    where = "namespace " + svc.ns;
  }
  if (!value) {
    say("ingress gateways bypass waypoints unless "
        "istio.io/ingress-use-waypoint "
        "is set on " +
        subject + " or its namespace (§5)");
    return false;
  }
  // §5: 1.24 compares with "true" exactly, 1.25-1.29 ignoring case, 1.30+
  // with Go's strconv.ParseBool.
  std::optional<bool> parsed;
  if (version.AtLeast(1, 30)) {
    parsed = ParseGoBool(*value);
  } else {
    parsed = version.AtLeast(1, 25) ? AsciiLower(*value) == "true"
                                    : *value == "true";
  }
  if (!parsed.value_or(false)) {
    say(where + " has istio.io/ingress-use-waypoint=" + *value +
        (parsed ? "" : " (not a boolean, read as false)") +
        ": the ingress goes direct to endpoints (§5" +
        (!ParseGoBool(*value).value_or(false) ? ""
         : version.AtLeast(1, 25)
             ? "; before 1.30 only 'true', in any letter case, opts in"
             : "; before 1.25 only 'true', as written, opts in") +
        ")");
    return false;
  }
  if (binding.status != BindingStatus::kAccepted) {
    say(where + " has istio.io/ingress-use-waypoint=" + *value + " but " +
        subject + " has no service waypoint (§5)");
    return false;
  }
  if (svc.vips.empty()) {
    say(where + " has istio.io/ingress-use-waypoint=" + *value + " but " +
        subject + " has no VIP (§3.3, §5)");
    return false;
  }
  // §5 (endpoint_builder.go FromServiceEndpoints): a DNS-resolved entry
  // is a STRICT_DNS or LOGICAL_DNS cluster at the ingress, whose endpoints
  // istiod builds without the waypoint; only EDS clusters get it.
  if (svc.kind == "ServiceEntry" &&
      (svc.resolution == "DNS" || svc.resolution == "DNS_ROUND_ROBIN")) {
    say(where + " has istio.io/ingress-use-waypoint=" + *value + " but " +
        subject + " has resolution " + svc.resolution +
        ": the ingress resolves its hosts itself (a DNS cluster, which "
        "istiod builds without the waypoint) and goes direct (§5)");
    return false;
  }
  if (!mesh.istio.Flag("ENABLE_INGRESS_WAYPOINT_ROUTING", true)) {
    say("ENABLE_INGRESS_WAYPOINT_ROUTING is false: ingress ignores "
        "istio.io/ingress-use-waypoint (§5)");
    return false;
  }
  say("ingress uses waypoint " + binding.waypoint->Key() + " for " + subject +
      " (istio.io/ingress-use-waypoint=" + *value + " on " + where + ", §5)");
  return true;
}

namespace {

// §9 (conditions.go NoMatchingListenerHostname): a route parented to an
// ingress Gateway whose hostnames meet none of the listeners it may attach
// to serves nothing there (Accepted=False); the requests its hostnames
// name get 404.
void NoMatchingListenerHostname(const Cluster& c, const HttpRoute& r,
                                const ParentRef& p, Diagnostics& diags) {
  const Gateway* g = c.FindGateway(p.ns + "/" + p.name);
  if (!g || g->role == GatewayRole::kWaypoint) return;
  // conversion.go referenceAllowed: a sectionName or port that names no
  // listener ("sectionName ... not found", "port ... not found").
  if (!p.section_name.empty() || p.port) {
    bool named = false;
    for (const Listener& l : g->listeners)
      named = named || ((p.section_name.empty() || l.name == p.section_name) &&
                        (!p.port || l.port == p.port));
    if (!named) {
      diags.Warning(
          p.location,
          r.kind + " " + r.Key() + ": Gateway " + g->Key() +
              " has no listener" +
              (p.section_name.empty() ? ""
                                      : " named '" + p.section_name + "'") +
              (p.port ? " on port " + std::to_string(p.port) : "") +
              ", so the route attaches to none of it "
              "(Accepted=False, §9): its requests get 404");
      return;
    }
  }
  if (r.hostnames.empty()) return;
  bool candidate = false;
  for (const Listener& l : g->listeners) {
    if ((!p.section_name.empty() && l.name != p.section_name) ||
        (p.port && l.port != p.port) || !ListenerTakesRoute(c, *g, l, r))
      continue;
    candidate = true;
    if (RouteHostnamesMeetListener(r, l)) return;
  }
  if (!candidate) return;
  std::string hosts;
  for (const std::string& h : r.hostnames)
    hosts += (hosts.empty() ? "" : ", ") + h;
  diags.Warning(p.location,
                r.kind + " " + r.Key() + ": none of its hostnames (" + hosts +
                    ") matches a hostname of a listener of Gateway " +
                    g->Key() +
                    " it may attach to, so it attaches to none "
                    "(NoMatchingListenerHostname, §9): its requests get 404");
}

}  // namespace

void ValidateRouteAttachments(const Mesh& mesh, Diagnostics& diags) {
  for (const Cluster& c : mesh.clusters) {
    for (const HttpRoute& r : c.routes) {
      for (const ParentRef& p : r.parents) {
        // §9: a waypoint's listener takes no route (supportedKinds [],
        // gateway_collection.go: "Waypoint doesn't convert routes").
        if (p.kind == "Gateway" && !r.IsVirtualService())
          if (const Gateway* g = c.FindGateway(p.ns + "/" + p.name);
              g && g->role == GatewayRole::kWaypoint &&
              !WaypointTakesRoutes(*g))
            diags.Warning(p.location,
                          r.kind + " " + r.Key() + ": parentRef Gateway " +
                              g->Key() +
                              " is a waypoint, whose listener accepts no "
                              "route: the route applies nowhere; parent it "
                              "to the Service or ServiceEntry the waypoint "
                              "serves (§9)");
        if (p.kind == "Gateway" && !r.IsVirtualService())
          NoMatchingListenerHostname(c, r, p, diags);
        if (p.kind != "Service" && p.kind != "ServiceEntry") continue;
        const Service* s = c.FindService(p.ns + "/" + p.name);
        if (!s || s->kind != p.kind) {
          diags.Warning(p.location, r.kind + " " + r.Key() + ": parentRef " +
                                        p.kind + " " + p.ns + "/" + p.name +
                                        " does not exist in cluster " + c.name +
                                        "; the route applies nowhere");
          continue;
        }
        Binding b = ServiceWaypoint(mesh, c, *s);
        if (b.status == BindingStatus::kAccepted) continue;
        diags.Warning(p.location,
                      r.kind + " " + r.Key() + ": " + p.kind + " " + s->Key() +
                          " has no waypoint in cluster " + c.name +
                          ", so ambient clients ignore this route "
                          "(ResolvedWaypoints=False, "
                          "MissingUseWaypointLabel: route will not "
                          "be respected, §9); only "
                          "sidecar clients apply it",
                      "route-not-respected", {r.kind, r.ns, r.name, c.name});
      }
    }
  }
}

}  // namespace meshsim
