// §16.3: which pods an Istio Gateway (networking.istio.io) makes Routers;
// §9: the Gateway API listeners istiod does not program, and Gateway API
// durations.
#include <cctype>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/binding.h"
#include "model/labels.h"
#include "model/mesh.h"

namespace meshsim {

// §16.3: a pod that is plainly a gateway proxy: a Gateway API ingress pod,
// a pod the injector renders with its gateway template
// (inject.istio.io/templates), or one whose spec holds istio-proxy (how
// istioctl writes the Deployment) that the injector did not add (a dumped
// injected pod carries sidecar.istio.io/status; a gateway-template pod has
// the templates annotation too).
namespace {

bool GatewayProxyPod(const Workload& w) {
  if (w.role == WorkloadRole::kIngress) return true;
  if (const std::string* t =
          FindLabel(w.annotations, "inject.istio.io/templates");
      t && t->find("gateway") != std::string::npos)
    return true;
  return w.sidecar_injected &&
         !FindLabel(w.annotations, "sidecar.istio.io/status");
}

}  // namespace

// §16.3: Router pods. An Istio Gateway (networking.istio.io) applies to
// gateway proxies only (context.go SetGatewaysForProxy skips every other
// proxy): its selector picks among pods that are plainly gateway proxies and
// pods neither ambient nor sidecar (a Deployment written without its proxy
// container), never an application pod of the mesh; an empty or absent
// selector picks every plain gateway proxy. A pod it picks runs the Router
// Envoy, named after its Deployment.
void DeriveRouters(Cluster& c, std::vector<Diagnostic>& notes) {
  c.istio_gateway_pods.clear();
  for (const auto& [key, gw] : c.istio_gateways) {
    std::vector<size_t>& pods = c.istio_gateway_pods[key];
    const bool any = !gw.selector || gw.selector->empty();
    std::vector<std::string> apps;
    for (size_t i = 0; i < c.workloads.size(); ++i) {
      Workload& w = c.workloads[i];
      if (w.role == WorkloadRole::kWaypoint ||
          w.role == WorkloadRole::kEastWest || w.kind != "Pod")
        continue;
      const bool proxy = GatewayProxyPod(w);
      if (any ? !proxy : !SelectorMatches(*gw.selector, w.labels)) continue;
      if (!proxy) {
        Workload probe = w;
        DeriveCapture(c, probe);
        if (probe.capture != Capture::kUncaptured) {
          apps.push_back(w.Key());
          continue;
        }
      }
      pods.push_back(i);
      if (w.gateway.empty()) {
        w.role = WorkloadRole::kIngress;
        w.router = true;
        w.gateway = w.ns + "/" + w.owner;
      }
    }
    if (!apps.empty())
      notes.push_back({Severity::kWarning,
                       gw.location,
                       "Gateway " + key + "'s selector matches " +
                           std::to_string(apps.size()) +
                           " application pod(s) of the mesh (" + apps[0] +
                           (apps.size() > 1 ? ", ..." : "") +
                           "), which are no gateway proxies: istiod applies "
                           "a Gateway to gateway proxies only, so they stay "
                           "as they are (§16.3)",
                       "",
                       {"Gateway", gw.ns, gw.name, c.name}});
  }
}

// §9 (conversion.go buildListener, buildTLS, buildSecretReference): a
// terminating listener's certificateRefs that name no Secret (InvalidTLS) or
// a Secret in another namespace that no ReferenceGrant there lets the
// Gateway read (RefNotPermitted) are skipped; with none left valid, or with
// more than two ("up to 2 server certificates"), istiod does not program
// the listener (Programmed=Invalid): it stays a parent routes attach to,
// and serves nothing. Passthrough listeners and ISTIO_SIMPLE/ISTIO_MUTUAL
// ones read no certificateRefs. A Secret missing from the manifests is not
// judged: they seldom hold the certificates.
void MarkUnprogrammedListeners(Cluster& c, std::vector<Diagnostic>& notes) {
  for (auto& [key, gw] : c.gateways)
    for (Listener& l : gw.listeners) {
      if (l.cert_refs == 0 || l.tls_mode != "Terminate" ||
          l.istio_tls_terminate)
        continue;
      std::string why;
      size_t valid = 0;
      for (const auto& [ns, name] : l.secret_refs)
        if (ns.empty() || ns == gw.ns ||
            c.ReferenceGranted("Gateway", gw.ns, "Secret", ns, name))
          ++valid;
        else if (why.empty())
          why = "names Secret " + ns + "/" + name +
                " in another namespace, and no ReferenceGrant there lets the "
                "Gateway read it (RefNotPermitted)";
      if (why.empty() && valid < static_cast<size_t>(l.cert_refs))
        why = "names no Secret (InvalidTLS: only a Secret is allowed)";
      if (l.cert_refs > 2)
        why = "has " + std::to_string(l.cert_refs) +
              " entries (InvalidTLS: up to 2 server certificates)";
      else if (valid > 0)
        continue;
      l.programmed = false;
      notes.push_back(
          {Severity::kWarning,
           l.location,
           "Gateway " + key + " listener '" + l.name +
               "': tls.certificateRefs " + why +
               "; istiod does not program the listener (Programmed=Invalid), "
               "so nothing is served on it, though routes still attach (§9)",
           "",
           {"Gateway", gw.ns, gw.name, c.name}});
    }
}

// §9 (conversion.go buildDestination): a Gateway-parented route's Service
// backendRef into another namespace, named by a host name: when a
// ReferenceGrant admits it, the grant check passes and "service name
// invalid" is a hard error, so istiod rejects the whole route (without a
// grant only that backend is dropped, 500). The loader cannot judge it
// before the grants are read; the route is taken out here, with a warning.
void RejectGrantedHostNames(Cluster& c, std::vector<Diagnostic>& notes) {
  std::vector<HttpRoute> kept;
  kept.reserve(c.routes.size());
  for (HttpRoute& r : c.routes) {
    const BackendRef* refused = nullptr;
    if (!r.IsVirtualService())
      for (const HttpRouteRule& rule : r.rules)
        for (const BackendRef& b : rule.backends)
          if (!refused && b.weight > 0 && b.kind == "Service" &&
              b.name.find('.') != std::string::npos && b.ns_given &&
              b.ns != r.ns &&
              c.ReferenceGranted(r.kind, r.ns, "Service", b.ns, b.name))
            refused = &b;
    if (!refused) {
      kept.push_back(std::move(r));
      continue;
    }
    notes.push_back(
        {Severity::kWarning,
         refused->location,
         r.kind + " " + r.ns + "/" + r.name + " names Service '" +
             refused->name + "' of namespace " + refused->ns +
             " by a host name; a ReferenceGrant admits the reference, and "
             "then istiod wants the Service's name: it rejects the whole "
             "route (Accepted=False), so none of its rules apply (§9)",
         "",
         {r.kind, r.ns, r.name, c.name}});
  }
  c.routes = std::move(kept);
}

std::optional<int64_t> ParseGatewayDuration(const std::string& s) {
  int64_t total = 0;
  size_t i = 0, parts = 0;
  while (i < s.size()) {
    size_t digits = 0;
    int64_t v = 0;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
      v = v * 10 + (s[i++] - '0');
      if (++digits > 5) return std::nullopt;
    }
    if (digits == 0 || i == s.size()) return std::nullopt;
    int64_t unit;
    if (s.compare(i, 2, "ms") == 0) {
      unit = 1'000'000;
      i += 2;
    } else if (s[i] == 'h' || s[i] == 'm' || s[i] == 's') {
      unit = s[i] == 'h'   ? 3'600'000'000'000
             : s[i] == 'm' ? 60'000'000'000
                           : 1'000'000'000;
      ++i;
    } else {
      return std::nullopt;
    }
    total += v * unit;
    if (++parts > 4) return std::nullopt;
  }
  if (parts == 0) return std::nullopt;
  return total;
}

}  // namespace meshsim
