// libFuzzer target: scenario text through the scenario loader (clusters,
// inline resources, traffic, performance, faults) and Mesh::Finalize.
//
// Manifest files are left out: a fuzzed `manifests:` entry could name any
// path on the machine (/, /dev/zero), so inputs that mention the key or use
// escapes (which could spell it) are skipped. The manifest loader has its own
// target (fuzz_manifest.cc) and inline `resources:` reach it from here.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "fuzz/fuzz_input.h"
#include "model/io/loader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  if (meshsim::fuzz::SkipScenarioInput(text))
    return -1;  // not added to the corpus
  meshsim::Diagnostics diags;
  auto scenario = meshsim::LoadScenarioText(text, "fuzz/scenario.yaml",
                                            "/nonexistent", diags);
  std::ostringstream out;
  diags.Print(out);
  return 0;
}
