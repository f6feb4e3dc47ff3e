#include "model/io/yaml_block.h"

#include <cstdint>
#include <cstring>

namespace meshsim::yaml {

namespace {

// Below DocumentBuilder's limit (yaml_reader.cc), so that libyaml reports
// what is too deep.
constexpr int kMaxDepth = 400;
// libyaml refuses a key over 1024 characters (a "simple key").
constexpr size_t kMaxKey = 1000;
constexpr size_t kNone = static_cast<size_t>(-1);

struct NotInSubset {};

class Parser {
 public:
  Parser(std::string_view text, BlockEvents* events)
      : s_(text.data()), n_(text.size()), ev_(events) {}

  void Run() {
    CheckCharacters();
    while (true) {
      SkipToContent();
      if (p_ >= n_) return;
      if (Marker(p_, '.') || s_[p_] == '%') No();
      if (Marker(p_, '-')) {
        FinishLine(p_ + 3);
        if (ev_) ev_->DocumentStart();
        const int ind = NextIndent();
        if (ind < 0) {
          // An empty document: null, at what ends it.
          if (p_ < n_ && Marker(p_, '.')) No();
          Scalar(p_ >= n_ ? EndMark() : MarkAt(p_), p_, 0, true);
        } else {
          Node(ind, -1);
        }
      } else {
        if (ev_) ev_->DocumentStart();
        Node(NextIndent(), -1);
      }
      if (NextIndent() >= 0) No();
      if (ev_) ev_->DocumentEnd();
    }
  }

 private:
  [[noreturn]] static void No() { throw NotInSubset{}; }

  // The byte at i; '\0' past the end (the text has none: Run checks).
  char At(size_t i) const { return i < n_ ? s_[i] : '\0'; }
  static bool BlankOrEnd(char c) { return c == ' ' || c == '\n' || c == '\0'; }
  // libyaml's marks count characters: in an ASCII text a byte offset, else
  // the characters before the line and those on it up to `i`.
  Mark MarkAt(size_t i) const {
    if (ascii_)
      return {static_cast<int>(i), line_, static_cast<int>(i - line_start_)};
    const int column = Characters(line_start_, i);
    return {line_characters_ + column, line_, column};
  }
  // libyaml's mark for the end of the stream: past the last character, at
  // the start of a line.
  Mark EndMark() const {
    return {characters_, line_ + (n_ > line_start_ ? 1 : 0), 0};
  }
  int Characters(size_t from, size_t to) const {
    int count = 0;
    for (size_t k = from; k < to; ++k)
      count += (static_cast<unsigned char>(s_[k]) & 0xC0) != 0x80;
    return count;
  }

  // What libyaml reads as printable (its IS_PRINTABLE), in UTF-8, and
  // nothing it reads as a line break but '\n': tabs, CR, other C0 and C1
  // controls, DEL, NEL (U+0085), the line and paragraph separators
  // (U+2028, U+2029), a byte order mark anywhere (U+FEFF), U+FFFE and
  // U+FFFF, and bytes that are no UTF-8 all send the text to libyaml. So
  // does a line over 4096 bytes in a text that is not ASCII, where marks
  // are counted character by character.
  void CheckCharacters() {
    int characters = 0;
    size_t line = 0;
    for (size_t i = 0; i < n_;) {
      const unsigned char c = static_cast<unsigned char>(s_[i]);
      ++characters;
      if (c < 0x80) {
        if ((c < 0x20 && c != '\n') || c == 0x7f) No();
        if (c == '\n') line = i + 1;
        ++i;
        continue;
      }
      ascii_ = false;
      const int len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
      if (len == 0 || c > 0xF4 || i + static_cast<size_t>(len) > n_) No();
      uint32_t cp = c & (0x7F >> len);
      for (int k = 1; k < len; ++k) {
        const unsigned char d = static_cast<unsigned char>(s_[i + k]);
        if ((d & 0xC0) != 0x80) No();
        cp = (cp << 6) | (d & 0x3F);
      }
      const uint32_t least[] = {0, 0, 0x80, 0x800, 0x10000};
      if (cp < least[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        No();
      if (cp <= 0x9F || cp == 0x2028 || cp == 0x2029 || cp == 0xFEFF ||
          cp == 0xFFFE || cp == 0xFFFF)
        No();
      i += static_cast<size_t>(len);
      if (i - line > 4096) No();
    }
    if (!ascii_) {
      // Lines were checked only up to their last non-ASCII character.
      line = 0;
      for (size_t i = 0; i <= n_; ++i)
        if (i == n_ || s_[i] == '\n') {
          if (i - line > 4096) No();
          line = i + 1;
        }
    }
    characters_ = characters;
  }
  // "---" or "..." at the start of a line, then a blank or the end.
  bool Marker(size_t i, char c) const {
    return i == line_start_ && At(i) == c && At(i + 1) == c && At(i + 2) == c &&
           BlankOrEnd(At(i + 3));
  }
  bool DashItem(size_t i) const {
    return At(i) == '-' && BlankOrEnd(At(i + 1));
  }
  size_t SkipSpaces(size_t i) const {
    while (At(i) == ' ') ++i;
    return i;
  }

  void NextLineFrom(size_t i) {
    const void* nl = i < n_ ? std::memchr(s_ + i, '\n', n_ - i) : nullptr;
    if (!nl) {
      p_ = n_;
      return;
    }
    p_ = static_cast<size_t>(static_cast<const char*>(nl) - s_) + 1;
    if (!ascii_) line_characters_ += Characters(line_start_, p_);
    ++line_;
    line_start_ = p_;
  }
  // Past blank and comment lines, to the start of a line with content (or
  // the end).
  void SkipToContent() {
    while (p_ < n_) {
      const size_t j = SkipSpaces(p_);
      const char c = At(j);
      if (c == '\n' || c == '#') {
        NextLineFrom(j);
      } else if (c == '\0') {
        p_ = n_;
      } else {
        return;
      }
    }
  }
  // The indentation of the next line with content; -1 at the end of the
  // text or at a document marker.
  // Every open collection asks on its way out: the answer for a line is
  // kept, so a deep one over a long indentation is not counted again each
  // time.
  int NextIndent() {
    if (p_ == indent_line_) return indent_;  // p_ moves only to a new line
    SkipToContent();
    indent_line_ = p_;
    if (p_ >= n_ || Marker(p_, '-') || Marker(p_, '.'))
      indent_ = -1;
    else
      indent_ = static_cast<int>(SkipSpaces(p_) - p_);
    return indent_;
  }
  // After a node that ends at `i`: spaces, then the end of the line, maybe
  // through a comment.
  void FinishLine(size_t i) {
    const size_t j = SkipSpaces(i);
    const char c = At(j);
    if (c == '\n' || c == '\0' || (c == '#' && j > i)) {
      NextLineFrom(j);
      return;
    }
    No();
  }
  bool LineEnd(size_t i) const {
    const char c = At(i);
    return c == '\n' || c == '\0' || (c == '#' && At(i - 1) == ' ');
  }

  void Scalar(const Mark& m, size_t from, size_t len, bool plain) {
    if (ev_) ev_->Scalar(m, std::string_view(s_ + from, len), plain);
  }
  void Open(size_t at, NodeType type) {
    if (++depth_ > kMaxDepth) No();
    if (ev_) ev_->Start(MarkAt(at), type);
  }
  void Close() {
    --depth_;
    if (ev_) ev_->End();
  }

  // Whether a plain scalar may start at i: not at an indicator, but '-'
  // before a letter or digit ("-1").
  bool PlainStart(size_t i) const {
    const char c = At(i);
    if (c == '-') {
      const char d = At(i + 1);
      return (d >= '0' && d <= '9') || (d >= 'a' && d <= 'z') ||
             (d >= 'A' && d <= 'Z');
    }
    return c != '\0' && c != '\n' && c != ' ' &&
           !std::strchr("?:,[]{}#&*!|>'\"%@`", c);
  }
  // Where the ": " that ends a plain key starting at i is, on its line;
  // kNone when the line holds no such key.
  size_t KeyEnd(size_t i) const {
    if (!PlainStart(i)) return kNone;
    for (size_t j = i; j < n_; ++j) {
      const char c = s_[j];
      if (c == '\n') return kNone;
      if (c == ':' && BlankOrEnd(At(j + 1))) return j;
      if (c == '#' && s_[j - 1] == ' ') return kNone;
    }
    return kNone;
  }

  // After an entry of a collection indented `ind`: where its next entry
  // starts, or kNone at the collection's end (a deeper line cannot follow
  // a finished entry).
  size_t NextEntry(int ind) {
    const int i = NextIndent();
    if (i > ind) No();
    return i < ind ? kNone : p_ + static_cast<size_t>(i);
  }

  // A node whose first line is the next line with content, indented `ind`
  // (more than its parent's `parent`).
  void Node(int ind, int parent) {
    if (ind <= parent) No();
    const size_t q = p_ + static_cast<size_t>(ind);
    if (DashItem(q)) {
      BlockSequence(ind, false);
    } else if (KeyEnd(q) != kNone) {
      BlockMap(q);
    } else {
      InlineValue(q, parent);
    }
  }

  void BlockMap(size_t q) {
    const int ind = static_cast<int>(q - line_start_);
    Open(q, NodeType::Map);
    while (true) {
      const size_t colon = KeyEnd(q);
      if (colon == kNone) No();
      // libyaml forgets a key whose ':' is over 1024 characters on,
      // trailing spaces counted.
      if (colon - q > kMaxKey) No();
      size_t key_end = colon;
      while (key_end > q && s_[key_end - 1] == ' ') --key_end;
      Scalar(MarkAt(q), q, key_end - q, true);
      const size_t v = SkipSpaces(colon + 1);
      if (LineEnd(v)) {
        const Mark empty = MarkAt(colon + 1);
        NextLineFrom(v);
        const int i = NextIndent();
        if (i > ind) {
          Node(i, ind);
        } else if (i == ind && DashItem(p_ + static_cast<size_t>(i))) {
          BlockSequence(i, true);  // "key:" then "- item" at its column
        } else {
          Scalar(empty, colon + 1, 0, true);
        }
      } else {
        InlineValue(v, ind);
      }
      q = NextEntry(ind);
      if (q == kNone) break;
      if (DashItem(q)) No();
    }
    Close();
  }

  // `indentless`: the value of a map key at the same column, which the
  // map's next key ends.
  void BlockSequence(int ind, bool indentless) {
    size_t q = p_ + static_cast<size_t>(ind);
    Open(q, NodeType::Sequence);
    while (true) {
      const size_t v = SkipSpaces(q + 1);
      if (LineEnd(v)) {
        const Mark empty = MarkAt(q + 1);
        NextLineFrom(v);
        const int i = NextIndent();
        if (i > ind)
          Node(i, ind);
        else
          Scalar(empty, q + 1, 0, true);
      } else if (DashItem(v)) {
        No();  // "- - x"
      } else if (KeyEnd(v) != kNone) {
        BlockMap(v);  // "- key: value", its next keys at that column
      } else {
        InlineValue(v, ind);
      }
      q = NextEntry(ind);
      if (q == kNone) break;
      if (!DashItem(q)) {
        if (!indentless) No();
        break;
      }
    }
    Close();
  }

  // A scalar or a flow collection that ends on its line, in block context;
  // the next line with content must not be deeper than `parent` (that
  // would continue a plain scalar over lines).
  void InlineValue(size_t v, int parent) {
    const char c = s_[v];
    size_t end;
    if (c == '"' || c == '\'')
      end = Quoted(v);
    else if (c == '{' || c == '[')
      end = Flow(v);
    else
      end = PlainBlock(v);
    FinishLine(end);
    if (NextIndent() > parent) No();
  }

  size_t PlainBlock(size_t v) {
    if (!PlainStart(v)) No();
    size_t last = v;
    for (size_t j = v;; ++j) {
      const char c = At(j);
      if (c == '\n' || c == '\0') break;
      if (c == ':' && BlankOrEnd(At(j + 1))) No();  // a map in a value
      if (c == '#' && s_[j - 1] == ' ') break;
      if (c != ' ') last = j + 1;
    }
    Scalar(MarkAt(v), v, last - v, true);
    return last;
  }

  // One line, no escapes: "..." without '\', '...' without ''.
  size_t Quoted(size_t v) {
    const char q = s_[v];
    size_t j = v + 1;
    while (true) {
      const char c = At(j);
      if (c == '\n' || c == '\0') No();
      if (q == '"' && c == '\\') No();
      if (c == q) {
        if (q == '\'' && At(j + 1) == '\'') No();
        break;
      }
      ++j;
    }
    Scalar(MarkAt(v), v + 1, j - v - 1, false);
    return j + 1;
  }

  size_t Flow(size_t v) {
    const char c = At(v);
    if (c == '{') return FlowMap(v);
    if (c == '[') return FlowSequence(v);
    if (c == '"' || c == '\'') return Quoted(v);
    return PlainFlow(v);
  }

  size_t FlowMap(size_t v) {
    Open(v, NodeType::Map);
    size_t j = SkipSpaces(v + 1);
    if (At(j) != '}') {
      while (true) {
        const char k = At(j);
        if (k == '{' || k == '[') No();  // a collection as a key
        const size_t key = j;
        j = SkipSpaces(k == '"' || k == '\'' ? Quoted(j) : PlainFlow(j));
        if (At(j) != ':' || At(j + 1) != ' ') No();
        if (j - key > kMaxKey) No();  // libyaml's simple-key limit
        j = SkipSpaces(j + 1);
        const char val = At(j);
        if (val == ',' || val == '}' || LineEnd(j)) No();  // empty value
        j = SkipSpaces(Flow(j));
        if (At(j) == '}') break;
        if (At(j) != ',') No();
        j = SkipSpaces(j + 1);
        if (At(j) == '}') No();  // a trailing comma
      }
    }
    Close();
    return j + 1;
  }

  size_t FlowSequence(size_t v) {
    Open(v, NodeType::Sequence);
    size_t j = SkipSpaces(v + 1);
    if (At(j) != ']') {
      while (true) {
        const char c = At(j);
        if (c == ',' || c == ']' || LineEnd(j)) No();
        j = SkipSpaces(Flow(j));
        if (At(j) == ']') break;
        if (At(j) != ',') No();  // also "a: b", a map in a list
        j = SkipSpaces(j + 1);
        if (At(j) == ']') No();
      }
    }
    Close();
    return j + 1;
  }

  // A plain scalar in a flow collection: it ends at ',', a bracket, ": " or
  // " #"; a ':' inside only before a letter, digit or '/' ("a:1", "http://").
  size_t PlainFlow(size_t v) {
    if (!PlainStart(v)) No();
    size_t last = v;
    for (size_t j = v;; ++j) {
      const char c = At(j);
      if (c == '\n' || c == '\0' || c == ',' || c == '[' || c == ']' ||
          c == '{' || c == '}')
        break;
      if (c == ':') {
        const char d = At(j + 1);
        if (d == ' ') break;
        if (!((d >= '0' && d <= '9') || (d >= 'a' && d <= 'z') ||
              (d >= 'A' && d <= 'Z') || d == '/'))
          No();
      }
      if (c == '#' && s_[j - 1] == ' ') break;
      if (c != ' ') last = j + 1;
    }
    Scalar(MarkAt(v), v, last - v, true);
    return last;
  }

  const char* s_;
  size_t n_;
  BlockEvents* ev_;
  size_t p_ = 0;  // the start of the line being read, or n_
  size_t line_start_ = 0;
  int line_ = 0;
  int depth_ = 0;
  size_t indent_line_ = kNone;  // where NextIndent last looked
  int indent_ = -1;
  bool ascii_ = true;
  int characters_ = 0;       // in the whole text
  int line_characters_ = 0;  // before line_start_
};

}  // namespace

bool ParseBlockYaml(std::string_view text, BlockEvents* events) {
  // Marks are ints, as libyaml's are read (yaml_reader.cc MarkOf).
  if (text.size() >= (size_t{1} << 31)) return false;
  try {
    Parser(text, events).Run();
    return true;
  } catch (const NotInSubset&) {
    return false;
  }
}

}  // namespace meshsim::yaml
