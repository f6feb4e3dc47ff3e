// Internal: typed, located access to YAML nodes (yaml_tree.h). Every accessor
// reports a Diagnostic naming the object, the field path, what was expected and
// what was found, instead of throwing.
#ifndef MESHSIM_MODEL_IO_YAML_READER_H_
#define MESHSIM_MODEL_IO_YAML_READER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "model/diagnostics.h"
#include "model/io/yaml_tree.h"
#include "model/mesh.h"

namespace meshsim::io {

class Reader {
 public:
  Reader(std::string file, Diagnostics& diags)
      : file_(std::move(file)), diags_(diags) {}

  const std::string& file() const { return file_; }
  Diagnostics& diags() { return diags_; }

  SourceLocation Loc(const yaml::Node& n) const;
  // "a map", "a list", "a string '...'", ... for messages.
  static std::string Describe(const yaml::Node& n);

  // Child of a map, or an undefined node. Reports an error when `n` is not a
  // map (and not null/undefined).
  yaml::Node Child(const yaml::Node& n, const char* key) const;

  // Typed reads: nullopt when absent; an error (and nullopt) when present
  // with the wrong type. `what` is "<Object ns/name>: <field path>".
  std::optional<std::string> String(const yaml::Node& n,
                                    const std::string& what);
  std::optional<long long> Int(const yaml::Node& n, const std::string& what,
                               long long min, long long max);
  std::optional<bool> Bool(const yaml::Node& n, const std::string& what);
  // A map of string to string (labels, annotations, selectors). Label values
  // are checked against Kubernetes' syntax when `label_syntax` is set, and
  // keys too with `label_keys`, for the maps the API server or istiod's
  // validation checks so (labels.Instance.Validate: a WorkloadEntry's, a
  // subset's, sourceLabels; not a workload selector's, which istiod checks
  // only for '*' and "").
  std::optional<Labels> StringMap(const yaml::Node& n, const std::string& what,
                                  bool label_syntax,
                                  std::map<std::string, SourceLocation>* locs,
                                  bool label_keys = false);
  // A list of strings: nullopt when `n` is not a list (an error when it is
  // present); items that are not strings are reported ("<what>[]") and left
  // out.
  std::optional<std::vector<std::string>> StringList(const yaml::Node& n,
                                                     const std::string& what);
  bool IsMap(const yaml::Node& n, const std::string& what);
  bool IsList(const yaml::Node& n, const std::string& what);

  // Reported with the object being read (ObjectScope), when there is one:
  // lint's JSON names it.
  void Error(const yaml::Node& n, const std::string& msg) {
    diags_.Error(Loc(n), msg, "", object_);
  }
  void Warning(const yaml::Node& n, const std::string& msg) {
    diags_.Warning(Loc(n), msg, "", object_);
  }

 private:
  friend class ObjectScope;
  std::string file_;
  Diagnostics& diags_;
  DiagnosticObject object_;
};

// While alive, the Reader's errors and warnings name `object`; the object
// read before (a List's) is restored after.
class ObjectScope {
 public:
  ObjectScope(Reader& r, DiagnosticObject object)
      : r_(r), saved_(std::exchange(r.object_, std::move(object))) {}
  ~ObjectScope() { r_.object_ = std::move(saved_); }
  ObjectScope(const ObjectScope&) = delete;
  ObjectScope& operator=(const ObjectScope&) = delete;

 private:
  Reader& r_;
  DiagnosticObject saved_;
};

// Limits on input (docs/robustness.md): the largest file read, and how far
// YAML aliases may expand a document: at most kMaxAliasExpansionFactor times
// the nodes written in it, plus kAliasAllowance.
constexpr uintmax_t kMaxFileBytes = uintmax_t{1} << 30;  // 1 GiB
constexpr uint64_t kMaxAliasExpansionFactor = 10;
constexpr uint64_t kAliasAllowance = 100000;

// Reads a whole file; nullopt (with an error at `where`) when it is missing,
// unreadable, a directory, a device or pipe, larger than kMaxFileBytes, or
// not text.
std::optional<std::string> ReadTextFile(const std::string& path,
                                        const SourceLocation& where,
                                        const std::string& what,
                                        Diagnostics& diags);

// Parses every document; nullopt (with a located error) on a syntax error,
// a byte that is not UTF-8, or nesting deeper than 499 levels. A document whose
// aliases expand it beyond the limit above is replaced by an empty one, and a
// key set twice in a map is an error; both are reported at their line and
// column.
//
// Plain block YAML is read by yaml_block.cc, the rest by libyaml;
// `block_first` false reads all with libyaml (what tests hold yaml_block.cc
// to).
std::optional<yaml::ParsedDocuments> ParseDocuments(const std::string& text,
                                                    const std::string& file,
                                                    Diagnostics& diags,
                                                    bool block_first = true);

// What holds the block parser to libyaml (tests, fuzz_yaml_block): "" when
// yaml_block.cc does not take `text`, or reads it to libyaml's documents,
// node for node, mark for mark, with the same diagnostics; else the first
// difference.
std::string BlockParserDisagreement(const std::string& text);

// As ParseDocuments, but hands each document to `on_object` as soon as it is
// parsed, and (in a text without anchors) each item of a top-level `items`
// list (a kubectl List) as soon as that item is, so memory holds one object
// at a time whatever the size of the dump (the List document itself follows
// with its items left out). A
// document the checks reject is handed over as an empty node. Returns false
// (with a located error) on a syntax error; objects before it were handed
// over already.
// `block_first` as for ParseDocuments.
bool StreamDocuments(const std::string& text, const std::string& file,
                     Diagnostics& diags,
                     const std::function<void(const yaml::Node&)>& on_object,
                     bool block_first = true);

// Names a scenario gives that reach logs, reports and diagrams
// (docs/security.md): false, with an error at `n`, when `v` holds a control
// character (C0, DEL, C1: a newline could forge an output line, an escape
// drive the terminal).
bool PlainText(Reader& r, const yaml::Node& n, const std::string& what,
               const std::string& v);
// An identifier a scenario gives a cluster, network, node, zone or region
// (Kubernetes and Istio carry them as label values and node names): letters,
// digits, '-', '_' and '.', starting and ending with a letter or digit, at
// most 253 characters. False, with an error at `n`, otherwise.
bool IdentifierName(Reader& r, const yaml::Node& n, const std::string& what,
                    const std::string& v);

// A number as a scenario writes one: decimal, with an optional sign,
// fraction and exponent ("12", "-0.5", "1e3"), finite; no hex, no inf or
// nan, no leading spaces. With `used`, a prefix of `s` (its length there,
// e.g. before a unit); without, the whole of `s`. nullopt otherwise.
std::optional<double> DecimalNumber(const std::string& s,
                                    size_t* used = nullptr);

}  // namespace meshsim::io

#endif  // MESHSIM_MODEL_IO_YAML_READER_H_
