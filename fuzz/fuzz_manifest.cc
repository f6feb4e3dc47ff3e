// libFuzzer target: Kubernetes manifest text (YAML or JSON, any number of
// documents, `kind: List` dumps) through the manifest loader and
// Mesh::Finalize. The loaders promise never to throw and to report every
// problem as a Diagnostic; any crash, sanitizer report, uncaught exception or
// hang here is a bug.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "fuzz/fuzz_input.h"
#include "model/io/loader.h"
#include "model/mesh.h"
#include "model/mesh_builder.h"
#include "model/policy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  if (meshsim::fuzz::AsksForManyPods(text)) return -1;
  meshsim::MeshBuilder builder("fuzz");
  builder.Cluster("east", "east", 2);
  meshsim::Diagnostics diags;
  meshsim::LoadManifestText(text, "fuzz.yaml", *builder.current(), diags);
  const meshsim::Mesh mesh = builder.Build(diags);
  meshsim::ValidatePolicyReferences(mesh, diags);
  std::ostringstream out;
  diags.Print(out);
  return 0;
}
