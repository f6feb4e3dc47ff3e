// §1.1: which pods and WorkloadEntries ztunnel captures, and which get a
// sidecar (the injector's decision), from labels, annotations and the
// namespace (Mesh::Finalize calls DeriveCapture for every workload).
#include <string>

#include "model/binding.h"
#include "model/labels.h"
#include "model/mesh.h"

namespace meshsim {

namespace {

// §1.1: whether Istio's sidecar injector injects a pod created now, and
// why ("" when it does not). The admission webhook fires on labels only
// (istio-sidecar-injector's four selectors, every istio.io/rev value taken
// as an installed revision); then the injector skips hostNetwork pods and
// kube-system/kube-public, and reads sidecar.istio.io/inject from the pod's
// label, else its annotation: "false" refuses, anything else injects.
std::string SidecarInjection(const Workload& w, const Labels& ns_labels) {
  const std::string* label = FindLabel(w.labels, kLabelSidecarInject);
  const std::string* pod_rev = FindLabel(w.labels, kLabelIstioRev);
  const std::string* ns_inject = FindLabel(ns_labels, kLabelIstioInjection);
  const std::string* ns_rev = FindLabel(ns_labels, kLabelIstioRev);
  const bool label_false = label && *label == "false";
  std::string why;
  if (ns_inject) {
    if (*ns_inject == "enabled" && !label_false)
      why = "namespace " + w.ns + " has label istio-injection=enabled";
  } else if (ns_rev) {
    if (!label_false)
      why = "namespace " + w.ns + " has label istio.io/rev=" + *ns_rev;
  } else if (pod_rev) {
    if (!label_false)
      why = "pod " + w.Key() + " has label istio.io/rev=" + *pod_rev;
  } else if (label && *label == "true") {
    why = "pod " + w.Key() + " has label sidecar.istio.io/inject=true";
  }
  if (why.empty() || w.host_network || w.ns == "kube-system" ||
      w.ns == "kube-public")
    return "";
  const std::string* value =
      label ? label : FindLabel(w.annotations, kLabelSidecarInject);
  if (value && *value == "false") return "";
  return why;
}

}  // namespace

// §1.1: captured(pod), plus the sidecar injector's decision.
void DeriveCapture(const Cluster& cluster, Workload& w) {
  const Labels& ns_labels = cluster.NamespaceLabels(w.ns);
  if (w.kind == "EndpointSlice") {
    // §3.4: istiod's workload of such an endpoint has network mode
    // HOST_NETWORK and no tunnel: ztunnel reaches it in plain TCP.
    w.capture = Capture::kUncaptured;
    w.capture_why = w.Subject() +
                    " has no Pod targetRef: an opaque host-network endpoint "
                    "(§3.4)";
    return;
  }
  if (w.role == WorkloadRole::kWaypoint || w.role == WorkloadRole::kEastWest) {
    // waypoint.yaml renders istio.io/dataplane-mode: none (§1.1).
    w.capture = Capture::kUncaptured;
    w.capture_why = "waypoint and east-west pods are never captured (§1.1)";
    return;
  }
  // §1.1 (setTunnelProtocol): a WorkloadEntry (a VM, or a ServiceEntry's
  // endpoint) has no istio-cni and no namespace label enrols it: it speaks
  // HBONE only when its tunnel label or redirection annotation says so (an
  // endpoint: its entry's). Otherwise it is reached in plain TCP.
  if (w.kind == "WorkloadEntry" && cluster.Discovered(w.ns)) {
    const std::string whose = w.service_entry.empty()
                                  ? "its"
                                  : "ServiceEntry " + w.service_entry + "'s";
    w.capture = w.hbone_tunnel ? Capture::kAmbient : Capture::kUncaptured;
    w.capture_why =
        w.hbone_tunnel
            ? w.Subject() + " speaks HBONE (" + whose + " " +
                  kAnnotationRedirection + "=enabled or " + kLabelTunnel +
                  "=http, §1.1)"
            : w.Subject() +
                  " is reached in plain TCP, not through a ztunnel: " +
                  "neither " + whose + " annotation " + kAnnotationRedirection +
                  "=enabled nor label " + kLabelTunnel + "=http (§1.1)";
    return;
  }
  if (w.role == WorkloadRole::kIngress) {
    // §14 leaves open whether an ingress pod in an ambient namespace is
    // captured; its Envoy originates HBONE itself, so it is modelled as not
    // captured unless the Gateway itself asks for ambient (the "sandwich" of
    // §3.5, TestSimpleHTTPSandwich).
    const std::string* mode = FindLabel(w.labels, kLabelDataplaneMode);
    w.capture =
        mode && *mode == "ambient" ? Capture::kAmbient : Capture::kUncaptured;
    w.capture_why =
        mode && *mode == "ambient"
            ? "gateway " + w.gateway +
                  " is labelled istio.io/dataplane-mode=ambient"
            : "gateway pods originate their own HBONE and are not captured";
    return;
  }
  bool inject = false;
  std::string inject_why;
  if (w.sidecar_injected) {
    inject = true;
    inject_why = "pod " + w.Key() + " has an injected istio-proxy sidecar";
  } else if (w.role == WorkloadRole::kApplication) {
    inject_why = SidecarInjection(w, ns_labels);
    inject = !inject_why.empty();
  }
  if (inject) {
    w.capture = Capture::kSidecar;
    w.capture_why = inject_why + " (sidecar pods are never captured, §1.1)";
    // §1.1 (setTunnelProtocol): the ambient profile's injector labels the
    // pod networking.istio.io/tunnel=http (ISTIO_META_ENABLE_HBONE); a pod
    // already injected keeps the labels it was given.
    w.sidecar_hbone =
        !w.sidecar_injected || SpeaksHbone(w.labels, w.annotations);
    if (!w.sidecar_hbone)
      w.capture_why += "; it has no label " + std::string(kLabelTunnel) +
                       "=http, so a client's ztunnel sends it plain TCP";
    return;
  }
  if (!cluster.Discovered(w.ns)) {
    w.capture = Capture::kUncaptured;
    w.capture_why = "namespace " + w.ns +
                    " is not selected by istio.meshConfig.discoverySelectors: "
                    "istiod tells no ztunnel about its pods (§16.9)";
    return;
  }
  if (w.kind == "Pod" && w.ns == "kube-system") {
    w.capture = Capture::kUncaptured;
    w.capture_why = "kube-system is excluded from capture (§1.1)";
    return;
  }
  if (w.host_network) {
    w.capture = Capture::kUncaptured;
    w.capture_why = "pod " + w.Key() + " uses hostNetwork (§1.1)";
    return;
  }
  // §1.1: istio-cni marks a pod it has enrolled with
  // ambient.istio.io/redirection=enabled, and istiod reads that mark
  // (setTunnelProtocol): in a dump it is what the CNI did, whatever the
  // labels say now.
  if (const std::string* r = FindLabel(w.annotations, kAnnotationRedirection);
      w.kind == "Pod" && r && *r == "enabled") {
    w.capture = Capture::kAmbient;
    w.capture_why = "pod " + w.Key() + " carries " + kAnnotationRedirection +
                    "=enabled: istio-cni enrolled it";
    return;
  }
  const std::string* pod_mode = FindLabel(w.labels, kLabelDataplaneMode);
  const std::string* ns_mode = FindLabel(ns_labels, kLabelDataplaneMode);
  if (pod_mode && *pod_mode == "ambient") {
    w.capture = Capture::kAmbient;
    w.capture_why =
        w.kind + " " + w.Key() + " has label istio.io/dataplane-mode=ambient";
  } else if (ns_mode && *ns_mode == "ambient" &&
             !(pod_mode && *pod_mode == "none")) {
    w.capture = Capture::kAmbient;
    w.capture_why =
        "namespace " + w.ns + " has label istio.io/dataplane-mode=ambient";
  } else if (pod_mode && *pod_mode == "none") {
    w.capture = Capture::kUncaptured;
    w.capture_why =
        w.kind + " " + w.Key() + " opts out with istio.io/dataplane-mode=none";
  } else {
    w.capture = Capture::kUncaptured;
    w.capture_why = "namespace " + w.ns + " is not enrolled in ambient";
  }
}

}  // namespace meshsim
