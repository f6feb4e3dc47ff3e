// libFuzzer target: scenario text through the loader and, when it loads,
// the verifier (every property, small Z3 limits), the lint rules and a diff
// of the scenario against itself — so the encoder, the slice planner and
// the prover see inputs no test wrote. Manifest files are left out as in
// fuzz_scenario.cc.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/fuzz_input.h"
#include "lint/lint.h"
#include "model/io/loader.h"
#include "verify/diff.h"
#include "verify/verifier.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  if (meshsim::fuzz::SkipScenarioInput(text))
    return -1;  // not added to the corpus
  meshsim::Diagnostics diags;
  auto sc = meshsim::LoadScenarioText(text, "fuzz/scenario.yaml",
                                      "/nonexistent", diags);
  if (!sc || diags.HasErrors()) return 0;
  meshsim::VerifyOptions vo;
  vo.rlimit = 2'000'000;
  vo.timeout_s = 2;
  vo.max_findings = 3;
  (void)meshsim::Verify(*sc, vo);
  (void)meshsim::Lint(*sc);
  meshsim::DiffOptions d;
  d.rlimit = 2'000'000;
  d.timeout_s = 2;
  (void)meshsim::Diff(*sc, *sc, d);
  return 0;
}
