#include "model/diagnostics.h"

#include <algorithm>

#include "model/rules.h"

namespace meshsim {

std::string SourceLocation::ToString() const {
  if (file.empty()) return "<input>";
  if (line <= 0) return file;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

std::string Diagnostic::ToString() const {
  return location.ToString() + ": " + SeverityName(severity) + ": " + message;
}

void Diagnostics::Error(const SourceLocation& loc, std::string message) {
  items_.push_back({Severity::kError, loc, std::move(message), ""});
  ++error_count_;
}

void Diagnostics::Warning(const SourceLocation& loc, std::string message,
                          std::string rule) {
  items_.push_back(
      {Severity::kWarning, loc, std::move(message), std::move(rule)});
}

void Diagnostics::Note(const SourceLocation& loc, std::string message) {
  items_.push_back({Severity::kNote, loc, std::move(message), ""});
}

void Diagnostics::Print(std::ostream& out) const {
  for (const Diagnostic& d : items_) out << d.ToString() << "\n";
}

namespace {
// Optimal string alignment distance: edits plus adjacent transpositions, so
// "crat" is one step from "cart".
size_t EditDistance(const std::string& a, const std::string& b) {
  std::vector<std::vector<size_t>> d(a.size() + 1,
                                     std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] =
          std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.size()][b.size()];
}
}  // namespace

std::string ClosestMatch(const std::string& word,
                         const std::vector<std::string>& candidates) {
  const size_t limit = std::max<size_t>(1, word.size() / 3);
  std::string best;
  size_t best_distance = limit + 1;
  for (const std::string& c : candidates) {
    size_t d = EditDistance(word, c);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  return best;
}

}  // namespace meshsim
