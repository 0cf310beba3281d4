#include "json.h"

#include <stdlib.h>

namespace iza {

const Json *Json::Find(const std::string &key) const {
  for (const auto &m : members) {
    if (m.first == key)
      return &m.second;
  }
  return nullptr;
}

namespace {

// Nesting deeper than this is not a state file.
constexpr int kMaxDepth = 64;

class Reader {
 public:
  explicit Reader(const std::string &text) : s_(text) {}

  bool Document(Json &out) {
    if (!Value(out, 0))
      return false;
    SkipSpace();
    return i_ == s_.size();
  }

 private:
  const std::string &s_;
  size_t i_ = 0;

  void SkipSpace() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r'))
      i_++;
  }

  bool Literal(const char *word) {
    size_t n = 0;
    while (word[n] != '\0') n++;
    if (s_.compare(i_, n, word) != 0)
      return false;
    i_ += n;
    return true;
  }

  static int Hex(char c) {
    if (c >= '0' && c <= '9')
      return c - '0';
    if (c >= 'a' && c <= 'f')
      return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
      return c - 'A' + 10;
    return -1;
  }

  bool Hex4(unsigned *code) {
    if (i_ + 4 > s_.size())
      return false;
    *code = 0;
    for (int k = 0; k < 4; k++) {
      int h = Hex(s_[i_++]);
      if (h < 0)
        return false;
      *code = *code * 16 + static_cast<unsigned>(h);
    }
    return true;
  }

  static void PutUtf8(std::string &out, unsigned cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xc0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xe0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
      out += static_cast<char>(0xf0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    }
  }

  // \uXXXX, with a surrogate pair read as one code point (RFC 8259 section 7).
  bool Unicode(std::string &out) {
    unsigned cp;
    if (!Hex4(&cp))
      return false;
    if (cp >= 0xd800 && cp < 0xdc00) {
      unsigned low;
      if (!Literal("\\u") || !Hex4(&low) || low < 0xdc00 || low >= 0xe000)
        return false;
      cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
    } else if (cp >= 0xdc00 && cp < 0xe000) {
      return false;
    }
    PutUtf8(out, cp);
    return true;
  }

  bool String(std::string &out) {
    if (i_ >= s_.size() || s_[i_] != '"')
      return false;
    i_++;
    while (i_ < s_.size()) {
      char c = s_[i_++];
      if (c == '"')
        return true;
      if (static_cast<unsigned char>(c) < 0x20)
        return false;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (i_ >= s_.size())
        return false;
      char e = s_[i_++];
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out += e;
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u':
          if (!Unicode(out))
            return false;
          break;
        default:
          return false;
      }
    }
    return false;
  }

  bool Number(Json &out) {
    size_t start = i_;
    if (i_ < s_.size() && s_[i_] == '-')
      i_++;
    while (i_ < s_.size() && ((s_[i_] >= '0' && s_[i_] <= '9') || s_[i_] == '.' || s_[i_] == 'e' ||
                              s_[i_] == 'E' || s_[i_] == '+' || s_[i_] == '-'))
      i_++;
    if (i_ == start)
      return false;
    std::string text = s_.substr(start, i_ - start);
    char *end = nullptr;
    out.type = Json::kNumber;
    out.number = strtod(text.c_str(), &end);
    return end != nullptr && *end == '\0';
  }

  bool Array(Json &out, int depth) {
    out.type = Json::kArray;
    i_++;
    SkipSpace();
    if (i_ < s_.size() && s_[i_] == ']') {
      i_++;
      return true;
    }
    for (;;) {
      out.items.emplace_back();
      if (!Value(out.items.back(), depth + 1))
        return false;
      SkipSpace();
      if (i_ >= s_.size())
        return false;
      char c = s_[i_++];
      if (c == ']')
        return true;
      if (c != ',')
        return false;
    }
  }

  bool Object(Json &out, int depth) {
    out.type = Json::kObject;
    i_++;
    SkipSpace();
    if (i_ < s_.size() && s_[i_] == '}') {
      i_++;
      return true;
    }
    for (;;) {
      SkipSpace();
      out.members.emplace_back();
      if (!String(out.members.back().first))
        return false;
      SkipSpace();
      if (i_ >= s_.size() || s_[i_++] != ':')
        return false;
      if (!Value(out.members.back().second, depth + 1))
        return false;
      SkipSpace();
      if (i_ >= s_.size())
        return false;
      char c = s_[i_++];
      if (c == '}')
        return true;
      if (c != ',')
        return false;
    }
  }

  bool Value(Json &out, int depth) {
    if (depth > kMaxDepth)
      return false;
    SkipSpace();
    if (i_ >= s_.size())
      return false;
    switch (s_[i_]) {
      case '{':
        return Object(out, depth);
      case '[':
        return Array(out, depth);
      case '"':
        out.type = Json::kString;
        return String(out.string);
      case 't':
        out.type = Json::kBool;
        out.boolean = true;
        return Literal("true");
      case 'f':
        out.type = Json::kBool;
        return Literal("false");
      case 'n':
        out.type = Json::kNull;
        return Literal("null");
      default:
        return Number(out);
    }
  }
};

}  // namespace

bool ParseJson(const std::string &text, Json &out) {
  out = Json();
  return Reader(text).Document(out);
}

}  // namespace iza
