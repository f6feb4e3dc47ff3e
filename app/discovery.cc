#include "app/discovery.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "model/io/files.h"

namespace meshsim {

namespace {

// How much of a file is searched for a top-level `clusters:` key.
constexpr std::streamoff kScanBytes = std::streamoff{4} << 20;

bool LooksLikeScenario(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::string line;
  while (in.tellg() >= 0 && in.tellg() < kScanBytes && std::getline(in, line))
    if (line.rfind("clusters:", 0) == 0 || line.rfind("\"clusters\"", 0) == 0)
      return true;
  return false;
}

}  // namespace

ScenarioDiscovery ScenarioFilesUnder(const std::string& arg) {
  namespace fs = std::filesystem;
  ScenarioDiscovery out;
  std::error_code ec;
  if (!fs::is_directory(arg, ec)) {
    out.files.push_back(arg);
    return out;
  }
  io::FileWalk walk = io::FilesUnder(
      arg, {".yaml", ".yml", ".json"}, io::InputRootFor(arg),
      [](const fs::path& d) { return d.filename() == "manifests"; });
  out.errors = std::move(walk.errors);
  for (const fs::path& p : walk.files)
    if (LooksLikeScenario(p)) out.files.push_back(p.generic_string());
  std::sort(out.files.begin(), out.files.end());
  return out;
}

}  // namespace meshsim
