// Input confinement and folder walks. See files.h.
#include "model/io/files.h"

#include <algorithm>
#include <set>
#include <system_error>

namespace meshsim::io {

namespace fs = std::filesystem;

namespace {

std::string& RootFlag() {
  static std::string root;
  return root;
}

// `p` without symbolic links, as far as it exists (the rest lexically).
fs::path Resolved(const fs::path& p) {
  std::error_code ec;
  fs::path r = fs::weakly_canonical(fs::absolute(p, ec), ec);
  return ec ? fs::absolute(p).lexically_normal() : r;
}

bool Below(const fs::path& p, const fs::path& root) {
  auto [r, q] = std::mismatch(root.begin(), root.end(), p.begin(), p.end());
  // A trailing empty component ("/a/b/") of root matches anything.
  return r == root.end() || (std::next(r) == root.end() && r->empty());
}

std::string Why(const std::error_code& ec) { return ec.message(); }

}  // namespace

void SetInputRoot(const std::string& dir) { RootFlag() = dir; }

namespace {
std::function<void(const std::string&, const std::string&)>& Observer() {
  static std::function<void(const std::string&, const std::string&)> f;
  return f;
}
}  // namespace

void SetReadObserver(
    std::function<void(const std::string&, const std::string&)> observer) {
  Observer() = std::move(observer);
}

void ObserveRead(const std::string& path, const std::string& bytes) {
  if (Observer()) Observer()(path, bytes);
}

fs::path InputRootFor(const fs::path& scenario_dir) {
  if (!RootFlag().empty()) return Resolved(RootFlag());
  // The work tree holding the folder as it was named (lexically), not where
  // a symbolic link in the checkout leads: a linked folder must not carry
  // the root out with it.
  std::error_code ec;
  fs::path start = fs::absolute(scenario_dir.empty() ? "." : scenario_dir, ec)
                       .lexically_normal();
  if (start.filename().empty()) start = start.parent_path();  // "dir/"
  for (fs::path d = start; !d.empty(); d = d.parent_path()) {
    if (fs::exists(d / ".git", ec)) return Resolved(d);
    if (d == d.parent_path()) break;
  }
  // No work tree: the folder itself, unless it is a link leading out of the
  // folder that holds it; then that folder, and the link is outside.
  const fs::path resolved = Resolved(start);
  const fs::path parent = Resolved(start.parent_path());
  return Below(resolved, parent) ? resolved : parent;
}

std::optional<std::string> OutsideRoot(const fs::path& p,
                                       const fs::path& root) {
  const fs::path r = Resolved(p);
  if (Below(r, root.is_absolute() ? root : Resolved(root))) return std::nullopt;
  return "'" + p.lexically_normal().generic_string() +
         "' leads outside the input root, to '" + r.generic_string() +
         "'; it is not read (docs/security.md; --root widens the root)";
}

FileWalk FilesUnder(const fs::path& dir,
                    const std::vector<std::string>& extensions,
                    const fs::path& root,
                    const std::function<bool(const fs::path&)>& skip) {
  FileWalk walk;
  std::set<fs::path> entered;  // resolved folders: a link back is a loop
  auto wanted = [&](const fs::path& p) {
    return std::find(extensions.begin(), extensions.end(),
                     p.extension().string()) != extensions.end();
  };
  std::function<void(const fs::path&)> visit = [&](const fs::path& d) {
    if (!entered.insert(Resolved(d)).second) {
      walk.errors.push_back("folder '" + d.generic_string() +
                            "' is reached again through a symbolic link "
                            "(a loop); it is read once");
      return;
    }
    std::error_code ec;
    fs::directory_iterator it(d, ec);
    if (ec) {
      walk.errors.push_back("folder '" + d.generic_string() +
                            "' cannot be read: " + Why(ec));
      return;
    }
    std::vector<fs::path> entries;
    for (; it != fs::directory_iterator(); it.increment(ec)) {
      if (ec) break;
      entries.push_back(it->path());
    }
    if (ec) {
      walk.errors.push_back("folder '" + d.generic_string() +
                            "' cannot be listed: " + Why(ec));
      return;
    }
    std::sort(entries.begin(), entries.end());
    for (const fs::path& e : entries) {
      const fs::file_status link = fs::symlink_status(e, ec);
      if (fs::is_symlink(link)) {
        if (auto why = OutsideRoot(e, root)) {
          walk.errors.push_back("symbolic link " + *why);
          continue;
        }
      }
      const fs::file_status st = fs::status(e, ec);
      if (ec) {
        walk.errors.push_back("'" + e.generic_string() +
                              "' cannot be read: " + Why(ec));
        continue;
      }
      if (fs::is_directory(st)) {
        if (!skip || !skip(e)) visit(e);
      } else if (wanted(e)) {
        if (fs::is_regular_file(st)) {
          walk.files.push_back(e);
        } else {
          walk.errors.push_back("'" + e.generic_string() +
                                "' is not a regular file (a device, pipe or "
                                "socket); it is not read");
        }
      }
    }
  };
  // The folder itself may be a link planted in the checkout.
  if (auto why = OutsideRoot(dir, root)) {
    walk.errors.push_back("folder " + *why);
    return walk;
  }
  visit(dir);
  std::sort(walk.files.begin(), walk.files.end());
  return walk;
}

}  // namespace meshsim::io
