// Determinism (docs/robustness.md): the same input gives the same bytes, run
// after run (separate processes, so address-dependent ordering would show),
// and the order of objects in the manifests changes no answer.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

namespace meshsim {
namespace {

namespace fs = std::filesystem;

// Wall-clock times: `"seconds": 1.25` (JSON) and `, 1.25 s)` (text) become
// 0.
std::string ZeroSeconds(std::string s) {
  auto number_end = [&](size_t from) {
    size_t to = from;
    while (to < s.size() && std::strchr("0123456789.e+-", s[to])) ++to;
    return to;
  };
  static const std::string kKey = "\"seconds\": ";
  for (size_t at = s.find(kKey); at != std::string::npos;
       at = s.find(kKey, at + 1)) {
    const size_t from = at + kKey.size();
    s.replace(from, number_end(from) - from, "0");
  }
  for (size_t at = s.find(", "); at != std::string::npos;
       at = s.find(", ", at + 1)) {
    const size_t from = at + 2, to = number_end(from);
    if (to > from && s.compare(to, 3, " s)") == 0)
      s.replace(from, to - from, "0");
  }
  return s;
}

// Drops ":line:col" after a file name ending in .yaml, .yml or .json, and
// the value of JSON "line" and "column" keys.
std::string DropLineColumns(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  auto digits = [&](size_t i) {
    size_t j = i;
    while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
    return j;
  };
  for (size_t i = 0; i < s.size();) {
    if (s[i] == ' ' &&
        (out.ends_with("\"line\":") || out.ends_with("\"column\":"))) {
      const size_t end = digits(i + 1);
      if (end > i + 1) {
        out += " 0";
        i = end;
        continue;
      }
    }
    if (s[i] == ':' && (out.ends_with(".yaml") || out.ends_with(".yml") ||
                        out.ends_with(".json"))) {
      const size_t line_end = digits(i + 1);
      if (line_end > i + 1 && line_end < s.size() && s[line_end] == ':') {
        const size_t col_end = digits(line_end + 1);
        if (col_end > line_end + 1) {
          i = col_end;
          continue;
        }
      }
    }
    out += s[i++];
  }
  return out;
}

// Runs the meshsim binary (MESHSIM_BIN, set by CTest) with `args`, after
// the environment assignments `env` ("NAME=value "); returns stdout.
// Wall-clock fields ("seconds" in verify JSON) are zeroed.
std::string Meshsim(const std::string& args, const std::string& env = "") {
  const char* bin = std::getenv("MESHSIM_BIN");
  if (!bin) return "";
  const std::string err_file =
      (fs::temp_directory_path() /
       ("meshsim-determinism-" + std::to_string(::getpid()) + ".err"))
          .string();
  std::string out;
  FILE* p = ::popen((env + bin + " " + args + " 2>" + err_file).c_str(), "r");
  if (!p) return "";
  std::array<char, 65536> buf;
  for (size_t n; (n = std::fread(buf.data(), 1, buf.size(), p)) > 0;)
    out.append(buf.data(), n);
  const int status = ::pclose(p);
  std::ifstream err(err_file);
  const std::string err_text(std::istreambuf_iterator<char>(err), {});
  // 0, or 1 for findings; never bad input, unknown or a crash.
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) <= 1) << args << "\n"
                                                             << err_text;
  fs::remove(err_file);
  return ZeroSeconds(out);
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
  ASSERT_NE(std::getenv("MESHSIM_BIN"), nullptr) << "run through ctest";
  for (const Case& c : kCases) {
    for (const std::string& cmd : Commands(c)) {
      // The second run lays out its heap otherwise: mimalloc allocating
      // from a region reserved up front, on huge OS pages where there are
      // any, or, in a build on glibc's malloc, fresh and freed memory
      // filled with a byte pattern. The heap changes no answer.
      const std::string a = Meshsim(cmd + " " + c.scenario);
      const std::string b =
          Meshsim(cmd + " " + c.scenario,
                  "MIMALLOC_RESERVE_OS_MEMORY=256MiB "
                  "MIMALLOC_LARGE_OS_PAGES=1 MALLOC_PERTURB_=165 ");
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
  if (!from.empty())
    for (size_t at = s.find(from); at != std::string::npos;
         at = s.find(from, at + to.size()))
      s.replace(at, from.size(), to);
  return DropLineColumns(s);
}

std::string SortedLines(const std::string& s) {
  std::vector<std::string> lines;
  std::istringstream in(s);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  std::sort(lines.begin(), lines.end());
  std::string out;
  for (const std::string& line : lines) out += line + "\n";
  return out;
}

TEST(DeterminismTest, ObjectOrderInManifestsChangesNoAnswer) {
  ASSERT_NE(std::getenv("MESHSIM_BIN"), nullptr) << "run through ctest";
  const fs::path tmp = fs::temp_directory_path() /
                       ("meshsim-shuffle-" + std::to_string(::getpid()));
  // Two shuffles; the sanitizer build does one (MESHSIM_SHUFFLE_SEEDS=1).
  const char* seeds_env = std::getenv("MESHSIM_SHUFFLE_SEEDS");
  const unsigned seeds = seeds_env ? std::max(1, std::atoi(seeds_env)) : 2;
  for (unsigned seed = 1; seed <= seeds; ++seed) {
    // A shuffled copy of all of scenarios/ (some share manifests).
    fs::remove_all(tmp);
    fs::create_directories(tmp);
    fs::copy("scenarios", tmp / "scenarios", fs::copy_options::recursive);
    ShuffleManifests(tmp / "scenarios", seed);
    for (const Case& c : kCases) {
      if (!fs::exists(fs::path(c.scenario).parent_path() / "manifests"))
        continue;  // inline resources only
      const std::string shuffled = (tmp / c.scenario).string();
      for (const std::string& cmd : Commands(c)) {
        std::string a =
            WithoutLocations(Meshsim(cmd + " " + c.scenario), "", "");
        // The copy has no git work tree: its root is named (docs/security.md).
        std::string b = WithoutLocations(
            Meshsim(cmd + " " + shuffled + " --root " + tmp.string()),
            tmp.string() + "/", "");
        if (cmd.rfind("verify", 0) == 0) {
          // The same findings, maybe listed in another order.
          a = SortedLines(a);
          b = SortedLines(b);
        }
        EXPECT_EQ(a, b) << cmd << " " << c.scenario << " seed " << seed;
      }
    }
  }
  fs::remove_all(tmp);
}

}  // namespace
}  // namespace meshsim
