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
      l = p.selector ? (SelectorMatches(*p.selector, w.labels) ? 0 : -1) : 1;
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
    static_strict = !any_permissive;
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

}  // namespace meshsim::verify
