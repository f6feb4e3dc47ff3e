// The guarantees of docs/security.md, each against the hostile input that
// broke it: output files written through planted symbolic links, failed
// writes reported as success, folder walks that stopped silently, names that
// forge GitHub workflow commands or terminal escapes, and bytes that are not
// UTF-8 in JSON.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/cli.h"

namespace meshsim {
namespace {

namespace fs = std::filesystem;

class SecurityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("meshsim-security-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& text) {
    const fs::path p = dir_ / name;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
  }
  static std::string Read(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  int Run(const std::vector<std::string>& args) {
    out_.str("");
    err_.str("");
    return RunCli(args, out_, err_);
  }

  // A scenario with one expectation that holds; `name` is its name, and the
  // scenario's without the control characters a scenario name may not hold
  // (the loader refuses them, ScenarioNameWithAControlCharacterIsRefused).
  std::string Scenario(const std::string& file, const std::string& name) {
    std::string plain = name;
    for (const char* esc : {"\\n", "\\u001b", "\\u0007"})
      for (size_t at; (at = plain.find(esc)) != std::string::npos;)
        plain.replace(at, std::string(esc).size(), " ");
    return Write(file,
                 "name: \"" + plain +
                     "\"\nclusters:\n  - name: east\n    resources:\n"
                     "      - {apiVersion: v1, kind: Namespace, metadata: "
                     "{name: shop}}\ntraffic: []\nexpect:\n  - name: \"" +
                     name + "\"\n    no_findings: [waypoint-bypass]\n");
  }

  fs::path dir_;
  std::ostringstream out_, err_;
};

// A link planted where --junit writes is replaced, never written through.
TEST_F(SecurityTest, OutputThroughAPlantedLinkLeavesItsTargetAlone) {
  const std::string sc = Scenario("sc.yaml", "plain");
  const std::string victim = Write("victim.txt", "keep me\n");
  fs::create_symlink(victim, dir_ / "junit.xml");
  EXPECT_EQ(Run({"check", sc, "--junit", (dir_ / "junit.xml").string()}), 0)
      << err_.str();
  EXPECT_EQ(Read(victim), "keep me\n");
  EXPECT_FALSE(fs::is_symlink(dir_ / "junit.xml"));
  EXPECT_NE(Read(dir_ / "junit.xml").find("<testsuites"), std::string::npos);
}

// `report` writes its three files or none; a planted link is replaced.
TEST_F(SecurityTest, ReportReplacesPlantedLinks) {
  const std::string sc = Scenario("sc.yaml", "plain");
  const std::string victim = Write("victim.sh", "#!/bin/sh\n");
  fs::create_directories(dir_ / "out");
  fs::create_symlink(victim, dir_ / "out" / "report.md");
  Run({"report", sc, "-o", (dir_ / "out").string()});
  EXPECT_EQ(Read(victim), "#!/bin/sh\n");
  EXPECT_FALSE(fs::is_symlink(dir_ / "out" / "report.md"));
  for (const char* f : {"report.md", "report.html", "results.json"})
    EXPECT_TRUE(fs::is_regular_file(dir_ / "out" / f)) << f;
}

// A write that fails (a full device) is exit 2 naming the path, not 0 with
// an empty file.
TEST_F(SecurityTest, FailedWriteIsExitTwoNamingThePath) {
  if (!fs::exists("/dev/full")) GTEST_SKIP() << "no /dev/full here";
  const std::string sc = Scenario("sc.yaml", "plain");
  EXPECT_EQ(Run({"check", sc, "--sarif", "/dev/full"}), 2);
  EXPECT_NE(err_.str().find("cannot write '/dev/full'"), std::string::npos)
      << err_.str();
}

// A device the user names is written in place, through a link too (as
// /dev/stdout is one): it is never replaced by a file.
TEST_F(SecurityTest, DevicesAreWrittenInPlace) {
  if (!fs::exists("/dev/null")) GTEST_SKIP() << "no /dev/null here";
  const std::string sc = Scenario("sc.yaml", "plain");
  fs::create_symlink("/dev/null", dir_ / "null-link");
  EXPECT_EQ(Run({"check", sc, "--junit", (dir_ / "null-link").string(),
                 "--sarif", "/dev/null"}),
            0)
      << err_.str();
  EXPECT_TRUE(fs::is_symlink(dir_ / "null-link"));
  EXPECT_TRUE(fs::is_character_file("/dev/null"));
}

// The process's own standard output named as a file (/dev/stdout, - ...)
// is written through its descriptor, so /dev/stdout, a link to
// /proc/self/fd/1, is never replaced even when standard output is a file;
// nothing else under /dev or /proc is created.
TEST_F(SecurityTest, StandardOutputByNameIsItsDescriptor) {
  const std::string sc = Scenario("sc.yaml", "plain");
  const fs::path out = dir_ / "stdout.txt";
  const int saved = ::dup(1);
  ASSERT_GE(saved, 0);
  {
    std::FILE* f = std::fopen(out.c_str(), "w");
    ASSERT_NE(f, nullptr);
    ::dup2(::fileno(f), 1);
    std::fclose(f);
  }
  const int rc = Run({"check", sc, "--junit", "/proc/self/fd/1"});
  const int rc_dash = Run({"check", sc, "--sarif", "-"});
  ::fflush(stdout);
  ::dup2(saved, 1);
  ::close(saved);
  EXPECT_EQ(rc, 0) << err_.str();
  EXPECT_EQ(rc_dash, 0) << err_.str();
  const std::string got = Read(out);
  EXPECT_NE(got.find("<testsuites"), std::string::npos) << got;
  EXPECT_NE(got.find("\"runs\""), std::string::npos) << got;
  EXPECT_TRUE(fs::is_symlink("/proc/self/fd/1"));
  EXPECT_EQ(Run({"check", sc, "--junit", "/dev/meshsim-no-such-file"}), 2);
  EXPECT_NE(err_.str().find("no file under /dev or /proc"), std::string::npos)
      << err_.str();
  EXPECT_FALSE(fs::exists("/dev/meshsim-no-such-file"));
}

// A link loop in a folder `check` walks is a failed result, and the walk
// goes on to the files after it.
TEST_F(SecurityTest, FolderWalkReportsALoopAndGoesOn) {
  Scenario("suite/a.yaml", "first");
  fs::create_directories(dir_ / "suite" / "b");
  fs::create_directory_symlink(dir_ / "suite", dir_ / "suite" / "b" / "loop");
  Scenario("suite/c.yaml", "last");
  EXPECT_EQ(Run({"check", (dir_ / "suite").string()}), 2) << out_.str();
  EXPECT_NE(err_.str().find("a loop"), std::string::npos) << err_.str();
  EXPECT_NE(out_.str().find("c.yaml"), std::string::npos) << out_.str();
}

// Manifests outside the scenario's root are refused by name, and their
// content never reaches the output.
TEST_F(SecurityTest, ManifestOutsideTheRootIsRefusedWithoutItsContent) {
  const std::string secret = Write("secret/token.yaml", "ghp_SECRET123\n");
  Write("repo/sc.yaml",
        "clusters:\n  - name: east\n    manifests: [../secret/token.yaml]\n"
        "traffic: []\n");
  EXPECT_EQ(Run({"paths", (dir_ / "repo" / "sc.yaml").string()}), 2);
  EXPECT_NE(err_.str().find("leads outside the input root"), std::string::npos)
      << err_.str();
  EXPECT_EQ(err_.str().find("ghp_SECRET123"), std::string::npos);
  // --root widens the root to the folder holding both.
  EXPECT_EQ(Run({"paths", (dir_ / "repo" / "sc.yaml").string(), "--root",
                 dir_.string()}),
            2);
  EXPECT_EQ(err_.str().find("leads outside"), std::string::npos) << err_.str();
}

// The file or folder named on the command line may itself be a link planted
// in the checkout: a scenario file, a folder for `check` and a manifest
// folder leading outside the root are refused, naming the path, never its
// content (until 2026-12-05 a scenario linked to a secret printed it).
TEST_F(SecurityTest, ArgumentsThatAreLinksOutOfTheRootAreRefused) {
  Write("secret/token.yaml", "ghp_SECRET123\n");
  Write("secret/sc.yaml", "clusters:\n  - name: east\ntraffic: []\n");
  fs::create_directories(dir_ / "repo" / ".git");
  fs::create_symlink(dir_ / "secret" / "token.yaml",
                     dir_ / "repo" / "scenario.yaml");
  fs::create_directory_symlink(dir_ / "secret", dir_ / "repo" / "mesh");
  EXPECT_EQ(Run({"paths", (dir_ / "repo" / "scenario.yaml").string()}), 2);
  EXPECT_NE(err_.str().find("scenario file"), std::string::npos) << err_.str();
  EXPECT_NE(err_.str().find("leads outside the input root"), std::string::npos)
      << err_.str();
  EXPECT_EQ(err_.str().find("ghp_SECRET123"), std::string::npos);
  EXPECT_NE(Run({"check", (dir_ / "repo" / "mesh").string() + "/"}), 0);
  EXPECT_NE((out_.str() + err_.str()).find("leads outside the input root"),
            std::string::npos)
      << out_.str() << err_.str();
  EXPECT_EQ((out_.str() + err_.str()).find("ghp_SECRET123"), std::string::npos);
  // An empty manifests entry would read the scenario's own folder.
  Write("repo/empty.yaml",
        "clusters:\n  - name: east\n    manifests: ['']\ntraffic: []\n");
  EXPECT_EQ(Run({"paths", (dir_ / "repo" / "empty.yaml").string()}), 2);
  EXPECT_NE(err_.str().find("manifest '' is empty"), std::string::npos)
      << err_.str();
}

// A name holding a newline and a workflow command, or an escape sequence,
// reaches the log as visible text on its own line.
TEST_F(SecurityTest, HostileNamesCannotForgeWorkflowCommandsOrEscapes) {
  const std::string sc = Scenario(
      "sc.yaml", "x\\n::error file=a.yaml::pwned\\u001b]0;title\\u0007");
  EXPECT_EQ(Run({"check", sc, "--github"}), 0) << err_.str();
  std::istringstream lines(out_.str());
  for (std::string line; std::getline(lines, line);) {
    EXPECT_NE(line.rfind("::error file=a.yaml", 0), 0u) << line;
    EXPECT_EQ(line.find('\x1b'), std::string::npos) << line;
  }
  EXPECT_NE(out_.str().find("\\x1B]0;title"), std::string::npos) << out_.str();
}

// The Actions runner takes any output line that starts, after spaces, with
// "::" as a workflow command. A traffic entry's name starts `paths`,
// `run` and `analyze` rows, and a file name starts a diagnostic: whatever
// they hold, no line meshsim prints is a command but its own `--github`
// annotations (reports/line_guard.h). Before, `paths` printed
// "::error::pwned: 1 path".
TEST_F(SecurityTest, NoOutputLineIsAWorkflowCommandButMeshsimsOwn) {
  const std::string sc = Write(
      "sc.yaml",
      "name: hostile\nclusters:\n  - name: east\n    resources:\n"
      "      - {apiVersion: v1, kind: Namespace, metadata: {name: shop}}\n"
      "      - {apiVersion: v1, kind: Pod, metadata: {name: a, namespace: "
      "shop}, spec: {containers: [{name: c}]}}\n"
      "traffic:\n  - name: \"::error::pwned\"\n"
      "    from: {cluster: east, namespace: shop, workload: a}\n"
      "    to: {pod: shop/a, port: 80}\n    requests: 10\n"
      "expect:\n  - {traffic: \"::error::pwned\", outcome: denied}\n");
  auto commands = [](const std::string& text) {
    std::vector<std::string> found;
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
      const size_t start = line.find_first_not_of(" \t");
      if (start != std::string::npos && line.compare(start, 2, "::") == 0)
        found.push_back(line);
    }
    return found;
  };
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{
           {"paths", sc}, {"run", sc}, {"analyze", sc}}) {
    EXPECT_EQ(Run(args), 0) << args[0] << err_.str();
    EXPECT_EQ(commands(out_.str()), std::vector<std::string>{}) << args[0];
    EXPECT_NE(out_.str().find("\\x3A:error::pwned"), std::string::npos)
        << out_.str();
  }
  // `check --github`: the failed expectation is one annotation, meshsim's,
  // and nothing else is a command.
  EXPECT_EQ(Run({"check", sc, "--github"}), 1) << err_.str();
  const std::vector<std::string> found = commands(out_.str());
  ASSERT_EQ(found.size(), 1u) << out_.str();
  EXPECT_EQ(found[0].rfind("::error file=", 0), 0u) << found[0];
  EXPECT_NE(found[0].find("title=meshsim check::"), std::string::npos);
  EXPECT_EQ(out_.str().find('\x1E'), std::string::npos);
}

// The GitHub step summary is Markdown that GitHub renders: a name reaches
// it as text, with no HTML, link or new table row (it used to escape only
// '|'), and the annotations carry no control byte.
TEST_F(SecurityTest, HostileNamesStayTextInTheStepSummary) {
  const std::string sc = Scenario(
      "sc.yaml",
      "<img src=x onerror=alert(1)>[a](http://evil)\\n| x |\\u001b[31m");
  const std::string summary = (dir_ / "summary.md").string();
  ::setenv("GITHUB_STEP_SUMMARY", summary.c_str(), 1);
  Write("sc.yaml",
        Read(sc).replace(Read(sc).find("no_findings"), 11, "findings"));
  EXPECT_EQ(Run({"check", sc, "--github"}), 1) << err_.str();
  ::unsetenv("GITHUB_STEP_SUMMARY");
  const std::string md = Read(summary);
  EXPECT_EQ(md.find("<img"), std::string::npos) << md;
  EXPECT_EQ(md.find("[a](http://evil)"), std::string::npos) << md;
  EXPECT_EQ(md.find('\x1b'), std::string::npos) << md;
  size_t rows = 0;
  std::istringstream lines(md);
  for (std::string line; std::getline(lines, line);) rows += line[0] == '|';
  EXPECT_EQ(rows, 3u) << md;  // header, rule, the one expectation
  EXPECT_EQ(out_.str().find('\x1b'), std::string::npos) << out_.str();
}

// A name cannot inject HTML, a link or a line into report.md: Markdown
// gets its own escaping (reports/review_markdown.cc Md).
TEST_F(SecurityTest, HostileNamesStayTextInReportMarkdown) {
  const std::string sc = Scenario(
      "sc.yaml", "<img src=x onerror=alert(1)>[click](http://evil)\\n# pwned");
  Run({"report", sc, "-o", (dir_ / "out").string()});
  const std::string md = Read(dir_ / "out" / "report.md");
  ASSERT_FALSE(md.empty()) << err_.str();
  EXPECT_EQ(md.find("<img"), std::string::npos) << md.substr(0, 300);
  EXPECT_EQ(md.find("[click](http://evil)"), std::string::npos);
  EXPECT_NE(md.find("&lt;img src=x onerror=alert(1)&gt;"), std::string::npos)
      << md.substr(0, 300);
  std::istringstream lines(md);
  for (std::string line; std::getline(lines, line);)
    EXPECT_NE(line.rfind("# pwned", 0), 0u) << line;
}

// Names that reach every output are one line of plain text: a scenario or
// traffic name with a control character, and a cluster or node name that is
// not an identifier (a Mermaid label in report.md, a label value in
// Kubernetes), are refused where they are written.
TEST_F(SecurityTest, NamesWithControlCharactersAreRefused) {
  const std::string sc =
      Write("names.yaml",
            "name: \"scen\\u001b]0;TITLE\\u0007\"\nclusters:\n"
            "  - name: \"ea\\u001bst\"\n"
            "    nodes: [{name: \"n\\\"]\\n  click n0\"}]\n"
            "traffic:\n  - name: \"t\\n::error::x\"\n"
            "    from: {workload: a}\n    to: {ip: 10.0.0.1, port: 80}\n");
  EXPECT_EQ(Run({"paths", sc}), 2);
  const std::string e = err_.str();
  EXPECT_NE(e.find("names.yaml:1:7: error: name holds a control character"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("clusters[0].name must be letters, digits"),
            std::string::npos)
      << e;
  EXPECT_EQ(e.find('\x1b'), std::string::npos) << e;
  EXPECT_EQ(out_.str(), "");
}

// Bytes that are not UTF-8 in a file name reach JSON as U+FFFD, never an
// abort.
TEST_F(SecurityTest, NonUtf8FileNameInJsonIsReplaced) {
  const std::string sc = Scenario("sc\xff.yaml", "plain");
  EXPECT_EQ(Run({"lint", sc, "--format", "json"}), 0) << err_.str();
  EXPECT_NE(out_.str().find("sc\xEF\xBF\xBD.yaml"), std::string::npos)
      << out_.str();
}

}  // namespace
}  // namespace meshsim
