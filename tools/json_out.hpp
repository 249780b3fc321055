// A minimal JSON writer for the C++ tools (one object per line): objects and
// arrays of strings, integers, booleans and nested values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

namespace hardstack::tools {

namespace json_detail {
inline void append_string(std::string& out, std::string_view value) {
  out += '"';
  for (const char c : value) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
}
}  // namespace json_detail

class JsonObject {
 public:
  JsonObject& field(std::string_view key, std::string_view value) {
    key_(key);
    json_detail::append_string(out_, value);
    return *this;
  }
  JsonObject& field(std::string_view key, const char* value) { return field(key, std::string_view(value)); }
  JsonObject& field(std::string_view key, const std::string& value) {
    return field(key, std::string_view(value));
  }
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
  bool empty() const { return out_.empty(); }
  std::string str() const { return "{" + out_ + "}"; }

 private:
  void key_(std::string_view key) {
    if (!out_.empty()) out_ += ',';
    json_detail::append_string(out_, key);
    out_ += ':';
  }
  std::string out_;
};

class JsonArray {
 public:
  JsonArray& push(std::string_view value) {
    sep_();
    json_detail::append_string(out_, value);
    return *this;
  }
  JsonArray& push(const std::string& value) { return push(std::string_view(value)); }
  template <typename T>
  requires(std::is_integral_v<T> && !std::is_same_v<T, bool>) JsonArray& push(T value) {
    sep_();
    out_ += std::to_string(value);
    return *this;
  }
  JsonArray& push(const JsonObject& o) { return raw(o.str()); }
  JsonArray& push(const JsonArray& a) { return raw(a.str()); }
  // `json` must already be valid JSON.
  JsonArray& raw(std::string_view json) {
    sep_();
    out_ += json;
    return *this;
  }
  std::string str() const { return "[" + out_ + "]"; }

 private:
  void sep_() {
    if (!out_.empty()) out_ += ',';
  }
  std::string out_;
};

}  // namespace hardstack::tools
