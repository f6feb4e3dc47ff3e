// Where meshsim may read input from (docs/security.md). Scenario files and
// manifests are untrusted: they are read only below an input root, only as
// regular files, and a folder walk reports every entry it cannot read instead
// of stopping.
//
//   io::FileWalk walk = io::FilesUnder(dir, {".yaml", ".yml", ".json"}, root);
//   for (const auto& e : walk.errors) diags.Error(where, e);
#ifndef MESHSIM_MODEL_IO_FILES_H_
#define MESHSIM_MODEL_IO_FILES_H_

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace meshsim::io {

// The root set with --root (an empty string: none). Set once, before any
// loading, by the command line.
void SetInputRoot(const std::string& dir);

// The folder below which the input of a scenario in `scenario_dir` may be
// read: the --root folder, else the git work tree holding `scenario_dir`,
// else `scenario_dir` itself. Absolute and without symbolic links.
std::filesystem::path InputRootFor(const std::filesystem::path& scenario_dir);

// Why `p` may not be read under `root` (it resolves, through `..` or
// symbolic links, to a place outside it), or nullopt when it may. Names the
// path, never its content.
std::optional<std::string> OutsideRoot(const std::filesystem::path& p,
                                       const std::filesystem::path& root);

// Called with the path and the bytes of every input file read from now on,
// from any thread (the observer synchronises itself); nullptr stops it. Set
// and cleared while no loading runs: shards record their inputs with it
// (app/shard.h).
void SetReadObserver(
    std::function<void(const std::string&, const std::string&)> observer);
// Calls the observer, if one is set.
void ObserveRead(const std::string& path, const std::string& bytes);

struct FileWalk {
  std::vector<std::filesystem::path> files;  // sorted
  std::vector<std::string> errors;           // one per entry not read
};

// Every regular file with one of `extensions` below `dir`, in sorted order.
// Symbolic links are followed only while they stay below `root` and do not
// loop; a folder that cannot be read, a link that leaves the root or loops,
// and a non-regular file with a wanted extension are errors. Folders for
// which `skip` returns true are not entered.
FileWalk FilesUnder(
    const std::filesystem::path& dir,
    const std::vector<std::string>& extensions,
    const std::filesystem::path& root,
    const std::function<bool(const std::filesystem::path&)>& skip = nullptr);

}  // namespace meshsim::io

#endif  // MESHSIM_MODEL_IO_FILES_H_
