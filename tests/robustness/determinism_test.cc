// Determinism (docs/robustness.md): the same input gives the same bytes, run
// after run (separate processes, so address-dependent ordering would show),
// and the order of objects in the manifests changes no answer.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <sstream>

namespace meshsim {
namespace {

namespace fs = std::filesystem;

// Runs the meshsim binary (MESHSIM_BIN, set by CTest) with `args`; returns
// stdout. Wall-clock fields ("seconds" in verify JSON) are zeroed.
std::string Meshsim(const std::string& args) {
  const char* bin = std::getenv("MESHSIM_BIN");
  EXPECT_NE(bin, nullptr) << "MESHSIM_BIN is not set (run through ctest)";
  if (!bin) return "";
  std::string out;
  FILE* p =
      ::popen((std::string(bin) + " " + args + " 2>/dev/null").c_str(), "r");
  if (!p) return "";
  std::array<char, 65536> buf;
  for (size_t n; (n = std::fread(buf.data(), 1, buf.size(), p)) > 0;)
    out.append(buf.data(), n);
  const int status = ::pclose(p);
  EXPECT_TRUE(WIFEXITED(status)) << args;
  EXPECT_LE(WEXITSTATUS(status), 1) << args;  // 0 or findings, never 2/3
  static const std::regex kSeconds("\"seconds\": [0-9.e+-]+");
  return std::regex_replace(out, kSeconds, "\"seconds\": 0");
}

struct Case {
  std::string scenario;
  std::string commands;  // which of paths, run, verify
};

const std::vector<Case> kCases = {
    {"scenarios/bookinfo/scenario.yaml", "paths run verify"},
    {"scenarios/namespace-waypoint/scenario.yaml", "paths run verify"},
    {"scenarios/multicluster-waypoints/scenario.yaml", "paths run verify"},
    {"scenarios/ingress-use-waypoint/scenario.yaml", "paths run verify"},
    {"scenarios/bookinfo-l7-policy/scenario.yaml", "paths verify"},
    {"scenarios/verify/k07-missing-waypoint/flagged.yaml", "paths verify"},
};

std::vector<std::string> Commands(const Case& c) {
  std::vector<std::string> out;
  std::istringstream in(c.commands);
  for (std::string cmd; in >> cmd;) {
    std::string extra = cmd == "run" ? " --seed 7" : "";
    out.push_back(cmd + " --format json" + extra);
    out.push_back(cmd + extra);  // text too
  }
  return out;
}

TEST(DeterminismTest, SameInputSameBytes) {
  for (const Case& c : kCases) {
    for (const std::string& cmd : Commands(c)) {
      const std::string a = Meshsim(cmd + " " + c.scenario);
      const std::string b = Meshsim(cmd + " " + c.scenario);
      EXPECT_FALSE(a.empty()) << cmd << " " << c.scenario;
      EXPECT_EQ(a, b) << cmd << " " << c.scenario;
    }
  }
}

// Rewrites every manifest under `dir` with its documents in another order
// (`seed` picks a permutation; documents are split at "---" lines).
void ShuffleManifests(const fs::path& dir, unsigned seed) {
  std::mt19937 rng(seed);
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    const std::string ext = e.path().extension().string();
    if (!e.is_regular_file() || (ext != ".yaml" && ext != ".yml")) continue;
    if (e.path().filename() == "scenario.yaml") continue;
    std::ifstream in(e.path());
    std::vector<std::string> docs(1);
    for (std::string line; std::getline(in, line);) {
      if (line == "---") {
        docs.emplace_back();
        continue;
      }
      docs.back() += line + "\n";
    }
    in.close();
    std::shuffle(docs.begin(), docs.end(), rng);
    std::ofstream out(e.path());
    for (const std::string& d : docs) out << "---\n" << d;
  }
}

// Locations change when objects move; everything else must not.
std::string WithoutLocations(std::string s, const std::string& from,
                             const std::string& to) {
  for (size_t at; (at = s.find(from)) != std::string::npos;)
    s.replace(at, from.size(), to);
  static const std::regex kLoc(
      R"(([A-Za-z0-9_./-]+\.(yaml|yml|json)):\d+:\d+)");
  return std::regex_replace(s, kLoc, "$1");
}

TEST(DeterminismTest, ObjectOrderInManifestsChangesNoAnswer) {
  const fs::path tmp = fs::temp_directory_path() /
                       ("meshsim-shuffle-" + std::to_string(::getpid()));
  for (const Case& c : kCases) {
    const fs::path src = fs::path(c.scenario).parent_path();
    if (!fs::exists(src / "manifests")) continue;  // inline resources only
    for (unsigned seed : {1u, 2u}) {
      fs::remove_all(tmp);
      fs::create_directories(tmp);
      fs::copy(src, tmp / src.filename(), fs::copy_options::recursive);
      const fs::path copy = tmp / src.filename();
      ShuffleManifests(copy, seed);
      const std::string shuffled =
          (copy / fs::path(c.scenario).filename()).string();
      for (const std::string& cmd : Commands(c)) {
        const std::string a =
            WithoutLocations(Meshsim(cmd + " " + c.scenario), "", "");
        const std::string b = WithoutLocations(Meshsim(cmd + " " + shuffled),
                                               copy.string(), src.string());
        EXPECT_EQ(a, b) << cmd << " " << c.scenario << " seed " << seed;
      }
    }
  }
  fs::remove_all(tmp);
}

}  // namespace
}  // namespace meshsim
