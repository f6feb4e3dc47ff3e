// Finding scenario files for `meshsim check`.
#ifndef MESHSIM_APP_DISCOVERY_H_
#define MESHSIM_APP_DISCOVERY_H_

#include <string>
#include <vector>

namespace meshsim {

struct ScenarioDiscovery {
  std::vector<std::string> files;   // sorted
  std::vector<std::string> errors;  // entries that could not be looked at
};

// Scenario files under `arg`: the file itself, or every YAML/JSON file below
// a folder whose top level has `clusters:` (looked for in its first 4 MiB),
// sorted; folders named `manifests` are not searched. The walk stays below
// the input root (model/io/files.h) and reports every folder or link it
// cannot follow instead of stopping (docs/security.md).
ScenarioDiscovery ScenarioFilesUnder(const std::string& arg);

}  // namespace meshsim

#endif  // MESHSIM_APP_DISCOVERY_H_
