// Loading scenarios and Kubernetes manifests (YAML, multi-document, JSON,
// `kind: List` dumps) into the model, with the source location of every
// object and of the fields that decide routing.
//
//   Diagnostics diags;
//   std::optional<Scenario> s = LoadScenarioFile("scenarios/x/scenario.yaml",
//   diags); if (!s || diags.HasErrors()) { diags.Print(std::cerr); return 2; }
//
// Loaders never throw: every problem in the input becomes a Diagnostic
// ("file:line:col: error: ..."), and loading continues so that all of them
// are reported in one pass. JSON is read with the YAML parser (JSON is YAML
// 1.2 flow syntax), which keeps line and column for every value.
#ifndef MESHSIM_MODEL_IO_LOADER_H_
#define MESHSIM_MODEL_IO_LOADER_H_

#include <optional>
#include <string>
#include <vector>

#include "model/diagnostics.h"
#include "model/scenario.h"

namespace meshsim {

// Loads a scenario file and every manifest it names, then finalizes the mesh.
// Returns nullopt when the file cannot be read or parsed at all; otherwise a
// scenario, and `diags` says whether it is complete (no errors). Relative
// manifest paths resolve against the scenario's folder, or `manifest_dir`
// when given (`meshsim diff --new-manifests`).
// `overrides` (sweep, plan): replica counts, release and rate multiplier.
std::optional<Scenario> LoadScenarioFile(
    const std::string& path, Diagnostics& diags,
    const std::string& manifest_dir = "",
    const ScenarioOverrides* overrides = nullptr);

// The executable's say in how the heap backs a scenario being loaded
// (cli/main.cc): `hook(true)` as LoadScenarioFile starts and `hook(false)`
// as it returns, nested calls counted as one. Unset in the libraries and
// their tests.
void SetLoadingHeapHook(void (*hook)(bool loading));
// The executable's other say: `hook(path, bytes)` as each manifest file
// `path` of `bytes` is about to be loaded, from the thread loading it (so
// the hook must be thread-safe); a file loaded again (a sweep's points,
// `check` over scenarios sharing manifests) is named again. Unset in the
// libraries and their tests.
void SetManifestHeapHook(void (*hook)(const std::string& path, size_t bytes));

// Parses scenario text as if read from `file_label` (relative manifest paths
// resolve against `base_dir`). Used by tests and by LoadScenarioFile.
std::optional<Scenario> LoadScenarioText(
    const std::string& text, const std::string& file_label,
    const std::string& base_dir, Diagnostics& diags,
    const ScenarioOverrides* overrides = nullptr);

// Adds the objects of one manifest text (YAML or JSON, any number of
// documents) to `cluster`. Objects of kinds meshsim does not model are
// skipped with one note per kind and file.
void LoadManifestText(const std::string& text, const std::string& file_label,
                      Cluster& cluster, Diagnostics& diags);

namespace io {
// While on, every object loaded is recorded with a SHA-256 of its content
// (Cluster::records), for `verify --cache`. Set while no loading runs.
void SetRecordObjects(bool on);
bool RecordingObjects();

// While off, objects are loaded without the digest of their content by
// "Kind ns/name" (Cluster::objects), which only `diff` reads to name the
// objects a change touched; a tenth of loading a large mesh. On by default;
// `verify` and `paths` turn it off (ObjectDigestsOff). Set while no loading
// runs.
void SetDigestObjects(bool on);
class ObjectDigestsOff {
 public:
  ObjectDigestsOff() { SetDigestObjects(false); }
  ~ObjectDigestsOff() { SetDigestObjects(true); }
  ObjectDigestsOff(const ObjectDigestsOff&) = delete;
  ObjectDigestsOff& operator=(const ObjectDigestsOff&) = delete;
};

// `meshsim diff`: what changed between the two versions of one object, read
// again from the files at `old_loc` and `new_loc`, as "field.path: old ->
// new" (server-set metadata and status left out), at most `max`; empty when
// either cannot be read again.
std::vector<std::string> FieldChanges(const SourceLocation& old_loc,
                                      const SourceLocation& new_loc,
                                      size_t max);
}  // namespace io

}  // namespace meshsim

#endif  // MESHSIM_MODEL_IO_LOADER_H_
