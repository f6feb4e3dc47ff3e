#include "model/diagnostics.h"

#include <algorithm>
#include <atomic>
#include <utility>
#include <vector>

#include "model/rules.h"
#include "model/text.h"

namespace meshsim {

std::string SourceLocation::ToString() const {
  if (file.empty()) return "<input>";
  if (line <= 0) return file;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

namespace {
// A message quotes what it found, which may be a megabyte of input: it keeps
// the first 2,000 bytes and says how much it left out (docs/robustness.md).
std::string Bounded(std::string message) {
  constexpr size_t kMaxMessage = 2000;
  if (message.size() <= kMaxMessage) return message;
  const std::string kept = Utf8Prefix(message, kMaxMessage);
  return kept + "... (" + std::to_string(message.size() - kept.size()) +
         " more bytes)";
}
}  // namespace

std::string Diagnostic::ToString() const {
  return location.ToString() + ": " + SeverityName(severity) + ": " + message;
}

void Diagnostics::Error(const SourceLocation& loc, std::string message,
                        std::string rule, DiagnosticObject object) {
  items_.push_back({Severity::kError, loc, Bounded(std::move(message)),
                    std::move(rule), std::move(object)});
  ++error_count_;
}

void Diagnostics::Warning(const SourceLocation& loc, std::string message,
                          std::string rule, DiagnosticObject object) {
  items_.push_back({Severity::kWarning, loc, Bounded(std::move(message)),
                    std::move(rule), std::move(object)});
}

void Diagnostics::Note(const SourceLocation& loc, std::string message) {
  items_.push_back({Severity::kNote, loc, Bounded(std::move(message)), "", {}});
}

void Diagnostics::Append(const Diagnostics& other) {
  items_.insert(items_.end(), other.items_.begin(), other.items_.end());
  error_count_ += other.error_count_;
}

namespace {
std::atomic<bool> notes_hidden{false};
}  // namespace

void HideNotes(bool hide) { notes_hidden = hide; }

std::optional<std::string> Diagnostic::WithoutRuleTag() const {
  const std::string tag = " [" + rule + "]";
  if (rule.empty() || message.size() <= tag.size() ||
      message.compare(message.size() - tag.size(), tag.size(), tag) != 0)
    return std::nullopt;
  return message.substr(0, message.size() - tag.size());
}

void Diagnostics::Print(std::ostream& out) const {
  // A message quotes the input (names, values): one line each, controls
  // made visible, so a hostile name cannot forge lines or escape sequences.
  for (const Diagnostic& d : items_)
    if (d.severity != Severity::kNote || !notes_hidden)
      out << TerminalText(d.ToString()) << "\n";
}

namespace {
// Optimal string alignment distance: edits plus adjacent transpositions, so
// "crat" is one step from "cart". Three rolling rows: memory is linear in the
// shorter word (docs/robustness.md), and the loop stops early once every
// entry of a row exceeds `limit` (the answer is then "more than limit").
size_t EditDistance(const std::string& a, const std::string& b, size_t limit) {
  std::vector<size_t> prev2(b.size() + 1), prev(b.size() + 1),
      cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    size_t row_min = cur[0];
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        cur[j] = std::min(cur[j], prev2[j - 2] + 1);
      row_min = std::min(row_min, cur[j]);
    }
    if (row_min > limit) return limit + 1;
    std::swap(prev2, prev);
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

// Words longer than this get no suggestion: a typo of a name is short, and
// the cost of a comparison stays bounded on hostile input.
constexpr size_t kMaxSuggestLength = 256;
}  // namespace

std::string ClosestMatch(const std::string& word,
                         const std::vector<std::string>& candidates) {
  if (word.size() > kMaxSuggestLength) return "";
  const size_t limit = std::max<size_t>(1, word.size() / 3);
  std::string best;
  size_t best_distance = limit + 1;
  for (const std::string& c : candidates) {
    const size_t gap = c.size() > word.size() ? c.size() - word.size()
                                              : word.size() - c.size();
    if (gap >= best_distance || c.size() > kMaxSuggestLength) continue;
    size_t d = EditDistance(word, c, best_distance - 1);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  return best;
}

void LimitExceeded::Print(std::ostream& out) const {
  Diagnostics d;
  d.Error(diagnostic_.location, diagnostic_.message);
  d.Print(out);
}

}  // namespace meshsim
