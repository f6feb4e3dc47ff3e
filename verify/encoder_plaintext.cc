// §4.4, §16.5 stated for the encoding: PeerAuthentication's refusal of
// plaintext at a destination, per pod port, at ztunnel and at a sidecar
// (independent of model/peer_authentication.cc).
#include <string>
#include <utility>
#include <vector>

#include "model/labels.h"
#include "verify/encoder.h"

namespace meshsim::verify {

z3::expr Encoder::RefusesPlaintext(const Cluster& c, const Workload& w,
                                   const z3::expr& pod_port, bool zt) {
  // The oldest PeerAuthentication at each level (creationTimestamp, then
  // ns/name): the workload's (a selector in its namespace), its
  // namespace's, the mesh's (the root namespace, no selector, whatever the
  // workload's namespace). Selector policies elsewhere, the root
  // namespace's included, count for nothing.
  const PeerAuthentication* level[3] = {nullptr, nullptr, nullptr};
  for (const PeerAuthentication& p : c.peer_authentications) {
    int l = -1;
    if (p.ns == sc_.mesh.istio.root_namespace)
      l = p.selector ? -1 : 2;
    else if (p.ns == w.ns)
      l = p.selector ? (SelectorMatches(*p.selector, w.labels) ? 0 : -1) : 1;
    if (l < 0) continue;
    const PeerAuthentication* held = level[l];
    if (!held || std::make_pair(p.creation_timestamp, p.Key()) <
                     std::make_pair(held->creation_timestamp, held->Key()))
      level[l] = &p;
  }
  auto given = [](const std::string& m) {
    return m == "STRICT" || m == "PERMISSIVE" || m == "DISABLE";
  };
  auto mode_of = [&](int l) {
    return level[l] && given(level[l]->mode) ? level[l]->mode : "";
  };
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
  // ztunnel (§16.5): istiod turns the port entries into exceptions of the
  // workload's rule, in the cases its conversion keeps them. The namespace
  // level counts as "absent or UNSET" when it sets no mode.
  const bool ns_open = mode_of(1).empty();
  const bool mesh_strict = mode_of(2) == "STRICT";
  std::vector<int> open_ports, strict_ports;
  bool any_permissive = false;
  for (const auto& [port, mode] : own->port_modes) {
    if (mode == "STRICT") strict_ports.push_back(port);
    if (mode == "PERMISSIVE" || mode == "DISABLE") open_ports.push_back(port);
    any_permissive = any_permissive || mode == "PERMISSIVE";
  }
  auto listed = [&](const std::vector<int>& ports) {
    AnyOf any(c_);
    for (int p : ports) any.Add(pod_port == c_.int_val(p));
    return any.Build();
  };
  if (own_mode == "STRICT")  // every open port is an exception
    return open_ports.empty() ? c_.bool_val(true) : !listed(open_ports);
  if (!own_mode.empty()) {
    // PERMISSIVE or DISABLE: STRICT entries refuse, but not under a STRICT
    // mesh policy with no namespace mode (istiod drops them there).
    if (strict_ports.empty() || (ns_open && mesh_strict))
      return c_.bool_val(false);
    return listed(strict_ports);
  }
  if (parent == "STRICT") {
    // Inherited STRICT: without a PERMISSIVE entry nothing is excepted (a
    // DISABLE one neither); with one, the open ports are excepted, unless
    // the namespace policy exists without a mode, where istiod drops the
    // exceptions and the STRICT too.
    if (own->port_modes.empty() || !any_permissive) return c_.bool_val(true);
    if (level[1] && ns_open) return c_.bool_val(false);
    return !listed(open_ports);
  }
  return strict_ports.empty() ? c_.bool_val(false) : listed(strict_ports);
}

}  // namespace meshsim::verify
