#include "core/json_input.hpp"

#include <filesystem>
#include <set>
#include <vector>

#include "core/error.hpp"

namespace svasim {

using nlohmann::json;

namespace {

// Where the parser is: one frame per open object or array, so a duplicate names its JSON Pointer.
struct Frame {
  bool object = false;
  std::set<std::string> keys;
  std::string key;       // the member being parsed (objects)
  long long index = -1;  // the element being parsed (arrays)
};

std::string pointer_of(const std::vector<Frame>& stack) {
  std::string p;
  for (const Frame& f : stack) {
    if (f.object) {
      std::string t;
      for (char c : f.key) t += c == '~' ? std::string("~0") : c == '/' ? std::string("~1") : std::string(1, c);
      p += "/" + t;
    } else {
      p += "/" + std::to_string(f.index);
    }
  }
  return p;
}

template <class Input>
json parse_checked(Input&& in) {
  std::vector<Frame> stack;
  auto next_element = [&] {
    if (!stack.empty() && !stack.back().object) ++stack.back().index;
  };
  auto open = [&](bool object) {
    next_element();
    if (static_cast<int>(stack.size()) >= kMaxJsonDepth) {
      stack.push_back({object, {}, {}, -1});
      throw InputError(pointer_of(stack), "nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
    }
    stack.push_back({object, {}, {}, -1});
  };
  json::parser_callback_t check = [&](int, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start: open(true); break;
      case json::parse_event_t::array_start: open(false); break;
      case json::parse_event_t::object_end:
      case json::parse_event_t::array_end: stack.pop_back(); break;
      case json::parse_event_t::key: {
        Frame& f = stack.back();
        f.key = parsed.get<std::string>();
        if (!f.keys.insert(f.key).second)
          throw InputError(pointer_of(stack), "the key \"" + f.key + "\" is given twice in this object");
        break;
      }
      case json::parse_event_t::value: next_element(); break;
    }
    return true;
  };
  try {
    return json::parse(std::forward<Input>(in), check);
  } catch (const json::exception& e) {  // syntax errors, and numbers no double can hold
    throw InputError("", std::string("not valid JSON: ") + e.what());
  }
}

}  // namespace

json parse_user_json(std::istream& in) { return parse_checked(in); }
json parse_user_json(const std::string& text) { return parse_checked(text); }

void check_input_file(const std::string& file, const char* what) {
  std::error_code ec;
  const auto status = std::filesystem::status(file, ec);
  if (!std::filesystem::exists(status)) throw InputError("", "no such file");
  if (std::filesystem::is_directory(status)) throw InputError("", std::string("is a directory, not a ") + what);
  if (!std::filesystem::is_regular_file(status)) throw InputError("", "not a regular file");
  const auto size = std::filesystem::file_size(file, ec);
  if (!ec && size > kMaxInputFileBytes)
    throw InputError("", "the file has " + std::to_string(size) + " bytes; a " + what + " may have at most " +
                             std::to_string(kMaxInputFileBytes) + " (64 MiB)");
}

bool is_valid_utf8(const std::string& s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t n = c < 0x80 ? 0 : (c & 0xe0) == 0xc0 ? 1 : (c & 0xf0) == 0xe0 ? 2 : (c & 0xf8) == 0xf0 ? 3 : 4;
    if (n == 4 || (n == 1 && c < 0xc2) || c > 0xf4 || i + n >= s.size() + (n == 0 ? 1 : 0)) return false;
    if (n > 0 && i + n >= s.size()) return false;  // truncated sequence
    for (std::size_t k = 1; k <= n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return false;
    const auto c1 = n > 0 ? static_cast<unsigned char>(s[i + 1]) : 0;
    // No overlong forms, no UTF-16 surrogates, nothing above U+10FFFF.
    if ((c == 0xe0 && c1 < 0xa0) || (c == 0xed && c1 >= 0xa0) || (c == 0xf0 && c1 < 0x90) || (c == 0xf4 && c1 >= 0x90))
      return false;
    i += n + 1;
  }
  return true;
}

}  // namespace svasim
