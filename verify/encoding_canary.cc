// §2.6 weighted (canary) waypoints, stated for the encoding on its own
// (not model/binding.cc's ServiceWaypoint): Istio's
// pilot/pkg/serviceregistry/ambient/waypoints.go ResolveUseWaypointCanary,
// getCanaryWeight and buildWeightedWaypoints.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "model/labels.h"
#include "verify/encoder.h"
#include "verify/encoding.h"
#include "verify/mutation.h"

namespace meshsim::verify {

namespace {

// Go's strconv.Atoi for a percentage: an optional sign, decimal digits, a
// value in 0..100; nullopt otherwise.
std::optional<int> Percentage(const std::string& v) {
  size_t i = !v.empty() && (v[0] == '+' || v[0] == '-') ? 1 : 0;
  if (i == v.size() || v.size() - i > 18) return std::nullopt;
  long long n = 0;
  for (; i < v.size(); ++i) {
    if (v[i] < '0' || v[i] > '9') return std::nullopt;
    n = n * 10 + (v[i] - '0');
  }
  if (v[0] == '-') n = -n;
  if (n < 0 || n > 100) return std::nullopt;
  return static_cast<int>(n);
}

}  // namespace

std::optional<Canary> Slice::CanaryFor(int ci, const Service& s) {
  const Cluster& cl = sc_.mesh.clusters[ci];
  if (!cl.VersionOr(sc_.mesh.istio.version).AtLeast(1, 31)) return {};
  if (s.kind != "Service" && s.kind != "ServiceEntry") return {};
  // The namespace speaks only when the object names no primary itself.
  const Namespace* ns = cl.FindNamespace(s.ns);
  const bool own_primary = s.labels.count(kLabelUseWaypoint) > 0;
  const Namespace* inherit = own_primary ? nullptr : ns;
  const Labels* holder = &s.labels;
  if (!s.labels.count(kLabelUseWaypointCanary) && inherit &&
      inherit->labels.count(kLabelUseWaypointCanary))
    holder = &inherit->labels;
  auto name = holder->find(kLabelUseWaypointCanary);
  if (name == holder->end() || name->second.empty() || name->second == "none")
    return {};
  auto wns = holder->find(kLabelUseWaypointCanaryNamespace);
  const std::string key =
      (wns != holder->end() ? wns->second : s.ns) + "/" + name->second;
  int weight = 0;
  auto w = s.annotations.find(kAnnotationCanaryWeight);
  const Labels* wsrc = &s.annotations;
  if (w == s.annotations.end() && inherit) {
    w = inherit->annotations.find(kAnnotationCanaryWeight);
    wsrc = &inherit->annotations;
  }
  if (w != wsrc->end()) {
    std::optional<int> p = Percentage(w->second);
    if (!p) return {};  // an invalid weight: the primary alone
    weight = *p;
  }
  auto it = cl.gateways.find(key);
  if (it == cl.gateways.end()) return {};
  const Gateway& g = it->second;
  // The canary must be a programmed waypoint for service traffic that
  // admits the object's namespace, like a primary (§2.1, §2.2, §2.4).
  const std::string type =
      WaypointTrafficOf(cl, g, cl.VersionOr(sc_.mesh.istio.version));
  if (g.role == GatewayRole::kRemote || !g.Programmed() ||
      (type != "service" && type != "all") ||
      !WaypointAdmitsNamespace(cl, g, s.ns,
                               cl.VersionOr(sc_.mesh.istio.version)))
    return {};
  return Canary{&g, weight, !Deleted(ci, g)};
}

std::vector<std::pair<const Gateway*, z3::expr>> Encoder::FirstHopWaypoints(
    const ServiceView& v, int vc, const SourceClass& cls, z3::expr* fail) {
  // Sidecars (Solo interop) and east-west gateways use the primary alone.
  const bool ingress = cls.kind == ClientKind::kIngress;
  if (!v.canary || (cls.kind != ClientKind::kAmbient && !ingress) ||
      Mutated(Mutation::kCanaryIgnored))  // wrong on purpose
    return v.per;
  const Canary& cy = *v.canary;
  const std::string cluster = sc_.mesh.clusters[vc].name;
  const z3::expr pick_var = c_.bool_const(("canary-pick:" + cluster).c_str());
  std::vector<std::pair<const Gateway*, z3::expr>> out;
  z3::expr to_canary = c_.bool_val(false);
  for (const auto& [gw, b] : v.per) {
    // Zero weights are dropped; an ingress also drops a waypoint without
    // pods (ztunnel fails closed on it instead).
    bool p_ok = cy.weight<100, c_ok = cy.weight> 0;
    if (ingress) {
      p_ok = p_ok && slice_.Healthy(vc, *gw);
      c_ok = c_ok && slice_.Healthy(vc, *cy.gw);
    }
    const z3::expr valid = b && c_.bool_val(gw != cy.gw) && cy.up;
    const z3::expr pick = !c_ok   ? c_.bool_val(false)
                          : !p_ok ? c_.bool_val(true)
                                  : pick_var;
    if (ingress && !p_ok && !c_ok) *fail = *fail || valid;
    out.push_back({gw, b && !(valid && pick)});
    to_canary = to_canary || (valid && pick);
  }
  out.push_back({cy.gw, to_canary});
  return out;
}

}  // namespace meshsim::verify
