// The two YAML readers of model/io on the same text: the block parser
// (yaml_block.cc, which meshsim tries first) and libyaml, each building
// meshsim's tree one document at a time as the manifest loader does
// (StreamDocuments), best of five runs each, the two alternating:
//
//   build/bench/yaml_parse FILE...       # e.g. a cluster of bench/gen_mesh
//
// Prints MB/s for both and whether the block parser took each file.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "model/diagnostics.h"
#include "model/io/yaml_block.h"
#include "model/io/yaml_reader.h"

namespace {

double Seconds(const std::string& text, bool block_first) {
  meshsim::Diagnostics diags;
  size_t documents = 0;
  const auto t0 = std::chrono::steady_clock::now();
  const bool ok = meshsim::io::StreamDocuments(
      text, "bench.yaml", diags,
      [&](const meshsim::yaml::Node&) { ++documents; }, block_first);
  const auto t1 = std::chrono::steady_clock::now();
  return ok ? std::chrono::duration<double>(t1 - t0).count() : -1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: yaml_parse FILE...\n");
    return 2;
  }
  for (int a = 1; a < argc; ++a) {
    std::ifstream in(argv[a], std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string text = ss.str();
    const double mb = static_cast<double>(text.size()) / 1e6;
    const bool took = meshsim::yaml::ParseBlockYaml(text, nullptr);
    double block = 1e300, libyaml = 1e300;
    for (int i = 0; i < 5; ++i) {
      block = std::min(block, Seconds(text, true));
      libyaml = std::min(libyaml, Seconds(text, false));
    }
    if (block < 0 || libyaml < 0) {
      std::printf("%s: does not parse\n", argv[a]);
      continue;
    }
    std::printf(
        "%s: %.1f MB; block parser %s: %.0f MB/s; libyaml: %.0f MB/s; "
        "%.1fx\n",
        argv[a], mb, took ? "took it" : "declined (libyaml read it)",
        mb / block, mb / libyaml, libyaml / block);
  }
  return 0;
}
