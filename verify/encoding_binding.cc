// The waypoint's own facts a binding checks, stated for the encoding on
// their own (not model/binding.cc's WaypointTrafficType and
// WaypointAdmits): Istio's pilot/pkg/serviceregistry/ambient/waypoints.go
// gatewayToWaypointTransform (traffic type), makeInboundBinding,
// makeAllowedRoutes, findBoundListener and AllowsAttachmentFromNamespace;
// and which entries the ambient index holds (helpers.go parseCidrOrIP).
#include <string>

#include "model/labels.h"
#include "verify/encoding.h"
#include "verify/mutation.h"

namespace meshsim::verify {

namespace {

const std::string* Get(const Labels& m, const char* key) {
  auto it = m.find(key);
  return it == m.end() ? nullptr : &it->second;
}

}  // namespace

// §2.2: the Gateway's istio.io/waypoint-for, else its GatewayClass's, else
// "service".
std::string WaypointTrafficOf(const Cluster& c, const Gateway& w,
                              const IstioVersion& version) {
  if (const std::string* v = Get(w.labels, kLabelWaypointFor)) return *v;
  auto cls = c.gateway_classes.find(w.class_name);
  // The class's label is read from 1.23 on.
  if (cls != c.gateway_classes.end() && version.AtLeast(1, 23))
    if (const std::string* v = Get(cls->second.labels, kLabelWaypointFor))
      return *v;
  return "service";
}

// §2.4: whether waypoint `w` admits objects of namespace `ns`.
bool WaypointAdmitsNamespace(const Cluster& c, const Gateway& w,
                             const std::string& ns,
                             const IstioVersion& version) {
  if (Mutated(Mutation::kAllowedRoutesIgnored)) return true;  // on purpose
  if (version.major < 1 || (version.major == 1 && version.minor < 23))
    return true;  // 1.22: fetchWaypointForTarget, no attachment check
  // The inbound binding: "NONE"/"PROXY", optionally "/<port>".
  const std::string* binding =
      Get(w.annotations, kAnnotationWaypointInboundBinding);
  if (!binding) {
    auto cls = c.gateway_classes.find(w.class_name);
    if (cls != c.gateway_classes.end())
      binding = Get(cls->second.annotations, kAnnotationWaypointInboundBinding);
  }
  const Listener* listener = nullptr;
  if (binding) {
    std::string proto = *binding, port_text;
    if (const size_t at = binding->find('/'); at != std::string::npos) {
      proto = binding->substr(0, at);
      port_text = binding->substr(at + 1);
    }
    int port = 0;
    bool ok = proto == "NONE" || proto == "PROXY";
    if (port_text.find('/') != std::string::npos) ok = false;
    if (ok && !port_text.empty() && port_text.size() < 10 &&
        port_text.find_first_not_of("0123456789") == std::string::npos)
      port = std::stoi(port_text);
    for (size_t i = 0; ok && i < w.listeners.size() && !listener; ++i) {
      const Listener& l = w.listeners[i];
      if (port ? l.port == port
               : (proto == "PROXY" && l.protocol == "istio.io/PROXY"))
        listener = &l;
    }
  }
  for (size_t i = 0; !listener && i < w.listeners.size(); ++i)
    if (w.listeners[i].protocol == "HBONE" && w.listeners[i].port == 15008)
      listener = &w.listeners[i];
  const std::string from = listener ? listener->allowed_from : "Same";
  if (from == "All") return true;
  if (from != "Selector") return ns == w.ns;  // Same, the default
  // Selector: absent selects nothing; matched against the namespace's
  // labels, which always carry kubernetes.io/metadata.name.
  if (!listener->allowed_selector) return false;
  Labels labels = c.NamespaceLabels(ns);
  labels["kubernetes.io/metadata.name"] = ns;
  const LabelSelector& sel = *listener->allowed_selector;
  for (const auto& [k, v] : sel.match_labels) {
    const std::string* have = Get(labels, k.c_str());
    if (!have || *have != v) return false;
  }
  for (const LabelSelector::Expression& x : sel.expressions) {
    const std::string* have = Get(labels, x.key.c_str());
    bool in = false;
    for (const std::string& v : x.values) in = in || (have && *have == v);
    if ((x.op == "In" && !in) || (x.op == "NotIn" && in) ||
        (x.op == "Exists" && !have) || (x.op == "DoesNotExist" && have))
      return false;
  }
  return true;
}

bool OutsideAmbientIndex(const Service& s, const IstioVersion& version) {
  if (s.kind != "ServiceEntry" || version.AtLeast(1, 30)) return false;
  // pilot/pkg/serviceregistry/kube/controller/ambient/helpers.go
  // parseCidrOrIP (1.22-1.29): a prefix is accepted only if it is a single
  // IP; constructServiceEntries returns nothing when any address fails.
  for (const std::string& a : s.vips) {
    const size_t slash = a.find('/');
    if (slash == std::string::npos) continue;
    const std::string bits = a.substr(slash + 1);
    const bool v6 = a.find(':') != std::string::npos;
    if (bits != (v6 ? "128" : "32")) return true;
  }
  return false;
}

bool PrunedEndpoint(const Cluster& c, const Workload& w,
                    const IstioVersion& mesh_version) {
  if (w.service_entry.empty()) return false;
  const Service* s = c.FindService(w.ns + "/" + w.service_entry);
  if (!s || s->kind != "ServiceEntry") return false;
  // The release facts (workloads.go: "pruned by deduplication" from
  // 1.28.1; no service to build with in 1.22) are shared; which entries
  // are out is this file's own statement, and Shadowed() the model's.
  const IstioVersion v = c.VersionOr(mesh_version);
  return (s->Shadowed() && PrunesEntryEndpoints(v, false)) ||
         (OutsideAmbientIndex(*s, v) && PrunesEntryEndpoints(v, true));
}

}  // namespace meshsim::verify
