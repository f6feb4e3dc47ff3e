#include "app/discovery.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

namespace meshsim {

std::vector<std::string> ScenarioFilesUnder(const std::string& arg) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(arg, ec)) return {arg};
  std::vector<std::string> out;
  for (auto it = fs::recursive_directory_iterator(arg, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    const fs::path& p = it->path();
    if (it->is_directory() && p.filename() == "manifests") {
      it.disable_recursion_pending();
      continue;
    }
    const std::string ext = p.extension().string();
    if (!it->is_regular_file() ||
        (ext != ".yaml" && ext != ".yml" && ext != ".json"))
      continue;
    std::ifstream in(p);
    std::string line;
    bool scenario = false;
    while (std::getline(in, line))
      if (line.rfind("clusters:", 0) == 0 || line.rfind("\"clusters\"", 0) == 0)
        scenario = true;
    if (scenario) out.push_back(p.generic_string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace meshsim
