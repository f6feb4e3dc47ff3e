// Internal to Mesh::Finalize: the ambient index's membership rules (§3.4),
// model/ambient_index.cc.
#ifndef MESHSIM_MODEL_AMBIENT_INDEX_H_
#define MESHSIM_MODEL_AMBIENT_INDEX_H_

#include "model/mesh.h"

namespace meshsim {

// §3.4 (selectWorkloadServices): per namespace and host, the one service
// in WDS; sets each entry's shadowed_hosts.
void ShadowDuplicateHosts(Cluster& c);
// §3.4: sets Workload::out_of_ambient_index on the inline endpoints
// istiod prunes with their entry (PrunesEntryEndpoints).
void MarkPrunedEndpoints(Cluster& c, const IstioVersion& version);

}  // namespace meshsim

#endif  // MESHSIM_MODEL_AMBIENT_INDEX_H_
