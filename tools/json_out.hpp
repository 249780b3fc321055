// A minimal JSON object writer for the C++ tools (one object per line).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

namespace hardstack::tools {

class JsonObject {
 public:
  JsonObject& field(std::string_view key, std::string_view value) {
    key_(key);
    out_ += '"';
    for (const char c : value) {
      if (c == '"' || c == '\\') out_ += '\\';
      out_ += c;
    }
    out_ += '"';
    return *this;
  }
  JsonObject& field(std::string_view key, const char* value) { return field(key, std::string_view(value)); }
  template <typename T>
  requires(std::is_integral_v<T> && !std::is_same_v<T, bool>) JsonObject& field(std::string_view key,
                                                                                T value) {
    key_(key);
    out_ += std::to_string(value);
    return *this;
  }
  JsonObject& field(std::string_view key, bool value) {
    key_(key);
    out_ += value ? "true" : "false";
    return *this;
  }
  // `json` must already be valid JSON (an object or array).
  JsonObject& raw(std::string_view key, std::string_view json) {
    key_(key);
    out_ += json;
    return *this;
  }
  std::string str() const { return "{" + out_ + "}"; }

 private:
  void key_(std::string_view key) {
    if (!out_.empty()) out_ += ',';
    out_ += '"';
    out_ += key;
    out_ += "\":";
  }
  std::string out_;
};

}  // namespace hardstack::tools
