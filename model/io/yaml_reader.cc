#include "model/io/yaml_reader.h"

#include <re2/re2.h>
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/node/detail/memory.h>
#include <yaml-cpp/node/detail/node.h>
#include <yaml-cpp/parser.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <tuple>

#include "model/io/files.h"

// yaml-cpp builds a Node from parser events with its internal NodeBuilder,
// the one class allowed to wrap a detail::node in a Node. That class is not
// exported by the shared library, so this name is free; it holds only the
// wrapping, and meshsim::io::DocumentBuilder below does the building.
namespace YAML {
class NodeBuilder {
 public:
  static Node Wrap(detail::node& node, detail::shared_memory_holder memory) {
    return Node(node, memory);
  }
};
}  // namespace YAML

namespace meshsim::io {

SourceLocation Reader::Loc(const YAML::Node& n) const {
  SourceLocation loc{file_, 0, 0};
  if (n.IsDefined()) {
    YAML::Mark m = n.Mark();
    if (m.line >= 0) {
      loc.line = m.line + 1;  // yaml-cpp marks are 0-based
      loc.column = m.column + 1;
    }
  }
  return loc;
}

std::string Reader::Describe(const YAML::Node& n) {
  if (!n.IsDefined()) return "nothing";
  switch (n.Type()) {
    case YAML::NodeType::Null:
      return "null";
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Scalar: {
      std::string s = n.Scalar();
      if (s.size() > 40) s = s.substr(0, 40) + "...";
      return "'" + s + "'";
    }
    default:
      return "nothing";
  }
}

YAML::Node Reader::Child(const YAML::Node& n, const char* key) const {
  if (!n.IsDefined() || !n.IsMap())
    return YAML::Node(YAML::NodeType::Undefined);
  for (auto it = n.begin(); it != n.end(); ++it) {
    if (it->first.IsScalar() && it->first.Scalar() == key) return it->second;
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

bool Reader::IsMap(const YAML::Node& n, const std::string& what) {
  if (n.IsMap()) return true;
  if (!n.IsDefined() || n.IsNull()) return false;
  Error(n, what + " must be a map, got " + Describe(n));
  return false;
}

std::optional<std::vector<std::string>> Reader::StringList(
    const YAML::Node& n, const std::string& what) {
  if (!IsList(n, what)) return std::nullopt;
  std::vector<std::string> out;
  for (const YAML::Node& x : n)
    if (auto v = String(x, what + "[]")) out.push_back(*v);
  return out;
}

bool Reader::IsList(const YAML::Node& n, const std::string& what) {
  if (n.IsSequence()) return true;
  if (!n.IsDefined() || n.IsNull()) return false;
  Error(n, what + " must be a list, got " + Describe(n));
  return false;
}

std::optional<std::string> Reader::String(const YAML::Node& n,
                                          const std::string& what) {
  if (!n.IsDefined() || n.IsNull()) return std::nullopt;
  if (!n.IsScalar()) {
    Error(n, what + " must be a string, got " + Describe(n));
    return std::nullopt;
  }
  return n.Scalar();
}

std::optional<long long> Reader::Int(const YAML::Node& n,
                                     const std::string& what, long long min,
                                     long long max) {
  if (!n.IsDefined() || n.IsNull()) return std::nullopt;
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

std::optional<bool> Reader::Bool(const YAML::Node& n, const std::string& what) {
  if (!n.IsDefined() || n.IsNull()) return std::nullopt;
  if (n.IsScalar()) {
    const std::string& s = n.Scalar();
    if (s == "true" || s == "True" || s == "TRUE") return true;
    if (s == "false" || s == "False" || s == "FALSE") return false;
  }
  Error(n, what + " must be true or false, got " + Describe(n));
  return std::nullopt;
}

std::optional<Labels> Reader::StringMap(
    const YAML::Node& n, const std::string& what, bool label_syntax,
    std::map<std::string, SourceLocation>* locs) {
  if (!n.IsDefined() || n.IsNull()) return Labels{};
  if (!IsMap(n, what)) return std::nullopt;
  static const RE2 kLabelValue("(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?");
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
    // A copy: `it->second` lives in a proxy that dies with this statement.
    const YAML::Node v = it->second;
    if (v.IsNull()) {
      out[key] = "";
    } else if (!v.IsScalar()) {
      Error(v, what + "['" + key + "'] must be a string, got " + Describe(v));
      ok = false;
      continue;
    } else {
      const std::string& value = v.Scalar();
      if (label_syntax &&
          (value.size() > 63 || !RE2::FullMatch(value, kLabelValue))) {
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
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
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

// Checks one parsed document the way Kubernetes' YAML decoder would
// (sigs.k8s.io/yaml rejects a key set twice in one map) and bounds the work
// the loaders may do on it: yaml-cpp shares an aliased node instead of
// copying it, but a loader walking the tree visits it once per alias, so a
// few lines of anchors can stand for billions of nodes ("billion laughs").
// Each node is walked once (an aliased node has its anchor's mark); returns
// false when the document must not be loaded.
class DocumentChecker {
 public:
  // Without an anchor ('&') in the text no node is reached twice, and the
  // walk keeps no memo.
  DocumentChecker(const std::string& file, bool may_alias, Diagnostics& diags)
      : file_(file), may_alias_(may_alias), diags_(diags) {}

  bool Check(const YAML::Node& doc) {
    const uint64_t expanded = Walk(doc);
    if (expanded > kMaxAliasExpansionFactor * written_ + kAliasAllowance) {
      diags_.Error(Loc(doc),
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
  using Key = std::tuple<int, int, int>;  // line, column, node type

  SourceLocation Loc(const YAML::Node& n) const {
    const YAML::Mark m = n.Mark();
    return {file_, m.line >= 0 ? m.line + 1 : 0,
            m.column >= 0 ? m.column + 1 : 0};
  }

  // Nodes of the fully expanded tree under `n`, saturating at kSaturated.
  uint64_t Walk(const YAML::Node& n) {
    if (!n.IsMap() && !n.IsSequence()) {
      ++written_;
      return 1;
    }
    const Key key{n.Mark().line, n.Mark().column, static_cast<int>(n.Type())};
    if (may_alias_) {
      if (auto it = expanded_.find(key); it != expanded_.end())
        return it->second;  // an alias of a node already walked
      expanded_[key] = 1;   // guards against a cycle, which yaml-cpp forbids
    }
    ++written_;
    uint64_t total = 1;
    auto add = [&](uint64_t x) { total = std::min(kSaturated, total + x); };
    if (n.IsSequence()) {
      for (const YAML::Node& child : n) add(Walk(child));
    } else {
      std::map<std::string, YAML::Mark> keys;
      for (auto it = n.begin(); it != n.end(); ++it) {
        if (it->first.IsScalar()) {
          auto [at, fresh] = keys.emplace(it->first.Scalar(), it->first.Mark());
          if (!fresh) {
            diags_.Error(Loc(it->first),
                         "malformed YAML/JSON: key '" + it->first.Scalar() +
                             "' is set twice in this map (first at line " +
                             std::to_string(at->second.line + 1) +
                             "); Kubernetes rejects duplicate keys");
          }
        }
        add(Walk(it->first));
        add(Walk(it->second));
      }
    }
    if (may_alias_) expanded_[key] = total;
    return total;
  }

  const std::string& file_;
  const bool may_alias_;
  Diagnostics& diags_;
  uint64_t written_ = 0;
  std::map<Key, uint64_t> expanded_;
};

}  // namespace

// Builds one document from parser events, as yaml-cpp's own NodeBuilder
// does (src/nodebuilder.cpp, 0.7.0): an alias is the anchored node itself,
// map entries are inserted once key and value are complete.
//
// With `on_item`, the items of a top-level `items` sequence (a kubectl
// List) are not attached: each is handed to `on_item` as soon as it is
// complete, built in a memory holder of its own, so that a dump of any size
// holds one object at a time.
class DocumentBuilder : public YAML::EventHandler {
 public:
  explicit DocumentBuilder(
      std::function<void(const YAML::Node&)> on_item = nullptr)
      : memory_(new YAML::detail::memory_holder), on_item_(std::move(on_item)) {
    anchors_.push_back(nullptr);  // anchors count from 1
  }

  YAML::Node Root() const {
    return root_ ? YAML::NodeBuilder::Wrap(*root_, memory_) : YAML::Node();
  }
  // Where the document's root starts.
  YAML::Mark root_mark() const { return root_mark_; }

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    Push(mark, anchor).set_null();
    Pop();
  }
  void OnAlias(const YAML::Mark&, YAML::anchor_t anchor) override {
    if (anchor >= anchors_.size()) throw YAML::ParserException({}, "alias");
    Push(*anchors_[anchor]);
    Pop();
  }
  void OnScalar(const YAML::Mark& mark, const std::string& tag,
                YAML::anchor_t anchor, const std::string& value) override {
    YAML::detail::node& node = Push(mark, anchor);
    node.set_scalar(value);
    node.set_tag(tag);
    Pop();
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string& tag,
                       YAML::anchor_t anchor,
                       YAML::EmitterStyle::value style) override {
    const bool items = on_item_ && stack_.size() == 1 &&
                       stack_[0]->type() == YAML::NodeType::Map &&
                       !keys_.empty() && keys_.back().second &&
                       keys_.back().first->type() == YAML::NodeType::Scalar &&
                       keys_.back().first->scalar() == "items";
    YAML::detail::node& node = Push(mark, anchor);
    if (items) items_ = &node;
    node.set_tag(tag);
    node.set_type(YAML::NodeType::Sequence);
    node.set_style(style);
  }
  void OnSequenceEnd() override { Pop(); }
  void OnMapStart(const YAML::Mark& mark, const std::string& tag,
                  YAML::anchor_t anchor,
                  YAML::EmitterStyle::value style) override {
    YAML::detail::node& node = Push(mark, anchor);
    node.set_type(YAML::NodeType::Map);
    node.set_tag(tag);
    node.set_style(style);
    ++map_depth_;
  }
  void OnMapEnd() override {
    --map_depth_;
    Pop();
  }

 private:
  YAML::detail::node& Push(const YAML::Mark& mark, YAML::anchor_t anchor) {
    if (items_ && stack_.size() == 2 && stack_.back() == items_) {
      // An item of the List starts: its nodes get their own holder.
      list_memory_ = memory_;
      memory_.reset(new YAML::detail::memory_holder);
      item_anchors_ = anchors_.size();
    }
    YAML::detail::node& node = memory_->create_node();
    node.set_mark(mark);
    if (stack_.empty()) root_mark_ = mark;
    if (anchor) anchors_.push_back(&node);
    Push(node);
    return node;
  }
  void Push(YAML::detail::node& node) {
    const bool needs_key = !stack_.empty() &&
                           stack_.back()->type() == YAML::NodeType::Map &&
                           keys_.size() < map_depth_;
    stack_.push_back(&node);
    if (needs_key) keys_.emplace_back(&node, false);
  }
  void Pop() {
    if (stack_.size() == 1) {
      root_ = stack_[0];
      stack_.pop_back();
      return;
    }
    YAML::detail::node& node = *stack_.back();
    stack_.pop_back();
    YAML::detail::node& collection = *stack_.back();
    if (&collection == items_ && list_memory_) {
      // A List item is complete: hand it over instead of attaching it. An
      // item that defined an anchor keeps its holder alive, as a later alias
      // may point into it.
      YAML::detail::shared_memory_holder item = memory_;
      memory_ = list_memory_;
      list_memory_.reset();
      if (anchors_.size() > item_anchors_) kept_.push_back(item);
      on_item_(YAML::NodeBuilder::Wrap(node, item));
      return;
    }
    if (collection.type() == YAML::NodeType::Sequence) {
      collection.push_back(node, memory_);
    } else if (collection.type() == YAML::NodeType::Map && !keys_.empty()) {
      auto& [key, has_value] = keys_.back();
      if (has_value) {
        collection.insert(*key, node, memory_);
        keys_.pop_back();
      } else {
        has_value = true;
      }
    }
  }

  YAML::detail::shared_memory_holder memory_;
  std::function<void(const YAML::Node&)> on_item_;
  YAML::detail::node* items_ = nullptr;  // the List's items, when streamed
  YAML::detail::shared_memory_holder list_memory_;  // set inside an item
  size_t item_anchors_ = 0;
  std::vector<YAML::detail::shared_memory_holder> kept_;
  YAML::detail::node* root_ = nullptr;
  YAML::Mark root_mark_;
  std::vector<YAML::detail::node*> stack_;
  std::vector<YAML::detail::node*> anchors_;
  std::vector<std::pair<YAML::detail::node*, bool>> keys_;
  size_t map_depth_ = 0;
};

namespace {

// Reads a string in place (std::istringstream would copy it).
class StringInput : public std::streambuf {
 public:
  explicit StringInput(const std::string& s) {
    char* p = const_cast<char*>(s.data());
    setg(p, p, p + s.size());
  }
};

// YAML::LoadAll, with one difference: yaml-cpp 0.7 reports a ',' outside
// any flow collection ("{a: b},", or a stray "," line) as an endless run of
// empty documents that never consumes it (jbeder/yaml-cpp#1040, fixed
// upstream after 0.8), so LoadAll fills memory until the process dies. Two
// empty documents at the same mark are that loop. Each document goes to
// `on_doc`; with `on_item`, a List's items go there as they complete
// (DocumentBuilder). Throws yaml-cpp's exceptions.
void ForEachDocument(const std::string& text,
                     const std::function<void(const YAML::Node&)>& on_item,
                     const std::function<void(const YAML::Node&)>& on_doc) {
  StringInput buf(text);
  std::istream in(&buf);
  YAML::Parser parser(in);
  int last_null = -1;  // position of the last empty document
  while (true) {
    DocumentBuilder builder(on_item);
    if (!parser.HandleNextDocument(builder)) break;
    YAML::Node root = builder.Root();
    if (root.IsNull()) {
      const YAML::Mark m = builder.root_mark();
      if (last_null >= 0 && last_null == m.pos)
        throw YAML::ParserException(
            m,
            "unexpected ',' outside a list or map in flow style ([...] "
            "or {...})");
      last_null = m.pos;
    } else {
      last_null = -1;
    }
    on_doc(root);
  }
}

// Runs `parse`; a yaml-cpp exception becomes a located error (false).
bool Located(const std::string& file, Diagnostics& diags,
             const std::function<void()>& parse) {
  try {
    parse();
  } catch (const YAML::DeepRecursion& e) {
    SourceLocation loc{file, e.mark.line >= 0 ? e.mark.line + 1 : 0,
                       e.mark.column >= 0 ? e.mark.column + 1 : 0};
    diags.Error(loc, "malformed YAML/JSON: nested deeper than " +
                         std::to_string(e.depth() - 1) +
                         " levels; meshsim reads at most that depth");
    return false;
  } catch (const YAML::Exception& e) {
    SourceLocation loc{file, e.mark.line >= 0 ? e.mark.line + 1 : 0,
                       e.mark.column >= 0 ? e.mark.column + 1 : 0};
    diags.Error(loc, "malformed YAML/JSON: " + e.msg);
    return false;
  }
  return true;
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
// memory before yaml-cpp reads the text.
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

}  // namespace

bool StreamDocuments(const std::string& text, const std::string& file,
                     Diagnostics& diags,
                     const std::function<void(const YAML::Node&)>& on_object) {
  if (!Utf8OrError(text, file, diags)) return false;
  if (!StrictJsonOrError(text, file, diags)) return false;
  const bool may_alias = text.find('&') != std::string::npos;
  auto checked = [&](const YAML::Node& n) {
    DocumentChecker checker(file, may_alias, diags);
    on_object(checker.Check(n) ? n : YAML::Node());
  };
  // Items are streamed only without anchors: aliases may reach across
  // items, and the alias budget is per document (kubectl never writes
  // anchors).
  return Located(file, diags, [&] {
    ForEachDocument(
        text, may_alias ? std::function<void(const YAML::Node&)>() : checked,
        checked);
  });
}

std::optional<std::vector<YAML::Node>> ParseDocuments(const std::string& text,
                                                      const std::string& file,
                                                      Diagnostics& diags) {
  if (!Utf8OrError(text, file, diags)) return std::nullopt;
  if (!StrictJsonOrError(text, file, diags)) return std::nullopt;
  std::vector<YAML::Node> docs;
  if (!Located(file, diags, [&] {
        ForEachDocument(text, nullptr,
                        [&](const YAML::Node& n) { docs.push_back(n); });
      }))
    return std::nullopt;
  const bool may_alias = text.find('&') != std::string::npos;
  for (YAML::Node& doc : docs) {
    DocumentChecker checker(file, may_alias, diags);
    if (!checker.Check(doc)) doc = YAML::Node();  // loaded as empty
  }
  return docs;
}

}  // namespace meshsim::io
