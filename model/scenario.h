// A scenario: a Mesh plus the traffic to resolve or replay
// (docs/scenario-format.md describes the file).
#ifndef MESHSIM_MODEL_SCENARIO_H_
#define MESHSIM_MODEL_SCENARIO_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "model/mesh.h"

namespace meshsim {

struct TrafficSource {
  std::string cluster;
  std::string ns;        // with `workload`
  std::string workload;  // Deployment/StatefulSet/DaemonSet/ReplicaSet/Pod name
  std::string ingress;   // "ns/name" of an ingress Gateway
  SourceLocation location;
};

struct TrafficDestination {
  std::string host;  // service hostname, ns-qualified or short name
  std::string pod;   // "ns/workload" (first replica) or "ns/pod-name"
  std::string ip;
  int port = 0;
  SourceLocation location;
};

struct HttpRequest {
  std::string method = "GET";
  std::string path = "/";
  std::map<std::string, std::string> headers;  // names lowercased

  bool operator==(const HttpRequest& o) const {
    return method == o.method && path == o.path && headers == o.headers;
  }
};

struct TrafficEntry {
  std::string name;
  TrafficSource from;
  TrafficDestination to;
  std::optional<HttpRequest> http;  // absent: plain TCP
  double rate = 1.0;                // requests per second
  int64_t duration_ns = 10'000'000'000;
  SourceLocation location;
};

struct Scenario {
  std::string file;
  Mesh mesh;
  std::vector<TrafficEntry> traffic;
};

}  // namespace meshsim

#endif  // MESHSIM_MODEL_SCENARIO_H_
