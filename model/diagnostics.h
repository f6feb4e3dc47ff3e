// Source locations and compiler-style diagnostics shared by every stage.
//
// Every object built from input keeps a SourceLocation (1-based line and
// column, with its file). Loaders collect Diagnostics and keep going, so a
// user sees every problem in one pass:
//
//   Diagnostics diags;
//   diags.Error(loc, "Service shop/cart: spec.ports[0].port must be ...");
//   if (diags.HasErrors()) { diags.Print(std::cerr); return 2; }
#ifndef MESHSIM_MODEL_DIAGNOSTICS_H_
#define MESHSIM_MODEL_DIAGNOSTICS_H_

#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace meshsim {

struct SourceLocation {
  std::string file;  // as given by the user (relative paths stay relative)
  int line = 0;      // 1-based; 0 when unknown
  int column = 0;    // 1-based; 0 when unknown

  bool Known() const { return !file.empty(); }
  // "file:line:col", or "file" when the position is unknown.
  std::string ToString() const;
};

enum class Severity { kError, kWarning, kNote };

// The Kubernetes object a diagnostic is about, when one is known (lint's
// JSON `object`).
struct DiagnosticObject {
  std::string kind;  // AuthorizationPolicy, Service, Gateway, ...
  std::string ns, name, cluster;
};

struct Diagnostic {
  Severity severity = Severity::kError;
  SourceLocation location;
  std::string message;  // lowercase start, no trailing period
  std::string rule;     // a rule id of model/rules.h, when one applies
  DiagnosticObject object;

  // "file:line:col: error: message"
  std::string ToString() const;
  // The message without a trailing " [rule]" (how every command shows a
  // lint catalogue warning), or nullopt when it has none.
  std::optional<std::string> WithoutRuleTag() const;
};

// `--quiet`: Diagnostics::Print leaves notes out (a skipped kind meshsim
// does not model, say); errors and warnings are always printed.
void HideNotes(bool hide);

class Diagnostics {
 public:
  void Error(const SourceLocation& loc, std::string message,
             std::string rule = "", DiagnosticObject object = {});
  void Warning(const SourceLocation& loc, std::string message,
               std::string rule = "", DiagnosticObject object = {});
  void Note(const SourceLocation& loc, std::string message);
  // Adds every diagnostic of `other`, in its order.
  void Append(const Diagnostics& other);

  bool HasErrors() const { return error_count_ > 0; }
  int error_count() const { return error_count_; }
  const std::vector<Diagnostic>& all() const { return items_; }
  // Writes every diagnostic, one per line, in the order they were reported.
  void Print(std::ostream& out) const;

 private:
  std::vector<Diagnostic> items_;
  int error_count_ = 0;
};

// An input asking for more than a documented limit that only shows once
// meshsim works on it (a traffic entry fanning out to millions of paths),
// found before the memory is allocated. The command stops with this
// diagnostic and exit 2 (docs/robustness.md), never with a partial answer.
class LimitExceeded : public std::runtime_error {
 public:
  explicit LimitExceeded(Diagnostic d)
      : std::runtime_error(d.ToString()), diagnostic_(std::move(d)) {}
  const Diagnostic& diagnostic() const { return diagnostic_; }
  // The located error as every command prints it (Diagnostics::Print).
  void Print(std::ostream& out) const;

 private:
  Diagnostic diagnostic_;
};

// Suggests the closest candidate to `word` (edit distance at most a third of
// its length), or "" when none is close. Used for "did you mean" hints.
std::string ClosestMatch(const std::string& word,
                         const std::vector<std::string>& candidates);

}  // namespace meshsim

#endif  // MESHSIM_MODEL_DIAGNOSTICS_H_
