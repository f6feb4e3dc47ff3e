// §3.8: a Service's traffic distribution as istiod reads it, by release.
#include <cctype>
#include <string>

#include "model/labels.h"
#include "model/mesh.h"
#include "model/mesh_queries.h"
#include "model/text.h"

namespace meshsim {

// §3.8 (model.GetTrafficDistribution): a Kubernetes Service's
// spec.trafficDistribution when it is one Istio knows (as spelled), else the
// object's networking.istio.io/traffic-distribution annotation (any case; an
// unknown value means Any), else its namespace's. A ServiceEntry has no spec
// field, and one with resolution NONE passes through (no distribution).
std::string EffectiveTrafficDistribution(const Cluster& c, const Service& s,
                                         const IstioVersion& v) {
  if (s.peered) return s.traffic_distribution;  // peering's own (§15.2)
  if (s.kind == "ServiceEntry" && s.resolution == "NONE") return "";
  const std::string spec = s.traffic_distribution;  // as given, or as
                                                    // a first pass left it
  // §3.8: before 1.27 only PreferClose; a spec value, when set, decides.
  if (!v.AtLeast(1, 27)) {
    if (!spec.empty()) return spec == "PreferClose" ? spec : "";
    const std::string* a =
        FindLabel(s.annotations, kAnnotationTrafficDistribution);
    return a && AsciiLower(*a) == "preferclose" ? "PreferClose" : "";
  }
  if (spec == "PreferClose" || spec == "PreferSameZone" ||
      spec == "PreferSameNode")
    return spec;
  auto from_annotation = [](const Labels& annotations) -> std::string {
    const std::string* v =
        FindLabel(annotations, kAnnotationTrafficDistribution);
    if (!v || v->empty()) return "";
    std::string l;
    for (char ch : *v) l += static_cast<char>(std::tolower(ch));
    if (l == "preferclose") return "PreferClose";
    if (l == "prefersamezone") return "PreferSameZone";
    if (l == "prefersamenode") return "PreferSameNode";
    return "Any";
  };
  std::string td = from_annotation(s.annotations);
  // §3.8: the namespace's annotation is read from 1.30.
  if (td.empty() && v.AtLeast(1, 30))
    if (const Namespace* n = c.FindNamespace(s.ns))
      td = from_annotation(n->annotations);
  return td;
}

}  // namespace meshsim
