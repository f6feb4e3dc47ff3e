#include "model/io/yaml_reader.h"

#include <re2/re2.h>
#include <yaml.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string_view>
#include <unordered_map>

#include "model/io/files.h"
#include "model/io/yaml_block.h"
#include "model/text.h"

namespace meshsim::io {

SourceLocation Reader::Loc(const yaml::Node& n) const {
  SourceLocation loc{file_, 0, 0};
  if (n.IsDefined()) {
    const yaml::Mark m = n.Mark();
    if (m.line >= 0) {
      loc.line = m.line + 1;  // marks are 0-based
      loc.column = m.column + 1;
    }
  }
  return loc;
}

std::string Reader::Describe(const yaml::Node& n) {
  if (!n.IsDefined()) return "nothing";
  switch (n.Type()) {
    case yaml::NodeType::Null:
      return "null";
    case yaml::NodeType::Map:
      return "a map";
    case yaml::NodeType::Sequence:
      return "a list";
    case yaml::NodeType::Scalar: {
      std::string s = n.Scalar();
      if (s.size() > 40) s = s.substr(0, 40) + "...";
      return "'" + s + "'";
    }
    default:
      return "nothing";
  }
}

yaml::Node Reader::Child(const yaml::Node& n, const char* key) const {
  yaml::Node c = n[key];
  c.MarkRead();
  return c;
}

bool Reader::IsMap(const yaml::Node& n, const std::string& what) {
  if (n.IsMap()) return true;
  if (!n.IsDefined() || n.IsNull()) return false;
  Error(n, what + " must be a map, got " + Describe(n));
  return false;
}

std::optional<std::vector<std::string>> Reader::StringList(
    const yaml::Node& n, const std::string& what) {
  if (!IsList(n, what)) return std::nullopt;
  n.MarkSubtreeRead();
  std::vector<std::string> out;
  for (const yaml::Node& x : n)
    if (auto v = String(x, what + "[]")) out.push_back(*v);
  return out;
}

bool Reader::IsList(const yaml::Node& n, const std::string& what) {
  if (n.IsSequence()) return true;
  if (!n.IsDefined() || n.IsNull()) return false;
  Error(n, what + " must be a list, got " + Describe(n));
  return false;
}

std::optional<std::string> Reader::String(const yaml::Node& n,
                                          const std::string& what) {
  if (!n.IsDefined() || n.IsNull()) return std::nullopt;
  n.MarkRead();
  if (!n.IsScalar()) {
    Error(n, what + " must be a string, got " + Describe(n));
    return std::nullopt;
  }
  return n.Scalar();
}

std::optional<long long> Reader::Int(const yaml::Node& n,
                                     const std::string& what, long long min,
                                     long long max) {
  if (!n.IsDefined() || n.IsNull()) return std::nullopt;
  n.MarkRead();
  if (n.IsScalar()) {
    const std::string& s = n.Scalar();
    char* end = nullptr;
    errno = 0;
    long long v = std::strtoll(s.c_str(), &end, 10);
    if (!s.empty() && end && *end == '\0' && errno == 0) {
      if (v < min || v > max) {
        Error(n, what + " must be between " + std::to_string(min) + " and " +
                     std::to_string(max) + ", got " + s);
        return std::nullopt;
      }
      return v;
    }
  }
  Error(n, what + " must be an integer, got " + Describe(n));
  return std::nullopt;
}

std::optional<bool> Reader::Bool(const yaml::Node& n, const std::string& what) {
  if (!n.IsDefined() || n.IsNull()) return std::nullopt;
  n.MarkRead();
  if (n.IsScalar()) {
    const std::string& s = n.Scalar();
    if (s == "true" || s == "True" || s == "TRUE") return true;
    if (s == "false" || s == "False" || s == "FALSE") return false;
  }
  Error(n, what + " must be true or false, got " + Describe(n));
  return std::nullopt;
}

namespace {
// A Kubernetes label value's syntax (empty, or letters, digits, '-', '_'
// and '.', starting and ending with a letter or digit), also the syntax of
// the identifiers a scenario names (IdentifierName).
const RE2& LabelValueSyntax() {
  static const RE2 kLabelValue("(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?");
  return kLabelValue;
}

// A label key as Istio's labels.Instance.Validate checks it (validateTagKey,
// also what the API server asks of metadata.labels, but that it wants the
// prefix in lower case): an optional prefix of DNS labels joined by '.',
// at most 253 characters, and '/'; then a name of at most 63 characters,
// letters, digits, '-', '_' and '.', starting and ending with a letter or
// digit. "" when `key` is one, else why not.
std::string LabelKeyError(const std::string& key) {
  static const RE2 kKey(
      "(?:((?:[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?)"
      "(?:\\.[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?)*)/)?"
      "((?:[A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])");
  std::string prefix, name;
  if (!RE2::FullMatch(key, kKey, &prefix, &name))
    return "an optional DNS prefix and '/', then letters, digits, '-', '_' "
           "and '.', starting and ending with a letter or digit";
  if (prefix.size() > 253) return "its prefix is over 253 characters";
  if (name.size() > 63) return "its name is over 63 characters";
  return "";
}
}  // namespace

std::optional<Labels> Reader::StringMap(
    const yaml::Node& n, const std::string& what, bool label_syntax,
    std::map<std::string, SourceLocation>* locs, bool label_keys) {
  if (!n.IsDefined() || n.IsNull()) return Labels{};
  if (!IsMap(n, what)) return std::nullopt;
  n.MarkSubtreeRead();
  Labels out;
  bool ok = true;
  for (auto it = n.begin(); it != n.end(); ++it) {
    if (!it->first.IsScalar()) {
      Error(it->first,
            what + " keys must be strings, got " + Describe(it->first));
      ok = false;
      continue;
    }
    const std::string key = it->first.Scalar();
    if (label_keys) {
      if (const std::string why = LabelKeyError(key); !why.empty()) {
        Error(it->first, what + ": '" + key + "' is not a label key (" + why +
                             "); the API server and istiod's validation "
                             "refuse it");
        ok = false;
        continue;
      }
    }
    // A copy: `it->second` lives in a proxy that dies with this statement.
    const yaml::Node v = it->second;
    if (v.IsNull()) {
      out[key] = "";
    } else if (!v.IsScalar()) {
      Error(v, what + "['" + key + "'] must be a string, got " + Describe(v));
      ok = false;
      continue;
    } else {
      const std::string& value = v.Scalar();
      if (label_syntax &&
          (value.size() > 63 || !RE2::FullMatch(value, LabelValueSyntax()))) {
        Error(v, what + "['" + key +
                     "'] must be a valid label value (at most 63 characters: "
                     "letters, digits, '-', '_', '.', starting and ending "
                     "with a letter or digit), got '" +
                     value + "'");
        ok = false;
        continue;
      }
      out[key] = value;
    }
    if (locs) (*locs)[key] = Loc(it->first);
  }
  if (!ok && label_syntax) return out;  // keep the valid ones; errors reported
  return out;
}

std::optional<std::string> ReadTextFile(const std::string& path,
                                        const SourceLocation& where,
                                        const std::string& what,
                                        Diagnostics& diags) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    diags.Error(where, what + " '" + path + "' does not exist");
    return std::nullopt;
  }
  if (std::filesystem::is_directory(path, ec)) {
    // A scenario folder given for its file: name the file it holds.
    std::string hint;
    for (const char* name : {"scenario.yaml", "scenario.yml", "scenario.json"})
      if (std::filesystem::is_regular_file(std::filesystem::path(path) / name,
                                           ec)) {
        hint = "; did you mean '" +
               (std::filesystem::path(path) / name).string() + "'?";
        break;
      }
    diags.Error(
        where, what + " '" + path + "' is a directory, expected a file" + hint);
    return std::nullopt;
  }
  // A device or a pipe (/dev/zero, /dev/stdin) may never end.
  if (!std::filesystem::is_regular_file(path, ec)) {
    diags.Error(where, what + " '" + path +
                           "' is not a regular file (a device, pipe or "
                           "socket); expected a YAML or JSON file");
    return std::nullopt;
  }
  const auto size = std::filesystem::file_size(path, ec);
  if (!ec && size > kMaxFileBytes) {
    diags.Error(where, what + " '" + path + "' is " +
                           std::to_string(size >> 20) +
                           " MiB; meshsim reads files of at most " +
                           std::to_string(kMaxFileBytes >> 20) + " MiB");
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    diags.Error(where, what + " '" + path + "' cannot be read");
    return std::nullopt;
  }
  // Read once into a string of the file's size (a stream copy doubled the
  // time and the peak for large manifests).
  std::string text;
  if (!ec) text.reserve(static_cast<size_t>(size));
  char buf[1 << 16];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<size_t>(in.gcount()));
    if (text.size() > kMaxFileBytes) {  // grew since it was measured
      diags.Error(where, what + " '" + path + "' is over " +
                             std::to_string(kMaxFileBytes >> 20) +
                             " MiB; meshsim reads files of at most " +
                             std::to_string(kMaxFileBytes >> 20) + " MiB");
      return std::nullopt;
    }
  }
  if (text.find('\0') != std::string::npos) {
    diags.Error(SourceLocation{path, 1, 1},
                what +
                    " is not a text file (it contains NUL bytes); expected "
                    "YAML or JSON");
    return std::nullopt;
  }
  io::ObserveRead(path, text);
  return text;
}

namespace {

// The first byte where `text` stops being UTF-8 (overlong forms, surrogates
// and code points above U+10FFFF included), or npos.
size_t FirstInvalidUtf8(const std::string& text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    const unsigned char c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    unsigned cp;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2, cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3, cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4, cp = c & 0x07;
    } else {
      return i;
    }
    if (i + len > n) return i;
    for (size_t k = 1; k < len; ++k) {
      if ((s[i + k] & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
      return i;
    i += len;
  }
  return std::string::npos;
}

SourceLocation LocationOfOffset(const std::string& file,
                                const std::string& text, size_t offset) {
  SourceLocation loc{file, 1, 1};
  for (size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++loc.line;
      loc.column = 1;
    } else {
      ++loc.column;
    }
  }
  return loc;
}

bool Utf8OrError(const std::string& text, const std::string& file,
                 Diagnostics& diags) {
  if (size_t bad = FirstInvalidUtf8(text); bad != std::string::npos) {
    char byte[8];
    std::snprintf(byte, sizeof byte, "0x%02X",
                  static_cast<unsigned char>(text[bad]));
    diags.Error(LocationOfOffset(file, text, bad),
                std::string("malformed YAML/JSON: byte ") + byte +
                    " is not UTF-8; YAML and JSON files must be UTF-8 text");
    return false;
  }
  return true;
}

// A SAX handler that keeps nothing: strict JSON is checked in constant
// memory before libyaml reads the text.
struct JsonSyntaxOnly : nlohmann::json_sax<nlohmann::json> {
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return true; }
  bool key(string_t&) override { return true; }
  bool end_object() override { return true; }
  bool start_array(std::size_t) override { return true; }
  bool end_array() override { return true; }
  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception& e) override {
    position_ = position;
    message_ = e.what();
    return false;
  }
  std::size_t position_ = 0;
  std::string message_;
};

// A file named *.json is read as JSON (RFC 8259), as kubectl reads it: a
// trailing comma, a comment or an unquoted key is an error at its byte, not
// YAML leniency.
bool StrictJsonOrError(const std::string& text, const std::string& file,
                       Diagnostics& diags) {
  if (file.size() < 5 || file.compare(file.size() - 5, 5, ".json") != 0)
    return true;
  JsonSyntaxOnly sax;
  if (nlohmann::json::sax_parse(text, &sax)) return true;
  std::string what = sax.message_;
  // The library's id ("[json.exception.out_of_range.406] ") is not ours.
  if (what.rfind("[json.exception.", 0) == 0 &&
      what.find("] ") != std::string::npos)
    what = what.substr(what.find("] ") + 2);
  if (size_t at = what.find("syntax error"); at != std::string::npos)
    what = what.substr(at);
  else if (size_t colon = what.find(": "); colon != std::string::npos)
    what = what.substr(colon + 2);
  const size_t offset = sax.position_ > 0 ? sax.position_ - 1 : 0;
  diags.Error(LocationOfOffset(file, text, std::min(offset, text.size())),
              "malformed JSON: " + what +
                  " (a .json file is read as strict JSON, RFC 8259)");
  return false;
}

// Checks one parsed document the way Kubernetes' YAML decoder would
// (sigs.k8s.io/yaml rejects a key set twice in one map) and bounds the work
// the loaders may do on it: an alias is its anchored node, shared, but a
// loader walking the tree visits it once per alias, so a few lines of
// anchors can stand for billions of nodes ("billion laughs"). Each node is
// walked once; returns false when the document must not be loaded.
class DocumentChecker {
 public:
  // Without an anchor ('&') in the text no node is reached twice, and the
  // walk keeps no memo.
  DocumentChecker(const std::string& file, bool may_alias, Diagnostics& diags)
      : file_(file), may_alias_(may_alias), diags_(diags) {}

  bool Check(const yaml::Node& doc) {
    const uint64_t expanded = Walk(doc.data());
    if (expanded > kMaxAliasExpansionFactor * written_ + kAliasAllowance) {
      diags_.Error(Loc(doc.Mark()),
                   "malformed YAML/JSON: aliases expand this document to " +
                       std::string(expanded >= kSaturated ? "more than " : "") +
                       std::to_string(expanded) + " nodes from " +
                       std::to_string(written_) +
                       " written (a YAML alias bomb?); meshsim allows "
                       "aliases to repeat at most " +
                       std::to_string(kMaxAliasExpansionFactor) +
                       " times the written nodes plus " +
                       std::to_string(kAliasAllowance));
      return false;
    }
    return true;
  }

 private:
  static constexpr uint64_t kSaturated = uint64_t{1} << 62;

  SourceLocation Loc(const yaml::Mark& m) const {
    return {file_, m.line >= 0 ? m.line + 1 : 0,
            m.column >= 0 ? m.column + 1 : 0};
  }

  // Nodes of the fully expanded tree under `n`, saturating at kSaturated.
  uint64_t Walk(const yaml::NodeData* n) {
    if (!n) return 0;
    if (n->type != yaml::NodeType::Map && n->type != yaml::NodeType::Sequence) {
      ++written_;
      return 1;
    }
    if (may_alias_) {
      auto [it, fresh] = expanded_.emplace(n, 1);
      if (!fresh) {  // an alias of a node already walked
        n->shared = true;
        return it->second;
      }
    }
    ++written_;
    uint64_t total = 1;
    for (const yaml::NodeData* c : n->children)
      total = std::min(kSaturated, total + Walk(c));
    if (n->type == yaml::NodeType::Map) CheckKeys(n->children);
    if (may_alias_) expanded_[n] = total;
    return total;
  }

  // Each key set again in one map, at the later one; keys compared pairwise
  // in small maps, through a hash in large ones, in document order either
  // way.
  void CheckKeys(const std::vector<const yaml::NodeData*>& c) {
    auto dup = [&](const yaml::NodeData* key, const yaml::NodeData* first) {
      diags_.Error(Loc(key->mark),
                   "malformed YAML/JSON: key '" + key->scalar +
                       "' is set twice in this map (first at line " +
                       std::to_string(first->mark.line + 1) +
                       "); Kubernetes rejects duplicate keys");
    };
    auto scalar = [](const yaml::NodeData* k) {
      return k->type == yaml::NodeType::Scalar;
    };
    if (c.size() <= 64) {
      for (size_t i = 2; i < c.size(); i += 2) {
        if (!scalar(c[i])) continue;
        for (size_t j = 0; j < i; j += 2)
          if (scalar(c[j]) && c[j]->scalar == c[i]->scalar) {
            dup(c[i], c[j]);
            break;
          }
      }
      return;
    }
    std::unordered_map<std::string_view, const yaml::NodeData*> seen;
    for (size_t i = 0; i < c.size(); i += 2) {
      if (!scalar(c[i])) continue;
      auto [at, fresh] = seen.emplace(c[i]->scalar, c[i]);
      if (!fresh) dup(c[i], at->second);
    }
  }

  const std::string& file_;
  const bool may_alias_;
  Diagnostics& diags_;
  uint64_t written_ = 0;
  std::unordered_map<const yaml::NodeData*, uint64_t> expanded_;
};

// A syntax error, or a document meshsim will not build, at a mark.
struct SyntaxError {
  yaml::Mark mark;
  std::string message;
};

yaml::Mark MarkOf(const yaml_mark_t& m) {
  return {static_cast<int>(m.index), static_cast<int>(m.line),
          static_cast<int>(m.column)};
}

using NodeFn = std::function<void(const yaml::Node&)>;

// Builds one document from libyaml's events into an Arena. An alias is the
// anchored node itself, shared; an alias to an anchor not yet complete (a
// node inside itself) is an error, so the tree has no cycle.
//
// With `on_item`, the items of a top-level `items` sequence (a kubectl
// List) are not attached: each is handed to `on_item` as soon as it is
// complete, built in an Arena of its own that is freed right after, so that
// a dump of any size holds one object at a time.
class DocumentBuilder {
 public:
  DocumentBuilder(yaml::Arena& arena, const NodeFn& on_item)
      : arena_(arena), on_item_(on_item) {}

  const yaml::NodeData* root() const { return root_; }

  void Scalar(const yaml_event_t& e) {
    const auto& s = e.data.scalar;
    Scalar(MarkOf(e.start_mark),
           std::string_view(reinterpret_cast<const char*>(s.value), s.length),
           s.style == YAML_PLAIN_SCALAR_STYLE, s.tag, s.anchor);
  }
  void Scalar(const yaml::Mark& mark, std::string_view v, bool plain,
              const yaml_char_t* tag, const yaml_char_t* anchor) {
    yaml::NodeData& n = New(mark);
    // An untagged plain null is null, as YAML's core schema (and
    // sigs.k8s.io/yaml) read it; everything else keeps its text.
    if (plain && !tag &&
        (v.empty() || v == "~" || v == "null" || v == "Null" || v == "NULL")) {
      n.type = yaml::NodeType::Null;
    } else {
      n.type = yaml::NodeType::Scalar;
      n.scalar.assign(v);
      n.tag = tag ? Text(tag) : plain ? "?" : "!";
    }
    Done(n, anchor);
  }
  void Alias(const yaml_event_t& e) {
    const std::string name = Text(e.data.alias.anchor);
    auto it = anchors_.find(name);
    if (it == anchors_.end())
      throw SyntaxError{
          MarkOf(e.start_mark),
          "alias '*" + name + "' names no anchor completed before it"};
    Attach(it->second);
  }
  void Start(const yaml_event_t& e, yaml::NodeType type) {
    const bool seq = type == yaml::NodeType::Sequence;
    Start(MarkOf(e.start_mark), type,
          seq ? e.data.sequence_start.tag : e.data.mapping_start.tag,
          seq ? e.data.sequence_start.anchor : e.data.mapping_start.anchor);
  }
  void Start(const yaml::Mark& mark, yaml::NodeType type,
             const yaml_char_t* tag, const yaml_char_t* anchor) {
    const bool seq = type == yaml::NodeType::Sequence;
    if (open_.size() >= kMaxDepth)
      throw SyntaxError{mark, "nested deeper than " +
                                  std::to_string(kMaxDepth) +
                                  " levels; meshsim reads at most that depth"};
    // The top-level map's children so far end with the key "items".
    const bool items = on_item_ && seq && open_.size() == 1 &&
                       open_[0].node->type == yaml::NodeType::Map &&
                       (pending_.size() - open_[0].first) % 2 == 1 &&
                       pending_.back()->type == yaml::NodeType::Scalar &&
                       pending_.back()->scalar == "items";
    yaml::NodeData& n = New(mark);
    n.type = type;
    n.tag = tag ? Text(tag) : "?";
    open_.push_back(
        {&n, anchor ? Text(anchor) : std::string(), pending_.size()});
    if (items) items_ = &n;
  }
  void End() {
    Open o = std::move(open_.back());
    open_.pop_back();
    // The children, gathered on one stack while the node was open, move
    // into it in one allocation of the exact size.
    o.node->children.assign(pending_.begin() + static_cast<long>(o.first),
                            pending_.end());
    pending_.resize(o.first);
    if (!o.anchor.empty()) anchors_[o.anchor] = o.node;
    Attach(o.node);
  }

 private:
  static constexpr size_t kMaxDepth = 499;
  struct Open {
    yaml::NodeData* node;
    std::string anchor;
    size_t first;  // where its children start in pending_
  };

  static std::string Text(const yaml_char_t* s) {
    return reinterpret_cast<const char*>(s);
  }
  yaml::NodeData& New(const yaml::Mark& mark) {
    if (items_ && !open_.empty() && open_.back().node == items_ && !item_) {
      item_ = std::make_unique<yaml::Arena>();  // a List item starts
      item_anchors_ = anchors_.size();
    }
    yaml::NodeData& n = (item_ ? *item_ : arena_).New();
    n.mark = mark;
    return n;
  }
  void Done(yaml::NodeData& n, const yaml_char_t* anchor) {
    if (anchor) anchors_[Text(anchor)] = &n;
    Attach(&n);
  }
  void Attach(const yaml::NodeData* n) {
    if (open_.empty()) {
      root_ = n;
      return;
    }
    yaml::NodeData* parent = open_.back().node;
    if (parent == items_ && item_) {
      // A List item is complete: hand it over instead of attaching it. An
      // item that defined an anchor keeps its Arena, as a later alias may
      // point into it.
      on_item_(yaml::Node(n));
      if (anchors_.size() > item_anchors_) kept_.push_back(std::move(item_));
      item_.reset();
      return;
    }
    pending_.push_back(n);
  }

  yaml::Arena& arena_;
  const NodeFn& on_item_;
  const yaml::NodeData* root_ = nullptr;
  std::vector<Open> open_;
  // The children of every open node, innermost last (Open::first).
  std::vector<const yaml::NodeData*> pending_;
  std::unordered_map<std::string, const yaml::NodeData*> anchors_;
  yaml::NodeData* items_ = nullptr;    // the List's items, when streamed
  std::unique_ptr<yaml::Arena> item_;  // set inside an item
  size_t item_anchors_ = 0;
  std::vector<std::unique_ptr<yaml::Arena>> kept_;
};

// Hands the block parser's events (yaml_block.h) to a DocumentBuilder, as
// ForEachDocument hands libyaml's.
class BlockToBuilder : public yaml::BlockEvents {
 public:
  BlockToBuilder(const NodeFn& on_item, const NodeFn& on_doc,
                 yaml::Arena* shared)
      : on_item_(on_item), on_doc_(on_doc), shared_(shared) {}
  void DocumentStart() override {
    if (!shared_) own_ = std::make_unique<yaml::Arena>();
    doc_.emplace(shared_ ? *shared_ : *own_, on_item_);
  }
  void DocumentEnd() override {
    on_doc_(yaml::Node(doc_->root()));
    doc_.reset();
    own_.reset();
  }
  void Scalar(const yaml::Mark& mark, std::string_view text,
              bool plain) override {
    doc_->Scalar(mark, text, plain, nullptr, nullptr);
  }
  void Start(const yaml::Mark& mark, yaml::NodeType type) override {
    doc_->Start(mark, type, nullptr, nullptr);
  }
  void End() override { doc_->End(); }

 private:
  const NodeFn& on_item_;
  const NodeFn& on_doc_;
  yaml::Arena* shared_;
  std::unique_ptr<yaml::Arena> own_;
  std::optional<DocumentBuilder> doc_;
};

// libyaml's own words for a syntax error, with the construct it was in.
SyntaxError ParserError(const yaml_parser_t& p, const std::string& text) {
  if (p.error == YAML_MEMORY_ERROR) return {{}, "out of memory"};
  if (p.error == YAML_READER_ERROR) {
    // A bad byte; the UTF-8 check before parsing leaves little here.
    const size_t at = std::min(p.problem_offset, text.size());
    const SourceLocation loc = LocationOfOffset("", text, at);
    return {{static_cast<int>(at), loc.line - 1, loc.column - 1},
            p.problem ? p.problem : "unreadable input"};
  }
  std::string msg = p.problem ? p.problem : "syntax error";
  if (p.context)
    msg += std::string(" (") + p.context + " at line " +
           std::to_string(p.context_mark.line + 1) + ", column " +
           std::to_string(p.context_mark.column + 1) + ")";
  return {MarkOf(p.problem_mark), msg};
}

// Parses every document of `text` with libyaml, each into `shared` when
// given, else into an Arena of its own that lives while `on_doc` runs. With
// `on_item`, a List's items go there as they complete (DocumentBuilder).
// Returns false (with a located error) on a syntax error; documents before
// it were handed over already.
bool ForEachDocument(const std::string& text, const std::string& file,
                     Diagnostics& diags, const NodeFn& on_item,
                     const NodeFn& on_doc, yaml::Arena* shared,
                     bool block_first = true) {
  // Plain block YAML, nearly every manifest, is read by yaml_block.cc,
  // several times faster; it checks the whole text before handing anything
  // over, so that a text it does not take goes to libyaml untouched.
  if (block_first && yaml::ParseBlockYaml(text, nullptr)) {
    BlockToBuilder events(on_item, on_doc, shared);
    if (yaml::ParseBlockYaml(text, &events)) return true;
  }
  yaml_parser_t parser;
  if (!yaml_parser_initialize(&parser)) {
    diags.Error({file, 0, 0}, "malformed YAML/JSON: out of memory");
    return false;
  }
  std::unique_ptr<yaml_parser_t, void (*)(yaml_parser_t*)> parser_guard(
      &parser, yaml_parser_delete);
  yaml_parser_set_input_string(
      &parser, reinterpret_cast<const unsigned char*>(text.data()),
      text.size());
  std::unique_ptr<yaml::Arena> own;
  std::optional<DocumentBuilder> doc;
  try {
    while (true) {
      yaml_event_t e;
      if (!yaml_parser_parse(&parser, &e)) throw ParserError(parser, text);
      std::unique_ptr<yaml_event_t, void (*)(yaml_event_t*)> event_guard(
          &e, yaml_event_delete);
      switch (e.type) {
        case YAML_STREAM_END_EVENT:
          return true;
        case YAML_DOCUMENT_START_EVENT:
          if (!shared) own = std::make_unique<yaml::Arena>();
          doc.emplace(shared ? *shared : *own, on_item);
          break;
        case YAML_DOCUMENT_END_EVENT:
          on_doc(yaml::Node(doc->root()));
          doc.reset();
          own.reset();
          break;
        case YAML_SCALAR_EVENT:
          doc->Scalar(e);
          break;
        case YAML_ALIAS_EVENT:
          doc->Alias(e);
          break;
        case YAML_SEQUENCE_START_EVENT:
          doc->Start(e, yaml::NodeType::Sequence);
          break;
        case YAML_MAPPING_START_EVENT:
          doc->Start(e, yaml::NodeType::Map);
          break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
          doc->End();
          break;
        default:
          break;
      }
    }
  } catch (const SyntaxError& err) {
    diags.Error({file, err.mark.line >= 0 ? err.mark.line + 1 : 0,
                 err.mark.column >= 0 ? err.mark.column + 1 : 0},
                "malformed YAML/JSON: " + err.message);
    return false;
  }
}

}  // namespace

bool StreamDocuments(const std::string& text, const std::string& file,
                     Diagnostics& diags, const NodeFn& on_object,
                     bool block_first) {
  if (!Utf8OrError(text, file, diags)) return false;
  if (!StrictJsonOrError(text, file, diags)) return false;
  const bool may_alias = text.find('&') != std::string::npos;
  auto checked = [&](const yaml::Node& n) {
    DocumentChecker checker(file, may_alias, diags);
    on_object(checker.Check(n) ? n : yaml::Node());
  };
  // Items are streamed only without anchors: aliases may reach across
  // items, and the alias budget is per document (kubectl never writes
  // anchors).
  const NodeFn items = may_alias ? NodeFn() : NodeFn(checked);
  return ForEachDocument(text, file, diags, items, checked, nullptr,
                         block_first);
}

std::optional<yaml::ParsedDocuments> ParseDocuments(const std::string& text,
                                                    const std::string& file,
                                                    Diagnostics& diags,
                                                    bool block_first) {
  if (!Utf8OrError(text, file, diags)) return std::nullopt;
  if (!StrictJsonOrError(text, file, diags)) return std::nullopt;
  auto arena = std::make_shared<yaml::Arena>();
  yaml::ParsedDocuments docs;
  if (!ForEachDocument(
          text, file, diags, NodeFn(),
          [&](const yaml::Node& n) { docs.documents.push_back(n); },
          arena.get(), block_first))
    return std::nullopt;
  docs.arena = std::move(arena);
  const bool may_alias = text.find('&') != std::string::npos;
  for (yaml::Node& doc : docs.documents) {
    DocumentChecker checker(file, may_alias, diags);
    if (!checker.Check(doc)) doc = yaml::Node();  // loaded as empty
  }
  return docs;
}

std::string BlockParserDisagreement(const std::string& text) {
  if (!yaml::ParseBlockYaml(text, nullptr)) return "";
  Diagnostics d_block, d_libyaml;
  const auto block = ParseDocuments(text, "t.yaml", d_block, true);
  const auto libyaml = ParseDocuments(text, "t.yaml", d_libyaml, false);
  if (!libyaml) return "libyaml refuses what the block parser took";
  if (!block) return "the block path refused";
  if (block->size() != libyaml->size())
    return "documents " + std::to_string(block->size()) + " vs " +
           std::to_string(libyaml->size());
  for (size_t i = 0; i < block->size(); ++i) {
    std::string d = yaml::FirstDifference((*block)[i], (*libyaml)[i],
                                          "doc" + std::to_string(i));
    if (!d.empty()) return d;
  }
  if (d_block.all().size() != d_libyaml.all().size()) return "diagnostics";
  return "";
}

std::optional<double> DecimalNumber(const std::string& s, size_t* used) {
  size_t i = 0;
  auto digits = [&] {
    const size_t from = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    return i - from;
  };
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  size_t n = digits();
  if (i < s.size() && s[i] == '.') {
    ++i;
    n += digits();
  }
  if (n == 0) return std::nullopt;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    size_t j = i + 1;
    if (j < s.size() && (s[j] == '+' || s[j] == '-')) ++j;
    const size_t at = i;
    i = j;
    if (digits() == 0) i = at;  // "1e" or "2ms": the 'e' is not a number's
  }
  if (used) {
    *used = i;
  } else if (i != s.size()) {
    return std::nullopt;
  }
  const double v = std::strtod(s.substr(0, i).c_str(), nullptr);
  if (!std::isfinite(v)) return std::nullopt;
  return v;
}

bool PlainText(Reader& r, const yaml::Node& n, const std::string& what,
               const std::string& v) {
  for (size_t i = 0; i < v.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(v[i]);
    const bool c1 = c == 0xC2 && i + 1 < v.size() &&
                    static_cast<unsigned char>(v[i + 1]) >= 0x80 &&
                    static_cast<unsigned char>(v[i + 1]) <= 0x9F;
    if (c < 0x20 || c == 0x7F || c1) {
      r.Error(n, what +
                     " holds a control character (a newline, tab or "
                     "escape); names are one line of text");
      return false;
    }
  }
  return true;
}

bool IdentifierName(Reader& r, const yaml::Node& n, const std::string& what,
                    const std::string& v) {
  const bool ok =
      !v.empty() && v.size() <= 253 && RE2::FullMatch(v, LabelValueSyntax());
  if (!ok)
    r.Error(n, what +
                   " must be letters, digits, '-', '_' and '.', starting "
                   "and ending with a letter or digit (at most 253), got '" +
                   TerminalText(Utf8Prefix(v, 80)) + "'");
  return ok;
}

}  // namespace meshsim::io
