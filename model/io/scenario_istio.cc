// `istio:` and the Istio release of the mesh and of each cluster. See
// scenario_sections.h.
#include <algorithm>

#include "model/io/scenario_sections.h"

namespace meshsim::io {

std::optional<IstioVersion> ParseVersion(Reader& r, const YAML::Node& n,
                                         const std::string& what) {
  auto s = r.String(n, what);
  if (!s) return std::nullopt;
  IstioVersion v;
  int mj = 0, mn = 0;
  char dot = 0;
  if (std::sscanf(s->c_str(), "%d%c%d", &mj, &dot, &mn) != 3 || dot != '.') {
    r.Error(n, what + " must be a release like \"1.28\", got '" + *s + "'");
    return std::nullopt;
  }
  v.major = mj;
  v.minor = mn;
  if (!v.AtLeast(1, 22)) {
    r.Error(n, what + " is " + *s +
                   ", but meshsim models ambient from 1.22 "
                   "(explicit istio.io/use-waypoint binding); releases up "
                   "to 1.21 bound waypoints automatically (§2.5)");
    return std::nullopt;
  }
  if (kNewestModelledVersion.AtLeast(v.major, v.minor) == false) {
    r.diags().Note(r.Loc(n), what + " " + *s +
                                 " is newer than the newest "
                                 "modelled release " +
                                 kNewestModelledVersion.ToString() +
                                 "; its rules are used");
    v = kNewestModelledVersion;
  }
  return v;
}

void LoadIstio(Reader& r, const YAML::Node& n, Mesh& mesh) {
  if (!r.IsMap(n, "istio")) return;
  CheckKeys(r, n, {"version", "distribution", "flags", "rootNamespace"},
            "istio");
  mesh.istio.location = r.Loc(n);
  if (auto v = ParseVersion(r, r.Child(n, "version"), "istio.version"))
    mesh.istio.version = *v;
  if (auto d = r.String(r.Child(n, "distribution"), "istio.distribution")) {
    if (*d == "community") {
      mesh.istio.distribution = Distribution::kCommunity;
    } else if (*d == "solo") {
      mesh.istio.distribution = Distribution::kSolo;
    } else {
      r.Error(r.Child(n, "distribution"),
              "istio.distribution must be community or solo, got '" + *d + "'");
    }
  }
  if (auto root = r.String(r.Child(n, "rootNamespace"), "istio.rootNamespace"))
    mesh.istio.root_namespace = *root;
  YAML::Node flags = r.Child(n, "flags");
  if (r.IsMap(flags, "istio.flags")) {
    for (auto it = flags.begin(); it != flags.end(); ++it) {
      if (!it->first.IsScalar()) continue;
      const std::string key = it->first.Scalar();
      auto v = r.String(it->second, "istio.flags." + key);
      if (!v) continue;
      if (*v != "true" && *v != "false" && *v != "True" && *v != "False" &&
          *v != "TRUE" && *v != "FALSE") {
        r.Error(it->second,
                "istio.flags." + key +
                    " must be true or false (or \"true\"/\"false\"), got '" +
                    *v + "'");
        continue;
      }
      std::string lower = *v;
      std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
      mesh.istio.flags[key] = lower;
    }
  }
}

}  // namespace meshsim::io
