// `meshsim init`: a scenario file from live clusters' dumps. Each cluster is
// a `kubectl get -o yaml|json` output (a List, or several documents) or a
// folder of them; the scenario names the cluster, its network (the
// topology.istio.io/network label of the istio-system Namespace), its nodes
// with zone and region (Node objects), the Istio release and distribution
// (the istiod image) and istiod's feature flags (its environment), and lists
// the dumps as manifests, relative to the scenario file.
//
//   Diagnostics diags;
//   auto text = InitScenario({{"east", "dumps/east.yaml"}}, "scenario.yaml",
//                            diags);
//   if (text) write *text to scenario.yaml
#ifndef MESHSIM_MODEL_IO_INIT_H_
#define MESHSIM_MODEL_IO_INIT_H_

#include <optional>
#include <string>
#include <vector>

#include "model/diagnostics.h"

namespace meshsim::io {

struct InitCluster {
  std::string name;
  std::string dump;  // a file or a folder, as given
};

// The scenario text, or nullopt with errors in `diags` (a dump that cannot
// be read or parsed, a cluster named twice, a name that is not a DNS
// label). What a dump does not say is left at its default, with a note.
std::optional<std::string> InitScenario(
    const std::vector<InitCluster>& clusters, const std::string& scenario_path,
    Diagnostics& diags);

}  // namespace meshsim::io

#endif  // MESHSIM_MODEL_IO_INIT_H_
