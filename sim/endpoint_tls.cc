// How the proxy in front of an endpoint secures the connection to it: a
// sidecar client's TLS (§16.1) and a client ztunnel's plain TCP to a sidecar
// pod with no HBONE tunnel (§1.1). Part of the destination side
// (destination.cc).
#include <string>

#include "model/binding.h"
#include "model/labels.h"
#include "model/networking.h"
#include "sim/dataplane_builder.h"

namespace meshsim {
namespace dataplane {

namespace {
// §16.1: whether `w` answers Istio mTLS without HBONE: a pod with a proxy
// of its own, or a WorkloadEntry labelled security.istio.io/tlsMode=istio
// (a VM's sidecar).
bool MutualTlsPeer(const Workload& w) {
  if (w.capture != Capture::kUncaptured) return true;
  const auto mode = w.labels.find("security.istio.io/tlsMode");
  return w.kind == "WorkloadEntry" && mode != w.labels.end() &&
         mode->second == "istio";
}
}  // namespace

// §16.1: what a sidecar client's TLS does to a request to endpoint `ep`:
// true when it decided the request (failed it, or sent it on in plaintext).
bool Builder::SidecarTls(Vertex from, const State& base, const EpRef& ep,
                         int port, const std::string& why, double share,
                         int route) {
  if (g_[from].hop.kind != HopKind::kSidecar) return false;
  const Workload& w = W(ep.cluster, ep.wl);
  // §16.1: a client sidecar's tls.mode DISABLE sends plaintext, with no
  // identity, to an endpoint it does not reach over HBONE (an ambient pod
  // and an HBONE WorkloadEntry still get HBONE,
  // applyHBONETransportSocketMatches). tls.mode ISTIO_MUTUAL:
  // HBONE to an endpoint that speaks it, else Istio mTLS, which an
  // endpoint with no proxy of its own cannot answer: the handshake fails.
  if (base.tls_mutual && !MutualTlsPeer(w)) {
    Fail(from,
         w.Subject() +
             " has no proxy to answer Istio mTLS, which the sidecar's "
             "DestinationRule (tls.mode ISTIO_MUTUAL) sends to an endpoint "
             "without HBONE: the TLS handshake fails (503, §16.1)",
         why, share, route);
    return true;
  }
  // A sidecar pod (labelled security.istio.io/tlsMode=istio) gets Istio
  // mTLS, not HBONE, from a sidecar client unless PILOT_PREFER_SENDING_HBONE
  // (endpoint_builder.go: supportsMtls && !PreferHBONESend: no tunnel), so
  // DISABLE is plaintext to it too.
  const bool no_tunnel =
      w.capture == Capture::kUncaptured ||
      (w.capture == Capture::kSidecar &&
       !mesh_.istio.Flag("PILOT_PREFER_SENDING_HBONE", false));
  if (w.capture == Capture::kSidecar && no_tunnel &&
      (base.tls_mutual || base.tls_user) && !base.peer.empty() &&
      SidecarPodRefusesTls(from, base, ep, port, why, share, route))
    return true;
  if (base.tls_disabled && !base.peer.empty() && no_tunnel) {
    State plain = base;
    plain.peer.clear();
    plain.tls_disabled = false;
    ToEndpoint(from, plain, ep, port,
               why + "; " + w.Subject() +
                   (w.capture == Capture::kSidecar
                        ? " gets Istio mTLS, not HBONE, from a sidecar, which "
                          "is off here (above): the sidecar sends plaintext "
                          "(§16.1)"
                        : " does not speak HBONE: the sidecar sends plaintext "
                          "(§16.1)"),
               share, route);
    return true;
  }
  // §16.1 (mtls_checker.go): with no TLS mode from a DestinationRule, a
  // sidecar's auto mTLS is off toward a sidecar pod whose PeerAuthentication
  // for the port is DISABLE: plaintext, no identity.
  std::string pa;
  if (!base.tls_mutual && !base.tls_disabled && !base.peer.empty() &&
      no_tunnel && w.capture == Capture::kSidecar &&
      PeerAuthenticationMode(mesh_, mesh_.clusters[ep.cluster], w, port, &pa) ==
          "DISABLE") {
    State plain = base;
    plain.peer.clear();
    ToEndpoint(from, plain, ep, port,
               why + "; PeerAuthentication " + pa + " sets DISABLE for " +
                   w.Subject() + " port " + std::to_string(port) +
                   ": the sidecar's auto mTLS is off, it sends plaintext "
                   "(§16.1)",
               share, route);
    return true;
  }
  return false;
}

// §16.1 (filterchain_options.go, listener_inbound.go buildTLSInspector):
// the inbound chains of a sidecar pod for a sidecar client's explicit TLS.
// Under DISABLE the port has plaintext chains and no TLS inspector, so any
// TLS reaches the application as it is: Istio mTLS (ISTIO_MUTUAL) no
// plaintext application reads. TLS of the client's own (SIMPLE, MUTUAL: no
// Istio certificate or ALPN) is refused by STRICT (it asks for the mesh's
// client certificate) and on a port declared HTTP (its HTTP chain reads
// none; "we do not need to handle other simple TLS"); PERMISSIVE and
// DISABLE pass it on a TCP or sniffed port to the application, plain TLS
// with no identity for the proxy.
bool Builder::SidecarPodRefusesTls(Vertex from, const State& base,
                                   const EpRef& ep, int port,
                                   const std::string& why, double share,
                                   int route) {
  const Workload& w = W(ep.cluster, ep.wl);
  std::string pa;
  const std::string mode =
      PeerAuthenticationMode(mesh_, mesh_.clusters[ep.cluster], w, port, &pa);
  const std::string by = pa.empty() ? "" : " (PeerAuthentication " + pa + ")";
  if (base.tls_mutual) {
    if (mode != "DISABLE") return false;
    Fail(from,
         w.Subject() + " port " + std::to_string(port) + " is DISABLE" + by +
             ": its sidecar has plaintext chains only and terminates no "
             "TLS, so the Istio mTLS the client sidecar's DestinationRule "
             "(tls.mode ISTIO_MUTUAL) sends reaches the application as it is, "
             "which no plaintext application reads (503, §16.1)",
         why, share, route);
    return true;
  }
  const ServicePort* sp = InboundServicePort(ep.cluster, ep.wl, port, nullptr);
  const bool http = sp && PortDeclaresHttp(*sp);
  if (mode == "STRICT" || http) {
    Fail(from,
         w.Subject() + " port " + std::to_string(port) + " (" +
             (mode == "UNSET" ? "PERMISSIVE" : mode) + by +
             (http ? ", declared HTTP" : "") +
             ") has no filter chain for the TLS the client sidecar's "
             "DestinationRule (tls.mode SIMPLE or MUTUAL) originates with "
             "no Istio certificate: the handshake fails (503, §16.1)",
         why, share, route);
    return true;
  }
  State plain = base;
  plain.peer.clear();
  plain.tls_user = false;
  ToEndpoint(from, plain, ep, port,
             why + "; " + w.Subject() + " port " + std::to_string(port) +
                 " is " + (mode == "DISABLE" ? "DISABLE" : "PERMISSIVE") + by +
                 " and not declared HTTP: its sidecar passes the client's "
                 "own TLS (tls.mode SIMPLE or MUTUAL) to the application, "
                 "with no identity (§16.1)",
             share, route);
  return true;
}

// §16.1: a sidecar client's auto mTLS (no tls.mode for the port) is off
// when the service namespace's PeerAuthentication mode, else the mesh's, is
// DISABLE (BestEffortInferServiceMTLSMode: the cluster gets no TLS), for a
// MESH_EXTERNAL entry, or when the tls.mode EDS reads (the rule's or the
// subset's, unless the port's entry sets one: mtls_checker.go) is set and
// not ISTIO_MUTUAL, which clears the endpoints' Istio mTLS: plaintext to an
// endpoint without HBONE.
void Builder::AutoMtlsOff(int cluster, const Backend& be,
                          const EndpointPolicy& pol, State& out,
                          std::string& why) const {
  const Service& svc = S(be.cluster, be.svc);
  if (!mesh_.istio.auto_mtls) {  // buildUpstreamTLSSettings: no TLS at all
    out.tls_disabled = true;
    why +=
        "; istio.meshConfig.enableAutoMtls is false: with no tls.mode "
        "the sidecar sends plaintext to an endpoint without HBONE "
        "(§16.1)";
    return;
  }
  // A mesh-external entry gets no auto mTLS (buildUpstreamTLSSettings).
  if (svc.kind == "ServiceEntry" && svc.location_kind == "MESH_EXTERNAL") {
    out.tls_disabled = true;
    why += "; " + svc.Key() +
           " is MESH_EXTERNAL: the sidecar's auto mTLS gives it no TLS, "
           "plaintext to an endpoint without HBONE (§16.1)";
    return;
  }
  std::string pa;
  if (NamespaceMtlsMode(mesh_, mesh_.clusters[cluster], svc.ns, &pa) ==
      "DISABLE") {
    out.tls_disabled = true;
    why += "; PeerAuthentication " + pa + " sets DISABLE for namespace " +
           svc.ns + ": the sidecar's auto mTLS gives " + svc.Key() +
           " no TLS, plaintext to an endpoint without HBONE (§16.1)";
    return;
  }
  const DestinationRule* dr = nullptr;
  for (const DestinationRule& d : mesh_.clusters[cluster].destination_rules)
    if (d.Key() == pol.dr) dr = &d;
  const std::string eds = dr ? dr->EdsTlsMode(be.port, pol.subset) : "";
  if (!eds.empty() && eds != "ISTIO_MUTUAL") {
    out.tls_disabled = true;
    why += "; DestinationRule " + pol.dr + " sets tls.mode " + eds +
           ", which its port entry without tls leaves in force for the "
           "endpoints (EDS: Istio mTLS off): plaintext to an endpoint "
           "without HBONE (§16.1)";
  }
}

// §1.1: istiod gives a sidecar pod injected without the HBONE tunnel label
// no tunnel, so a client's ztunnel sends it plain TCP: the pod sees no
// identity (a waypoint, ingress or sidecar sends it Istio mTLS).
bool Builder::ZtunnelPlaintext(Vertex from, const State& base, const EpRef& ep,
                               int port, const std::string& why, double share,
                               int route) {
  const Workload& w = W(ep.cluster, ep.wl);
  if (w.capture != Capture::kSidecar || w.sidecar_hbone || base.peer.empty() ||
      g_[from].hop.kind != HopKind::kZtunnel)
    return false;
  State plain = base;
  plain.peer.clear();
  ToEndpoint(from, plain, ep, port,
             why + "; " + w.Subject() + " has no label " + kLabelTunnel +
                 "=http (its sidecar was injected without "
                 "ISTIO_META_ENABLE_HBONE): istiod gives it no HBONE tunnel, "
                 "so ztunnel sends it plain TCP, without the client's "
                 "identity (§1.1)",
             share, route);
  return true;
}

// §6, §16.1: a sidecar client's request to a pod by its IP.
void Builder::SidecarToPod(Vertex v, const State& s) {
  const Cluster& tc = mesh_.clusters[s.target_cluster];
  const Workload& pod = W(s.target_cluster, s.target_wl);
  Binding b = WorkloadWaypoint(mesh_, tc, pod);
  std::string why =
      b.status == BindingStatus::kAccepted
          ? "sidecar clients never send to waypoints: workload waypoint " +
                b.waypoint->Key() + " is bypassed (§6, K2)"
          : "the sidecar connects to the pod directly (§6)";
  // §16.1: by its IP a pod is reached through an ORIGINAL_DST or the
  // passthrough cluster, never over HBONE: Istio mTLS only where a
  // headless Service of sidecar endpoints alone lists it, else plaintext.
  State out = s;
  out.pod_ip = true;
  if (!out.peer.empty() && !SidecarMtlsPodPorts(mesh_, tc, pod).count(s.port)) {
    out.peer.clear();
    why +=
        "; a sidecar reaches a pod IP through an ORIGINAL_DST or "
        "passthrough cluster, which has no HBONE tunnel, and no headless "
        "Service whose endpoints all have sidecars, in a namespace whose "
        "PeerAuthentication mode is not DISABLE, lists " +
        pod.Key() + " on port " + std::to_string(s.port) +
        ": it sends plaintext, without its identity (§16.1)";
  }
  // §6: REGISTRY_ONLY and a pod IP: not modelled, said on the path.
  if (mesh_.istio.registry_only)
    why +=
        "; outboundTrafficPolicy is REGISTRY_ONLY, under which Istio's "
        "sidecar blackholes most pod-IP requests (all but a headless "
        "Service's endpoints); meshsim does not model that (§6)";
  ToEndpoint(v, out, {s.target_cluster, s.target_wl}, s.port, why);
}

// §4.4: plaintext (no peer identity) to a port whose PeerAuthentication
// mode is STRICT is refused by the destination's proxy; true when it was.
bool Builder::RefusesPlaintext(Vertex v, const State& s, const char* proxy) {
  if (!s.peer.empty()) return false;
  const Cluster& c = mesh_.clusters[s.cluster];
  const Workload& w = c.workloads[s.wl];
  std::string pa;
  // §16.5: ztunnel reads istiod's conversion of the PeerAuthentications,
  // a sidecar their merged modes.
  const bool refused =
      std::string_view(proxy) == "ztunnel"
          ? ZtunnelRefusesPlaintext(mesh_, c, w, s.port, &pa)
          : PeerAuthenticationMode(mesh_, c, w, s.port, &pa) == "STRICT";
  if (!refused) return false;
  PolicyDecision d;
  d.allowed = false;
  d.denied_by =
      DeniedBy{pa, std::nullopt, "PeerAuthentication STRICT", std::nullopt};
  d.reason = "PeerAuthentication " + pa + " is STRICT for port " +
             std::to_string(s.port) + ": the destination " + proxy +
             " refuses plaintext from a client without an identity (§4.4)";
  Enforce(v, d);
  return true;
}

bool Builder::SelfCall(Vertex v, const State& s, const char* proxy) {
  const bool zt = std::string_view(proxy) == "ztunnel";
  if (!ProxyOwnPort(s.port, zt)) return false;
  PolicyDecision d;
  d.allowed = false;
  d.reason = "port " + std::to_string(s.port) + " of pod " +
             W(s.cluster, s.wl).Key() + " is the destination " + proxy +
             "'s own (" +
             (zt ? "15001 outbound, 15006 inbound plaintext, 15008 HBONE"
                 : "15000 admin, 15001 outbound, 15006 inbound, 15008 HBONE") +
             "): it refuses the connection, so no client reaches it through "
             "the mesh (§4.1)";
  Enforce(v, d);
  return true;
}

}  // namespace dataplane
}  // namespace meshsim
