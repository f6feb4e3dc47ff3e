// Output files that cannot be turned against the runner (docs/security.md).
// Each file is written to a new temporary file in its target folder (created
// with O_EXCL and O_NOFOLLOW) and renamed into place once complete, so a
// symbolic link planted at the target is replaced, never followed, and a
// failed write (full disk, permission) leaves the old file as it was and is
// reported. A target that is a device or pipe (/dev/null, a FIFO) is written
// in place, with every write checked.
//
//   OutputFiles out;
//   if (!out.Add("report.md", write_md, &error) || !out.Commit(&error)) ...
//
// Commit renames every staged file; a file that failed to stage means none
// is renamed (all or none).
#ifndef MESHSIM_REPORTS_OUTPUT_FILE_H_
#define MESHSIM_REPORTS_OUTPUT_FILE_H_

#include <functional>
#include <ostream>
#include <string>
#include <vector>

namespace meshsim {

class OutputFiles {
 public:
  OutputFiles() = default;
  OutputFiles(const OutputFiles&) = delete;
  OutputFiles& operator=(const OutputFiles&) = delete;
  // Removes the temporary files of a set that was not committed.
  ~OutputFiles();

  // Writes `path`'s content with `write` into its temporary file. False,
  // with `error` naming the path and the cause, when it cannot.
  bool Add(const std::string& path,
           const std::function<void(std::ostream&)>& write, std::string* error);
  // Moves every staged file into place.
  bool Commit(std::string* error);

 private:
  struct Staged {
    std::string path, temp;  // temp empty: written in place
  };
  std::vector<Staged> staged_;
  bool committed_ = false;
};

// One file, as OutputFiles.
bool WriteOutputFile(const std::string& path,
                     const std::function<void(std::ostream&)>& write,
                     std::string* error);

}  // namespace meshsim

#endif  // MESHSIM_REPORTS_OUTPUT_FILE_H_
