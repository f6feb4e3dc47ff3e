// Shared by the fuzz targets: inputs that are skipped because they are slow
// by design, not wrong. A Deployment may ask for 100,000 replicas and a
// cluster for 10,000 nodes; meshsim then expands up to 200,000 pods per
// cluster (the limits are tested in tests/robustness/), which takes seconds
// under fuzzing instrumentation and would only show up as timeouts.
#ifndef MESHSIM_FUZZ_FUZZ_INPUT_H_
#define MESHSIM_FUZZ_FUZZ_INPUT_H_

#include <cctype>
#include <string>

namespace meshsim::fuzz {

// True when a "replicas" or "nodes" key is followed by a number of 4 or more
// digits.
inline bool AsksForManyPods(const std::string& text) {
  for (const char* key : {"replicas", "nodes"}) {
    const std::string k = key;
    for (size_t at = text.find(k); at != std::string::npos;
         at = text.find(k, at + 1)) {
      size_t i = at + k.size();
      while (i < text.size() &&
             (text[i] == ' ' || text[i] == ':' || text[i] == '"' ||
              text[i] == '\'' || text[i] == '\t' || text[i] == '\n'))
        ++i;
      size_t digits = 0;
      while (i < text.size() &&
             std::isdigit(static_cast<unsigned char>(text[i])))
        ++i, ++digits;
      if (digits >= 4) return true;
    }
  }
  return false;
}

// Scenario inputs the scenario targets skip: a `manifests:` entry could name
// any path on the machine, escapes could spell one, and many pods are slow
// by design, not wrong.
inline bool SkipScenarioInput(const std::string& text) {
  return text.find("manifests") != std::string::npos ||
         text.find('\\') != std::string::npos || AsksForManyPods(text);
}

}  // namespace meshsim::fuzz

#endif  // MESHSIM_FUZZ_FUZZ_INPUT_H_
