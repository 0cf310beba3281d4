// A small JSON reader for the state iza-runtime writes itself (state.json). Enough JSON for any
// document (objects, arrays, strings with escapes, numbers, literals); no writer.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace iza {

struct Json {
  enum Type { kNull, kBool, kNumber, kString, kArray, kObject };
  Type type = kNull;
  bool boolean = false;
  double number = 0;
  std::string string;
  std::vector<Json> items;                            // kArray
  std::vector<std::pair<std::string, Json>> members;  // kObject, in document order

  // The member `key` of an object, or nullptr.
  const Json *Find(const std::string &key) const;
};

// Parses `text`; false (and `out` unspecified) unless it is one well-formed JSON value.
bool ParseJson(const std::string &text, Json &out);

}  // namespace iza
