// Data-plane path resolution: which components carry a request, hop by hop,
// through an ambient mesh (docs/semantics.md §1, §3, §5, §6, §7, §15).
//
// For one traffic entry, the resolver builds a forwarding graph with
// Boost.Graph: a vertex is a component holding a request in a given state
// (what it was addressed to, which headers it carries), an edge is a hand-off
// with the decision that caused it. Every distinct path is then enumerated
// on that graph (one per reachable endpoint and waypoint-replica choice), and
// a request that could come back to a vertex it passed is reported as a loop.
//
//   ForwardingGraph g = BuildForwardingGraph(scenario.mesh, entry);
//   std::vector<Path> paths = EnumeratePaths(g);
//   PathsResult all = ResolvePaths(scenario);
#ifndef MESHSIM_SIM_DATAPLANE_H_
#define MESHSIM_SIM_DATAPLANE_H_

#include <memory>
#include <string>
#include <vector>

#include "model/path.h"
#include "model/scenario.h"

namespace meshsim {

// Opaque forwarding graph of one traffic entry (see dataplane.cc).
class ForwardingGraph {
 public:
  ForwardingGraph();
  ~ForwardingGraph();
  ForwardingGraph(ForwardingGraph&&) noexcept;
  ForwardingGraph& operator=(ForwardingGraph&&) noexcept;

  size_t vertex_count() const;
  size_t edge_count() const;
  // True when some vertex can be reached again from itself (§3.5, K18).
  bool HasLoop() const;

  struct Impl;
  std::unique_ptr<Impl> impl;
};

ForwardingGraph BuildForwardingGraph(const Mesh& mesh,
                                     const TrafficEntry& entry);

// Every source-to-end path of the graph, in a deterministic order.
std::vector<Path> EnumeratePaths(const ForwardingGraph& graph);

// Paths of every traffic entry of the scenario.
// Traffic entries are resolved on `jobs` threads; the result does not depend
// on it.
PathsResult ResolvePaths(const Scenario& scenario, int jobs = 1);

}  // namespace meshsim

#endif  // MESHSIM_SIM_DATAPLANE_H_
