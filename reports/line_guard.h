// What meshsim prints cannot become a GitHub workflow command. The Actions
// runner reads any line of a step's output that starts, after leading
// spaces, with "::" as a command (`::error`, `::add-mask`, `::stop-commands`),
// and a line may start with input: a diagnostic starts with its file name,
// `run` and `paths` rows with a traffic entry's name. `LineGuard` sits
// between every command and stdout/stderr and writes the first colon of such
// a line as `\x3A`, the way TerminalText shows other controls. meshsim's own
// annotations (`check --github`) start with kOwnCommandLine (model/text.h),
// which the guard drops and lets the line through (docs/security.md).
//
//   LineGuard guard(out.rdbuf());
//   std::ostream guarded(&guard);
#ifndef MESHSIM_REPORTS_LINE_GUARD_H_
#define MESHSIM_REPORTS_LINE_GUARD_H_

#include <streambuf>
#include <string>

#include "model/text.h"

namespace meshsim {

class LineGuard : public std::streambuf {
 public:
  explicit LineGuard(std::streambuf* dest) : dest_(dest) {}
  ~LineGuard() override { Flush(); }
  LineGuard(const LineGuard&) = delete;
  LineGuard& operator=(const LineGuard&) = delete;

  // Writes what is held back (a line's leading spaces and a first colon).
  bool Flush();

 protected:
  int_type overflow(int_type c) override;
  std::streamsize xsputn(const char* s, std::streamsize n) override;
  int sync() override;

 private:
  // One character at a line's start; false when the destination failed.
  bool AtLineStart(char c);
  bool Put(const std::string& s);

  std::streambuf* dest_;
  bool line_start_ = true;
  std::string held_;  // leading spaces, then perhaps one ':'
  bool failed_ = false;
};

}  // namespace meshsim

#endif  // MESHSIM_REPORTS_LINE_GUARD_H_
