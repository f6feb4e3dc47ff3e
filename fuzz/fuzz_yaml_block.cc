// The block YAML parser against libyaml (docs/robustness.md, "Fuzzing"):
// aborts when model/io/yaml_block.cc takes a text that libyaml refuses or
// reads to another tree, a node, a text, a tag or a mark apart.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "model/io/yaml_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const std::string difference = meshsim::io::BlockParserDisagreement(text);
  if (!difference.empty()) {
    std::fprintf(stderr, "block parser and libyaml differ: %s\n",
                 difference.c_str());
    std::abort();
  }
  return 0;
}
