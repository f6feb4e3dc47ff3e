// meshsim's own version and the Istio releases it models. Every answer depends
// on both, so every output a reviewer or CI keeps names them: `--version`, the
// JSON outputs' `meshsim` key, SARIF's tool.driver, JUnit's properties and the
// reports' footers (docs/report.md). It changes whenever an answer may
// change, so caches and shard files name it too.
#ifndef MESHSIM_MODEL_VERSION_H_
#define MESHSIM_MODEL_VERSION_H_

#include <string>

#include "model/mesh.h"

namespace meshsim {

inline constexpr char kMeshsimVersion[] = "0.6.0";

// "Istio 1.22 to 1.31 (community) and the Solo distribution".
inline std::string ModelledReleases() {
  return "Istio " + kOldestModelledVersion.ToString() + " to " +
         kNewestModelledVersion.ToString() +
         " (community) and the Solo distribution";
}

// "meshsim 0.6.0 (models Istio 1.22 to 1.31 ...)": one line for text and
// report footers.
inline std::string MeshsimVersionLine() {
  return std::string("meshsim ") + kMeshsimVersion + " (models " +
         ModelledReleases() + ")";
}

}  // namespace meshsim

#endif  // MESHSIM_MODEL_VERSION_H_
