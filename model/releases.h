// Istio releases: the version a scenario models, and facts of single
// releases, patches included, that both engines read (the simulator and the
// verifier state rules apart, never these). Included by model/mesh.h.
#ifndef MESHSIM_MODEL_RELEASES_H_
#define MESHSIM_MODEL_RELEASES_H_

#include <string>

namespace meshsim {

// Istio release a scenario models, as (major, minor). Rules that changed
// between releases compare against it (§2.3, §5, §7.2).
struct IstioVersion {
  int major = 1;
  int minor = 31;
  int patch = -1;  // -1: not given, read as the minor's latest patch
  bool AtLeast(int mj, int mn) const {
    return major > mj || (major == mj && minor >= mn);
  }
  // At least mj.mn.p; a release given without its patch is the minor's
  // latest, which has every backport.
  bool AtLeastPatch(int mj, int mn, int p) const {
    if (major != mj || minor != mn) return AtLeast(mj, mn);
    return patch < 0 || patch >= p;
  }
  std::string ToString() const {
    return std::to_string(major) + "." + std::to_string(minor) +
           (patch >= 0 ? "." + std::to_string(patch) : "");
  }
};
// §7.2: whether an Envoy of release `v` stamps, and an east-west gateway
// reads, `x-istio-source: gateway` (1.29.4, 1.30.1, 1.31: #60162 and its
// backports; before, an ingress stamped `waypoint`, K16). A release fact
// both engines read.
inline bool GatewaySourceHeader(const IstioVersion& v) {
  if (v.major == 1 && v.minor == 29) return v.AtLeastPatch(1, 29, 4);
  if (v.major == 1 && v.minor == 30) return v.AtLeastPatch(1, 30, 1);
  return v.AtLeast(1, 31);
}
// §16.2: whether a waypoint of release `v` merges the routes of every
// VirtualService for a service (#59484: 1.28.6, 1.29.2, 1.30); before, it
// took the first one (from 1.26 the first with HTTP rules). A release fact
// both engines read.
inline bool WaypointMergesVirtualServices(const IstioVersion& v) {
  if (v.major == 1 && v.minor == 28) return v.AtLeastPatch(1, 28, 6);
  if (v.major == 1 && v.minor == 29) return v.AtLeastPatch(1, 29, 2);
  return v.AtLeast(1, 30);
}
// §16.5: whether release `v` has #54073, the PeerAuthentication merge fix
// (1.22.8, 1.23.5, 1.24.3, 1.25.0): an UNSET workload policy's PERMISSIVE
// port entry lifts istiod's static STRICT ztunnel policy. A release fact
// both engines read.
inline bool PeerAuthMergeFix(const IstioVersion& v) {
  if (v.major == 1 && v.minor == 22) return v.AtLeastPatch(1, 22, 8);
  if (v.major == 1 && v.minor == 23) return v.AtLeastPatch(1, 23, 5);
  if (v.major == 1 && v.minor == 24) return v.AtLeastPatch(1, 24, 3);
  return v.AtLeast(1, 25);
}

// §3.4: whether istiod of release `v` leaves out of the ambient index the
// inline endpoints of a ServiceEntry it keeps no service of: one whose
// every host another holds (`block` false; "pruned by deduplication",
// workloads.go, from 1.28.1), or one dropped for an address block (`block`
// true; 1.22, which built an endpoint only with its entry's service, and
// 1.28.1-1.29; 1.23-1.28.0 sent them without a service). A release fact
// both engines read.
inline bool PrunesEntryEndpoints(const IstioVersion& v, bool block) {
  const bool dedup = v.AtLeastPatch(1, 28, 1);
  if (!block) return dedup;
  return v.major == 1 && (v.minor == 22 || (dedup && !v.AtLeast(1, 30)));
}

}  // namespace meshsim

#endif  // MESHSIM_MODEL_RELEASES_H_
