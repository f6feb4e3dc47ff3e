// Finding scenario files for `meshsim check`.
#ifndef MESHSIM_APP_DISCOVERY_H_
#define MESHSIM_APP_DISCOVERY_H_

#include <string>
#include <vector>

namespace meshsim {

// Scenario files under `arg`: the file itself, or every YAML/JSON file below
// a folder whose top level has `clusters:`, sorted (folders named
// `manifests` are not searched).
std::vector<std::string> ScenarioFilesUnder(const std::string& arg);

}  // namespace meshsim

#endif  // MESHSIM_APP_DISCOVERY_H_
