// The shared outcome vocabulary: a request's hops, the waypoints it passed,
// and how it ended. Produced by the simulator's path resolution
// (sim/dataplane.h), checked by the verifier, rendered by reports.
//
// Outcomes (closed set):
//   delivered  the request reached a destination workload or left the mesh
//   denied     an authorization policy rejected it (policy issue)
//   failed     the data plane could not carry it; `reason` says why
#ifndef MESHSIM_MODEL_PATH_H_
#define MESHSIM_MODEL_PATH_H_

#include <string>
#include <vector>

namespace meshsim {

enum class HopKind {
  kWorkload,  // a pod or WorkloadEntry: source or destination
  kZtunnel,   // a node's ztunnel
  kWaypoint,  // a waypoint proxy pod
  kIngress,   // an ingress gateway pod
  kEastWest,  // an east-west gateway pod
  kSidecar,   // a pod's own Envoy
  kExternal,  // a destination outside the mesh
};
const char* HopKindName(HopKind k);

enum class Outcome { kDelivered, kDenied, kFailed };
const char* OutcomeName(Outcome o);

struct Hop {
  HopKind kind = HopKind::kWorkload;
  std::string name;     // ns/pod, node name (ztunnel), ns/gateway, host:port
  std::string cluster;  // empty for external hops
  std::string node;     // empty for ztunnels and external hops

  bool operator==(const Hop& o) const {
    return kind == o.kind && name == o.name && cluster == o.cluster &&
           node == o.node;
  }
  bool operator<(const Hop& o) const;
};

struct Path {
  std::vector<Hop> hops;
  std::vector<std::string> waypoints;  // ns/name, in the order passed
  Outcome outcome = Outcome::kDelivered;
  std::string reason;            // for failed (and denied) paths
  std::vector<std::string> why;  // routing decisions, in order
};

struct TrafficPaths {
  std::string name;
  std::vector<Path> paths;
};

struct PathsResult {
  std::string scenario;
  std::vector<TrafficPaths> traffic;
};

}  // namespace meshsim

#endif  // MESHSIM_MODEL_PATH_H_
