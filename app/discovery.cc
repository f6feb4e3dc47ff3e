#include "app/discovery.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "model/io/files.h"

namespace meshsim {

namespace {

// How much of a file is searched for a top-level `clusters:` key.
constexpr std::streamoff kScanBytes = std::streamoff{4} << 20;

// Reads at most kScanBytes, whatever the file's lines: a file with no
// newline is not one line held whole.
bool LooksLikeScenario(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::string head(static_cast<size_t>(kScanBytes), '\0');
  in.read(head.data(), kScanBytes);
  head.resize(static_cast<size_t>(std::max<std::streamsize>(0, in.gcount())));
  for (size_t at = 0; at < head.size();) {
    const size_t end = std::min(head.find('\n', at), head.size());
    const std::string_view line(head.data() + at, end - at);
    if (line.rfind("clusters:", 0) == 0 || line.rfind("\"clusters\"", 0) == 0)
      return true;
    at = end + 1;
  }
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
