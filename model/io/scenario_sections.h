// Internal: the sections of a scenario file, one loader each, and the field
// readers they share. scenario_loader.cc reads the file and its clusters and
// calls the others in order (docs/scenario-format.md):
//
//   istio            scenario_istio.cc        LoadIstio
//   performance      scenario_performance.cc  LoadPerformance
//   faults           scenario_faults.cc       LoadFaults
//   traffic          scenario_traffic.cc      ParseTraffic, then ResolveTraffic
//   expect           scenario_expectations.cc LoadExpectations
#ifndef MESHSIM_MODEL_IO_SCENARIO_SECTIONS_H_
#define MESHSIM_MODEL_IO_SCENARIO_SECTIONS_H_

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "model/diagnostics.h"
#include "model/io/yaml_reader.h"
#include "model/mesh.h"
#include "model/scenario.h"

namespace meshsim::io {

// Warns about each key of map `n` not in `known`, with a "did you mean";
// a key of `unread` (key -> why) is named as one meshsim does not read.
void CheckKeys(Reader& r, const yaml::Node& n,
               const std::set<std::string>& known, const std::string& where,
               const std::map<std::string, std::string>& unread = {});

// " (did you mean '<closest candidate>'?)", or "" when none is close.
std::string DidYouMean(const std::string& word,
                       const std::vector<std::string>& candidates);

// A positive duration (10s, 500ms, 2m, ...) in nanoseconds; nullopt (with an
// error) when malformed.
std::optional<int64_t> ParseDuration(Reader& r, const yaml::Node& n,
                                     const std::string& what);

// "0", "0s", "0ms": the start of the run (a point in time, not a duration).
bool IsZeroDuration(const std::string& s);

// An Istio release ("1.28"): nullopt (with an error) before 1.22; a release
// newer than the newest modelled one is read as that one (with a note).
std::optional<IstioVersion> ParseVersion(Reader& r, const yaml::Node& n,
                                         const std::string& what);

void LoadIstio(Reader& r, const yaml::Node& n, Mesh& mesh);
void LoadPerformance(Reader& r, const yaml::Node& n, Scenario& sc);
// `sweep:` (docs/capacity.md); its gateways name Gateways of the loaded
// mesh.
void LoadSweep(Reader& r, const yaml::Node& n, Scenario& sc);
// Faults name their targets in the loaded mesh.
void LoadFaults(Reader& r, const yaml::Node& n, Scenario& sc);
// Expectations name traffic entries: after ResolveTraffic. An expectation
// naming an entry of `unresolved` (reported already) is dropped silently.
void LoadExpectations(Reader& r, const yaml::Node& n, Scenario& sc,
                      const std::set<std::string>& unresolved = {});

// A traffic entry as written, before its references are bound: the parse
// step's result. Its diagnostics are held per part, in the order the parts
// are checked, and the resolve step reports each part's when it reaches it:
// a part after a reference that does not resolve is not judged, and the
// diagnostics keep the order of one pass over the entry.
struct RawTrafficEntry {
  struct Part {
    Diagnostics diags;      // the parse step's, held back
    bool complete = false;  // false: the part ends the entry (no later part)
  };
  Part head;         // the entry is a map; its keys; name
  Part source;       // from
  Part destination;  // to
  Part load;         // http, rate, duration, requests, arrival, profile
  // Values as written: from.cluster empty when not given, from.ingress and
  // to.pod possibly without a namespace.
  TrafficEntry entry;
  // Where the references are written, for the resolve step's errors.
  SourceLocation name_loc;
  SourceLocation from_cluster_loc;
  SourceLocation from_workload_loc;
  SourceLocation from_ingress_loc;
  SourceLocation to_host_loc;
  SourceLocation to_pod_loc;
};

// Parse step: `traffic:` into raw entries. Needs no mesh and reports nothing
// but "traffic must be a list"; every other diagnostic is held in the entries.
std::vector<RawTrafficEntry> ParseTraffic(Reader& r, const yaml::Node& n);

// Resolve step: binds each entry's source (cluster, workload or ingress
// Gateway) and destination (pod or host) against the loaded mesh and the
// entries before it, reporting the held and the new diagnostics; appends the
// entries that resolve to sc.traffic. Returns the names of those that do
// not.
std::set<std::string> ResolveTraffic(const std::vector<RawTrafficEntry>& raw,
                                     Scenario& sc, Diagnostics& diags);

}  // namespace meshsim::io

#endif  // MESHSIM_MODEL_IO_SCENARIO_SECTIONS_H_
