// §4.4, §16.5: whether a destination's proxy refuses plaintext, port by
// port, from the PeerAuthentications of its workload, namespace and mesh:
// the sidecar's merged modes and ztunnel's reading of istiod's conversion.
#include <string>

#include "model/labels.h"
#include "model/policy.h"

namespace meshsim {

namespace {

// The PeerAuthentications that decide for `w` (§16.5): the oldest with a
// selector matching it in its namespace, the oldest without one in its
// namespace, the oldest without one in the root namespace. The root
// namespace's own are mesh policies even for its workloads, and its
// selector policies count for nothing (istiod's level split).
// At ztunnel (§16.5) a root-namespace policy written `selector: {}` is
// fetched only for the root namespace's own workloads, and the conversion
// of a workload policy's port entries takes its parents from the oldest
// policies without any selector (conv_ns, conv_root).
struct PeerAuthLevels {
  const PeerAuthentication* workload = nullptr;
  const PeerAuthentication* ns = nullptr;
  const PeerAuthentication* root = nullptr;
  const PeerAuthentication* conv_ns = nullptr;
  const PeerAuthentication* conv_root = nullptr;
};

// Whether `a` is older than `b` (creationTimestamp, then name: the input's
// order never decides).
bool Older(const PeerAuthentication& a, const PeerAuthentication* b) {
  if (!b) return true;
  if (a.creation_timestamp != b->creation_timestamp)
    return a.creation_timestamp < b->creation_timestamp;
  return a.Key() < b->Key();
}

PeerAuthLevels PeerAuthLevelsOf(const Mesh& mesh, const Cluster& cluster,
                                const Workload& w, bool ztunnel) {
  PeerAuthLevels l;
  const std::string& root = mesh.istio.root_namespace;
  for (const PeerAuthentication& p : cluster.peer_authentications) {
    if (p.ns == root) {
      if (p.selector) continue;
      // fetchPeerAuthentications: `Selector == nil` for the mesh level.
      if (ztunnel && p.empty_selector && w.ns != root) continue;
      if (Older(p, l.root)) l.root = &p;
      if (!p.empty_selector && Older(p, l.conv_root)) l.conv_root = &p;
    } else if (p.ns == w.ns && p.selector) {
      if (SelectorMatches(*p.selector, w.SelectorLabels()) &&
          Older(p, l.workload))
        l.workload = &p;
    } else if (p.ns == w.ns) {
      if (Older(p, l.ns)) l.ns = &p;
      if (!p.empty_selector && Older(p, l.conv_ns)) l.conv_ns = &p;
    }
  }
  return l;
}

bool ModeSet(const std::string& m) { return !m.empty() && m != "UNSET"; }
bool IsStrict(const PeerAuthentication* p) { return p && p->mode == "STRICT"; }
bool IsUnset(const PeerAuthentication* p) { return p && !ModeSet(p->mode); }

}  // namespace

std::string PeerAuthenticationMode(const Mesh& mesh, const Cluster& cluster,
                                   const Workload& w, int port,
                                   std::string* policy) {
  const PeerAuthLevels l = PeerAuthLevelsOf(mesh, cluster, w, false);
  std::string mode = "UNSET";
  const PeerAuthentication* decider = nullptr;
  for (const PeerAuthentication* p : {l.workload, l.ns, l.root}) {
    if (!p || !ModeSet(p->mode)) continue;
    mode = p->mode;
    decider = p;
    break;
  }
  // §16.5: a port entry of the workload's own PeerAuthentication overrides
  // the mode for that port (istiod's ComposePeerAuthentication).
  if (l.workload && port > 0) {
    auto it = l.workload->port_modes.find(port);
    if (it != l.workload->port_modes.end() && ModeSet(it->second)) {
      if (policy) *policy = l.workload->Key();
      return it->second;
    }
  }
  if (decider && policy) *policy = decider->Key();
  return mode;
}

std::string NamespaceMtlsMode(const Mesh& mesh, const Cluster& cluster,
                              const std::string& ns, std::string* policy) {
  Workload probe;  // no labels: only the namespace and mesh levels match
  probe.ns = ns;
  const PeerAuthLevels l = PeerAuthLevelsOf(mesh, cluster, probe, false);
  for (const PeerAuthentication* p : {l.ns, l.root})
    if (p && ModeSet(p->mode)) {
      if (policy) *policy = p->Key();
      return p->mode;
    }
  return "PERMISSIVE";
}

bool ZtunnelRefusesPlaintext(const Mesh& mesh, const Cluster& cluster,
                             const Workload& w, int port, std::string* policy) {
  const PeerAuthLevels l = PeerAuthLevelsOf(mesh, cluster, w, true);
  const PeerAuthentication* wp = l.workload;
  // The inherited mode: the mesh's, the namespace's unless UNSET.
  bool inherited = IsStrict(l.root);
  const PeerAuthentication* inherited_from = l.root;
  if (l.ns && ModeSet(l.ns->mode)) {
    inherited = IsStrict(l.ns);
    inherited_from = l.ns;
  }
  auto count = [&](auto pred) {
    size_t n = 0;
    if (wp)
      for (const auto& [p, m] : wp->port_modes) n += pred(m) ? 1 : 0;
    return n;
  };
  const bool has_strict_port =
      count([](const std::string& m) { return m == "STRICT"; }) > 0;
  const bool has_permissive_port =
      count([](const std::string& m) { return m == "PERMISSIVE"; }) > 0;
  const bool has_open_port = count([](const std::string& m) {
                               return m == "PERMISSIVE" || m == "DISABLE";
                             }) > 0;
  // Which of istiod's two ztunnel policies the workload gets
  // (convertedSelectorPeerAuthentications): the static STRICT one, and the
  // one converted from its own PeerAuthentication's port entries.
  const std::string mode = wp && ModeSet(wp->mode) ? wp->mode : "UNSET";
  bool static_strict = inherited, converted = false;
  if (wp && mode == "STRICT") {
    static_strict = !has_open_port;
    converted = has_open_port;
  } else if (wp && mode != "UNSET") {  // PERMISSIVE or DISABLE
    static_strict = false;
    converted = has_strict_port;
  } else if (wp && !wp->port_modes.empty()) {
    if (inherited) {
      // Only a PERMISSIVE entry lifts the static policy, and only since the
      // fix of 1.22.8, 1.23.5 and 1.24.3 (authorization.go: before, the
      // Unset branch never cleared isEffectiveStrictPolicy).
      static_strict = !has_permissive_port ||
                      !PeerAuthMergeFix(cluster.VersionOr(mesh.istio.version));
      converted = has_permissive_port;
    } else {
      converted = has_strict_port;
    }
  }
  if (static_strict) {
    if (policy)
      *policy = mode == "STRICT" ? wp->Key()
                : inherited_from ? inherited_from->Key()
                                 : "";
    return true;
  }
  if (!converted) return false;
  // The converted policy (convertPeerAuthentication), as it reads for a
  // connection without an identity: denied on a STRICT port entry it keeps,
  // or, when it keeps an exempted port, on every port but those. Its
  // parents are those without any selector (PeerAuthByNamespace).
  const PeerAuthentication *ns = l.conv_ns, *root = l.conv_root;
  bool denied = false, exempt_rule = mode == "STRICT", exempted = false;
  for (const auto& [p, m] : wp->port_modes) {
    if (m == "STRICT") {
      const bool parent_enforces = mode == "STRICT" ||
                                   (mode == "UNSET" && IsStrict(ns)) ||
                                   ((!ns || IsUnset(ns)) && IsStrict(root));
      if (!parent_enforces && p == port) denied = true;
    } else if (m == "PERMISSIVE" || m == "DISABLE") {
      if (mode == "PERMISSIVE" || mode == "DISABLE") continue;
      if (mode == "UNSET" &&
          ((ns && !IsStrict(ns)) || (!ns && root && !IsStrict(root)) ||
           (!ns && !root)))
        continue;
      exempt_rule = true;
      exempted = exempted || p == port;
    }
  }
  if (exempt_rule && !exempted) denied = true;
  if (denied && policy) *policy = wp->Key();
  return denied;
}

const PeerAuthentication* WorkloadPeerAuthentication(const Mesh& mesh,
                                                     const Cluster& cluster,
                                                     const Workload& w) {
  return PeerAuthLevelsOf(mesh, cluster, w, false).workload;
}

}  // namespace meshsim
