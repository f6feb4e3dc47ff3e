// §4.4, §16.5 stated for the encoding: PeerAuthentication's refusal of
// plaintext at a destination, per pod port, at ztunnel and at a sidecar
// (independent of model/peer_authentication.cc); §16.1: when a sidecar
// client sends plaintext (its DestinationRule's tls mode, auto mTLS).
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "model/labels.h"
#include "model/networking.h"
#include "model/text.h"
#include "verify/encoder.h"
#include "verify/encoder_plan.h"

namespace meshsim::verify {

z3::expr Encoder::RefusesPlaintext(const Cluster& c, const Workload& w,
                                   const z3::expr& pod_port, bool zt) {
  // The oldest PeerAuthentication at each level (creationTimestamp, then
  // ns/name): the workload's (a selector in its namespace), its
  // namespace's, the mesh's (the root namespace, no selector, whatever the
  // workload's namespace). Selector policies elsewhere, the root
  // namespace's included, count for nothing. At ztunnel a root policy
  // written `selector: {}` counts only in the root namespace, and the
  // conversion's parents (`parent_of`) are those with no selector at all.
  const std::string& root = sc_.mesh.istio.root_namespace;
  const PeerAuthentication* level[3] = {nullptr, nullptr, nullptr};
  const PeerAuthentication* parent_of[3] = {nullptr, nullptr, nullptr};
  auto hold = [](const PeerAuthentication*& held, const PeerAuthentication& p) {
    if (!held || std::make_pair(p.creation_timestamp, p.Key()) <
                     std::make_pair(held->creation_timestamp, held->Key()))
      held = &p;
  };
  for (const PeerAuthentication& p : c.peer_authentications) {
    int l = -1;
    if (p.ns == root)
      l = p.selector || (zt && p.empty_selector && w.ns != root) ? -1 : 2;
    else if (p.ns == w.ns)
      l = p.selector
              ? (SelectorMatches(*p.selector, w.SelectorLabels()) ? 0 : -1)
              : 1;
    if (l < 0) continue;
    hold(level[l], p);
    if (l > 0 && !p.empty_selector) hold(parent_of[l], p);
  }
  auto given = [](const std::string& m) {
    return m == "STRICT" || m == "PERMISSIVE" || m == "DISABLE";
  };
  auto mode_in = [&](const PeerAuthentication* p) {
    return p && given(p->mode) ? p->mode : "";
  };
  auto mode_of = [&](int l) { return mode_in(level[l]); };
  // The mode the workload inherits: its namespace's, else the mesh's.
  const std::string parent = !mode_of(1).empty() ? mode_of(1) : mode_of(2);
  const std::string own_mode = mode_of(0);
  const PeerAuthentication* own = level[0];
  const bool strict =
      own_mode.empty() ? parent == "STRICT" : own_mode == "STRICT";
  z3::expr refused = c_.bool_val(strict);
  if (!own) return refused;
  if (!zt) {
    // A sidecar (ComposePeerAuthentication): a port's own entry, when it
    // sets a mode, is that port's mode.
    for (const auto& [port, mode] : own->port_modes)
      if (given(mode))
        refused = z3::ite(pod_port == c_.int_val(port),
                          c_.bool_val(mode == "STRICT"), refused);
    return refused;
  }
  // ztunnel (§16.5): istiod sends the static STRICT policy, the one it
  // converts from the workload's port entries, or neither.
  std::vector<int> open_ports, strict_ports;
  bool any_permissive = false;
  for (const auto& [port, mode] : own->port_modes) {
    if (mode == "STRICT") strict_ports.push_back(port);
    if (mode == "PERMISSIVE" || mode == "DISABLE") open_ports.push_back(port);
    any_permissive = any_permissive || mode == "PERMISSIVE";
  }
  bool static_strict = strict, converted = false;
  if (own_mode == "STRICT") {
    static_strict = open_ports.empty();
    converted = !open_ports.empty();
  } else if (!own_mode.empty()) {  // PERMISSIVE or DISABLE
    converted = !strict_ports.empty();
  } else if (parent == "STRICT") {  // only a PERMISSIVE entry lifts it
    // ... from 1.22.8, 1.23.5 and 1.24.3; before, the static policy stayed.
    static_strict = !any_permissive ||
                    !PeerAuthMergeFix(c.VersionOr(sc_.mesh.istio.version));
    converted = any_permissive;
  } else {
    converted = !strict_ports.empty();
  }
  if (static_strict) return c_.bool_val(true);
  if (!converted) return c_.bool_val(false);
  // The converted policy, for a connection without an identity: a STRICT
  // entry its parents do not already enforce refuses its port; open
  // entries, when kept, are the exceptions of a rule refusing every other
  // port. A namespace parent without a mode (or none) defers to the mesh's
  // for the STRICT entries; the open ones are kept under a STRICT owner,
  // or an UNSET one whose nearest parent is STRICT.
  const std::string ns_mode = mode_in(parent_of[1]),
                    mesh_mode = mode_in(parent_of[2]);
  const bool enforced = own_mode == "STRICT" ||
                        (own_mode.empty() && ns_mode == "STRICT") ||
                        (ns_mode.empty() && mesh_mode == "STRICT");
  const bool keep_open =
      own_mode == "STRICT" ||
      (own_mode.empty() &&
       (parent_of[1] ? ns_mode == "STRICT" : mesh_mode == "STRICT"));
  auto listed = [&](const std::vector<int>& ports) {
    AnyOf any(c_);
    for (int p : ports) any.Add(pod_port == c_.int_val(p));
    return any.Build();
  };
  z3::expr out = c_.bool_val(false);
  if (!enforced && !strict_ports.empty()) out = listed(strict_ports);
  if (own_mode == "STRICT" || (keep_open && !open_ports.empty()))
    out = out || !listed(open_ports);
  return out;
}

z3::expr Encoder::SidecarModeDisables(const Cluster& c, const Workload& w,
                                      const z3::expr& pod_port) {
  // The oldest PeerAuthentication of each level, as a sidecar reads them
  // (RefusesPlaintext's levels, with `selector: {}` a selector-less one).
  const std::string& root = sc_.mesh.istio.root_namespace;
  const PeerAuthentication* level[3] = {nullptr, nullptr, nullptr};
  for (const PeerAuthentication& p : c.peer_authentications) {
    int l = -1;
    if (p.ns == root && !p.selector)
      l = 2;
    else if (p.ns == w.ns && p.ns != root)
      l = p.selector
              ? (SelectorMatches(*p.selector, w.SelectorLabels()) ? 0 : -1)
              : 1;
    if (l < 0) continue;
    if (!level[l] ||
        std::make_pair(p.creation_timestamp, p.Key()) <
            std::make_pair(level[l]->creation_timestamp, level[l]->Key()))
      level[l] = &p;
  }
  auto given = [](const std::string& m) {
    return m == "STRICT" || m == "PERMISSIVE" || m == "DISABLE";
  };
  std::string mode;
  for (const PeerAuthentication* p : level)
    if (p && given(p->mode)) {
      mode = p->mode;
      break;
    }
  z3::expr out = c_.bool_val(mode == "DISABLE");
  if (level[0])
    for (const auto& [port, m] : level[0]->port_modes)
      if (given(m))
        out = z3::ite(pod_port == c_.int_val(port), c_.bool_val(m == "DISABLE"),
                      out);
  return out;
}

// §16.1: a sidecar client whose DestinationRule for the service it sends to
// (the route's backend, else the addressed one) sets tls.mode DISABLE, for
// the request's port (a port's own setting over the rule's), sends
// plaintext with no identity. A subset's own tls mode is not stated here.
z3::expr Encoder::SidecarPlaintext(const SourceClass& cls, const Encoded& e,
                                   size_t i) {
  if (cls.kind != ClientKind::kSidecar) return c_.bool_val(false);
  // DISABLE does not turn HBONE off: an endpoint that speaks it (an
  // ambient pod, an HBONE WorkloadEntry) gets it, and so does one behind
  // another network's gateway (tunnel metadata). A sidecar pod gets Istio
  // mTLS from a sidecar, not HBONE, unless PILOT_PREFER_SENDING_HBONE:
  // DISABLE turns it into plaintext too.
  const Endpoint& ep = e.eps[i];
  const Cluster& c = sc_.mesh.clusters[ep.cluster];
  const Workload& w = c.workloads[ep.wi];
  const bool tunnel =
      w.capture == Capture::kAmbient ||
      (w.capture == Capture::kSidecar &&
       sc_.mesh.istio.Flag("PILOT_PREFER_SENDING_HBONE", false));
  if (tunnel || !Direct(cls.cluster, ep)) return c_.bool_val(false);
  const z3::expr disabled = SidecarTlsMode(cls, e, i, "DISABLE");
  if (w.capture != Capture::kSidecar) return disabled;
  // §16.1: the client's own TLS that a PERMISSIVE sidecar passes to the
  // application (SidecarMutualFails refuses the rest): no identity.
  const z3::expr user = SidecarTlsMode(cls, e, i, "SIMPLE") ||
                        SidecarTlsMode(cls, e, i, "MUTUAL");
  // With no mode from the rule, auto mTLS asks the pod's PeerAuthentication
  // (mtls_checker.go): DISABLE for the pod port is plaintext too.
  z3::expr out = disabled || user ||
                 (!SidecarTlsMode(cls, e, i, "ISTIO_MUTUAL") &&
                  SidecarModeDisables(c, w, PodPort(e, w, i)));
  // With no mode for the port at all, the cluster's auto mTLS follows the
  // service namespace's mode, else the mesh's (BestEffortInferServiceMTLSMode:
  // DISABLE, no TLS), and EDS reads the rule's own mode unless the port's
  // entry sets one (mtls_checker.go: any but ISTIO_MUTUAL clears mTLS).
  const z3::expr no_mode = !SidecarTlsMode(cls, e, i, "ISTIO_MUTUAL") &&
                           !disabled && !SidecarTlsMode(cls, e, i, "SIMPLE") &&
                           !SidecarTlsMode(cls, e, i, "MUTUAL");
  const Service* s = i < e.ep_svc.size() && e.ep_svc[i] ? e.ep_svc[i] : e.svc;
  const Cluster& home = sc_.mesh.clusters[cls.cluster];
  // A MESH_EXTERNAL entry gets no auto mTLS (buildUpstreamTLSSettings).
  const bool external =
      s && s->kind == "ServiceEntry" && s->location_kind == "MESH_EXTERNAL";
  // MeshConfig enableAutoMtls false: no TLS where the rule sets no mode.
  if (!sc_.mesh.istio.auto_mtls ||
      (s && (external || NamespaceModeDisables(home, s->ns))))
    return out || no_mode;
  return out || (no_mode && SidecarTlsMode(cls, e, i, "EDS:OFF"));
}

// §1.1 stated for the encoding: istiod gives a sidecar pod no HBONE tunnel
// unless it is labelled networking.istio.io/tunnel=http (the ambient
// profile's injector adds it), so the client's own ztunnel sends such a pod
// plain TCP; through a waypoint or a gateway it keeps an identity.
bool Encoder::ZtunnelPlaintext(const SourceClass& cls,
                               const Endpoint& ep) const {
  const Workload& w = sc_.mesh.clusters[ep.cluster].workloads[ep.wi];
  return cls.kind == ClientKind::kAmbient && w.capture == Capture::kSidecar &&
         !w.sidecar_hbone && Direct(cls.cluster, ep);
}

// §16.1: ISTIO_MUTUAL from a sidecar client's DestinationRule is HBONE to an
// endpoint that speaks it and Istio mTLS to any other it reaches directly;
// one with no proxy (an uncaptured pod, a WorkloadEntry not labelled
// security.istio.io/tlsMode=istio) fails the handshake.
//
// A sidecar pod reached without HBONE (filterchain_options.go): under
// DISABLE Istio mTLS reaches a plaintext application as it is; TLS of the
// client's own (SIMPLE, MUTUAL) is refused under STRICT and on a port whose
// inbound chain is HTTP (SidecarPlaintext holds the rest: no identity).
z3::expr Encoder::SidecarMutualFails(const SourceClass& cls, const Encoded& e,
                                     size_t i) {
  if (cls.kind != ClientKind::kSidecar) return c_.bool_val(false);
  const Endpoint& ep = e.eps[i];
  const Workload& w = sc_.mesh.clusters[ep.cluster].workloads[ep.wi];
  if (!Direct(cls.cluster, ep)) return c_.bool_val(false);
  if (w.capture == Capture::kSidecar &&
      !sc_.mesh.istio.Flag("PILOT_PREFER_SENDING_HBONE", false)) {
    const Cluster& c = sc_.mesh.clusters[ep.cluster];
    const z3::expr port = PodPort(e, w, i);
    const z3::expr disable = SidecarModeDisables(c, w, port);
    const z3::expr user = SidecarTlsMode(cls, e, i, "SIMPLE") ||
                          SidecarTlsMode(cls, e, i, "MUTUAL");
    return (SidecarTlsMode(cls, e, i, "ISTIO_MUTUAL") && disable) ||
           (user && (RefusesPlaintext(c, w, port, false) ||
                     InboundChainAt(ep.cluster, ep.wi, port).http));
  }
  const std::string* mode = FindLabel(w.labels, "security.istio.io/tlsMode");
  if (w.capture != Capture::kUncaptured ||
      (w.kind == "WorkloadEntry" && mode && *mode == "istio"))
    return c_.bool_val(false);
  return SidecarTlsMode(cls, e, i, "ISTIO_MUTUAL");
}

z3::expr Encoder::SidecarTlsMode(const SourceClass& cls, const Encoded& e,
                                 size_t i, const std::string& mode) {
  const Service* s = i < e.ep_svc.size() && e.ep_svc[i] ? e.ep_svc[i] : e.svc;
  if (!s) return c_.bool_val(false);
  const Cluster& home = sc_.mesh.clusters[cls.cluster];
  const Workload* w =
      cls.workload.empty() ? nullptr : home.FindWorkload(cls.workload);
  const DestinationRule* dr =
      DestinationRuleFor(sc_.mesh, home, cls.ns, w ? &w->labels : nullptr, *s);
  if (!dr) return c_.bool_val(false);
  // "EDS:OFF": the mode EDS reads (the rule's, a port entry's own over it)
  // is set and not ISTIO_MUTUAL, which turns the endpoints' mTLS off.
  auto disabled = [&](int port) {
    if (mode == "EDS:OFF") {
      const std::string m = dr->EdsTlsMode(port, "");
      return !m.empty() && m != "ISTIO_MUTUAL";
    }
    const std::optional<TrafficPolicy> tp = dr->PolicyFor(port, "");
    return tp && tp->tls_mode == mode;
  };
  const int fixed = i < e.ep_port.size() ? e.ep_port[i] : 0;
  if (fixed) return c_.bool_val(disabled(fixed));
  const bool base = disabled(0);  // no port has a setting numbered 0
  AnyOf other(c_);                // the ports that differ from the rule
  for (const auto& [port, tp] : dr->port_policies)
    if (disabled(port) != base) other.Add(e.port == c_.int_val(port));
  return base ? !other.Build() : other.Build();
}

// §16.1 stated for the encoding: the mode of the oldest PeerAuthentication
// without a selector in namespace `ns`, unless UNSET, else the root
// namespace's, is DISABLE (what a sidecar's auto mTLS reads for a service
// of `ns`).
bool Encoder::NamespaceModeDisables(const Cluster& c,
                                    const std::string& ns) const {
  const std::string& root = sc_.mesh.istio.root_namespace;
  const PeerAuthentication* own = nullptr;
  const PeerAuthentication* mesh = nullptr;
  auto older = [](const PeerAuthentication& p, const PeerAuthentication* q) {
    return !q || std::make_pair(p.creation_timestamp, p.Key()) <
                     std::make_pair(q->creation_timestamp, q->Key());
  };
  for (const PeerAuthentication& p : c.peer_authentications) {
    if (p.selector) continue;
    if (p.ns == root && older(p, mesh)) mesh = &p;
    if (p.ns == ns && p.ns != root && older(p, own)) own = &p;
  }
  auto set = [](const PeerAuthentication* p) {
    return p && (p->mode == "STRICT" || p->mode == "PERMISSIVE" ||
                 p->mode == "DISABLE");
  };
  const PeerAuthentication* decides = set(own)    ? own
                                      : set(mesh) ? mesh
                                                  : nullptr;
  return decides && decides->mode == "DISABLE";
}

// §8.6 stated for the encoding: a sidecar's inbound chain for a pod port
// is the one of the oldest Service port (creationTimestamp, then hostname)
// whose target that pod port is (a named targetPort the pod declares no
// port for targets none of its ports). `port` is TCP there, HTTP there, or
// has such a Service port at all.
Encoder::InboundChain Encoder::InboundChainAt(int ci, size_t wi,
                                              const z3::expr& port) {
  const Cluster& c = sc_.mesh.clusters[ci];
  const Workload& w = c.workloads[wi];
  std::vector<std::pair<std::string, const Service*>> owners;
  for (size_t si : c.workload_services[wi])
    if (c.services[si].kind == "Service")
      owners.emplace_back(
          c.services[si].creation_timestamp + " " + c.services[si].Hostname(),
          &c.services[si]);
  std::stable_sort(
      owners.begin(), owners.end(),
      [](const auto& a, const auto& b) { return a.first < b.first; });
  std::map<int, char> chain;  // pod port -> the oldest owner's chain
  for (const auto& [key, s] : owners)
    for (const ServicePort& sp : s->ports) {
      int target = sp.target_port ? sp.target_port : sp.port;
      if (!sp.target_port && !sp.target_port_name.empty()) {
        target = 0;
        for (const ContainerPort& cp : w.ports)
          if (cp.name == sp.target_port_name) target = cp.port;
      }
      if (target) chain.emplace(target, DeclaredChain(sp));
    }
  AnyOf tcp(c_), http(c_), known(c_);
  for (const auto& [p, ch] : chain) {
    const z3::expr at = port == c_.int_val(p);
    known.Add(at);
    if (ch == 't') tcp.Add(at);
    if (ch == 'h') http.Add(at);
  }
  return {tcp.Build(), http.Build(), known.Build()};
}

// §8.6 stated for the encoding: the chain an Envoy gives a service port.
// A ServiceEntry's `protocol` as written; a Kubernetes port's appProtocol
// (kubernetes.io/h2c and /ws are HTTP, /wss TLS) or else its name, up to
// the first '-' (grpc-web whole); an undeclared port 25, 53, 3306 or 27017
// is TCP. 'h': the HTTP chain, 't': the TCP chain, 0: both (sniffed) or UDP.
char DeclaredChain(const ServicePort& sp) {
  static const std::set<std::string> kHttp = {"http", "http2", "http_proxy",
                                              "grpc", "grpc-web"};
  static const std::set<std::string> kTcp = {"tcp",   "tls",   "https",
                                             "mongo", "redis", "mysql"};
  std::string p = sp.entry                  ? sp.protocol
                  : sp.app_protocol.empty() ? sp.name
                                            : sp.app_protocol;
  if (!sp.entry && sp.protocol == "UDP") return 0;
  if (!sp.entry && (p == "kubernetes.io/h2c" || p == "kubernetes.io/ws"))
    return 'h';
  if (!sp.entry && p == "kubernetes.io/wss") return 't';
  p = AsciiLower(p);
  if (!sp.entry && p.compare(0, 8, "grpc-web") == 0) return 'h';
  if (!sp.entry) p = p.substr(0, p.find('-'));
  if (kHttp.count(p)) return 'h';
  if (kTcp.count(p)) return 't';
  const int wk[] = {25, 53, 3306, 27017};
  const bool well_known =
      std::find(std::begin(wk), std::end(wk), sp.port) != std::end(wk);
  return !sp.entry && p != "udp" && well_known ? 't' : 0;
}

}  // namespace meshsim::verify
