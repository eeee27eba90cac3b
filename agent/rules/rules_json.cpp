#include "agent/rules/rules_json.hpp"

#include <charconv>
#include <fstream>
#include <sstream>

#include "agent/text/ascii.hpp"

namespace flecto {
namespace {

using simdjson::dom::element_type;

// A string field: null is empty; anything but a string is an error.
std::string string_field(simdjson::dom::element value, std::string_view where) {
  if (value.is_null()) return {};
  if (!value.is_string()) throw JsonShapeError(std::string(where) + ": expected a string");
  return std::string(std::string_view(value.get_string()));
}

template <typename Item, typename ItemReader>
std::vector<Item> read_array(simdjson::dom::element value, std::string_view name, ItemReader read_item) {
  std::vector<Item> items;
  if (value.is_null()) return items;
  if (!value.is_array()) throw JsonShapeError(std::string(name) + ": expected an array");
  simdjson::dom::array array = value.get_array();
  items.reserve(array.size());
  std::size_t index = 0;
  for (simdjson::dom::element element : array) {
    std::string where = std::string(name) + "[" + std::to_string(index++) + "]";
    if (!element.is_object()) throw JsonShapeError(where + ": expected an object");
    items.push_back(read_item(element.get_object(), where));
  }
  return items;
}

// The offset of the last key an incremental parse read before failing.
std::size_t last_key_before_error(std::string_view text) {
  simdjson::padded_string padded(text);
  simdjson::ondemand::parser parser;
  const char* last = padded.data();
  // Walks every value depth-first; throws at the first syntax error. The
  // on-demand parser does not limit depth (its development checks, on in
  // debug builds, assert it stays below max_depth), and this walk recurses:
  // stop a little before the DOM parser's limit (a million nested arrays
  // overflowed the stack).
  const std::size_t max_depth = parser.max_depth() - 8;
  auto walk = [&](auto&& self, simdjson::ondemand::value value, std::size_t depth) -> void {
    if (depth > max_depth) throw simdjson::simdjson_error(simdjson::DEPTH_ERROR);
    switch (value.type()) {
      case simdjson::ondemand::json_type::object:
        for (auto field : value.get_object()) {
          last = reinterpret_cast<const char*>(field.key().value().raw());
          self(self, field.value(), depth + 1);
        }
        break;
      case simdjson::ondemand::json_type::array:
        for (auto element : value.get_array()) self(self, element.value(), depth + 1);
        break;
      case simdjson::ondemand::json_type::string: (void)value.get_raw_json_string().value(); break;
      case simdjson::ondemand::json_type::number: (void)value.get_double().value(); break;
      case simdjson::ondemand::json_type::boolean: (void)value.get_bool().value(); break;
      case simdjson::ondemand::json_type::null: (void)value.is_null(); break;
    }
  };
  try {
    simdjson::ondemand::document doc = parser.iterate(padded);
    simdjson::ondemand::value top = doc.get_value();
    walk(walk, top, 1);
  } catch (const simdjson::simdjson_error&) {
  }
  return static_cast<std::size_t>(last - padded.data());
}

}  // namespace

std::int64_t version_from_json(simdjson::dom::element value) {
  std::int64_t version = -1;
  if (value.is_int64()) {
    version = value.get_int64();
  } else if (value.is_string()) {
    std::string_view text = value.get_string();
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), version);
    if (ec != std::errc() || end != text.data() + text.size()) version = -1;
  }
  if (version < 0) throw JsonShapeError("version: expected a non-negative integer or a string of digits");
  return version;
}

bool key_equals(std::string_view key, std::string_view name) { return ascii_iequals(key, name); }

std::string describe_position(std::string_view text, std::size_t offset) {
  std::size_t line = 1, column = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

std::string locate_json_error(std::string_view text) {
  return describe_position(text, last_key_before_error(text));
}

Redirect redirect_from_json(simdjson::dom::object item, std::string_view where) {
  Redirect r;
  for (auto [key, value] : item) {
    auto path = [&](const char* name) { return std::string(where) + "." + name; };
    if (key_equals(key, "type")) r.type = string_field(value, path("type"));
    else if (key_equals(key, "source")) r.source = string_field(value, path("source"));
    else if (key_equals(key, "target")) r.target = string_field(value, path("target"));
    else if (key_equals(key, "status")) r.status = string_field(value, path("status"));
  }
  return r;
}

Page page_from_json(simdjson::dom::object item, std::string_view where) {
  Page p;
  for (auto [key, value] : item) {
    auto path = [&](const char* name) { return std::string(where) + "." + name; };
    if (key_equals(key, "type")) p.type = string_field(value, path("type"));
    else if (key_equals(key, "path")) p.path = string_field(value, path("path"));
    else if (key_equals(key, "content")) p.content = string_field(value, path("content"));
    else if (key_equals(key, "contentType")) p.content_type = string_field(value, path("contentType"));
  }
  return p;
}

Rules parse_rules_json(std::string_view text) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (auto error = parser.parse(text.data(), text.size()).get(root)) {
    throw JsonShapeError("malformed JSON near " + locate_json_error(text) + ": " +
                         simdjson::error_message(error));
  }
  if (!root.is_object()) throw JsonShapeError("expected a JSON object at the top");
  Rules rules;
  for (auto [key, value] : root.get_object()) {
    if (key_equals(key, "version")) rules.version = value.is_null() ? 0 : version_from_json(value);
    else if (key_equals(key, "redirects")) rules.redirects = read_array<Redirect>(value, "redirects", redirect_from_json);
    else if (key_equals(key, "pages")) rules.pages = read_array<Page>(value, "pages", page_from_json);
  }
  return rules;
}

Rules read_rules_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot open the rules file");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw std::runtime_error(path + ": cannot read the rules file");
  try {
    return parse_rules_json(text.str());
  } catch (const JsonShapeError& e) {
    throw std::runtime_error(path + ": " + e.what());
  }
}

std::string shorten_utf8(std::string_view text, std::size_t max) {
  if (text.size() <= max) return std::string(text);
  std::size_t end = max;
  // Back off over continuation bytes (10xxxxxx) to the start of a character.
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return std::string(text.substr(0, end)) + "...";
}

void append_redirect_fields_json(std::string& out, std::string_view type, std::string_view source,
                                 std::string_view target, std::string_view status) {
  out += "{\"type\":";
  append_json_string(out, type);
  out += ",\"source\":";
  append_json_string(out, source);
  out += ",\"target\":";
  append_json_string(out, target);
  out += ",\"status\":";
  append_json_string(out, status);
  out += '}';
}

void append_page_fields_json(std::string& out, std::string_view type, std::string_view path,
                             std::string_view content, std::string_view content_type) {
  out += "{\"type\":";
  append_json_string(out, type);
  out += ",\"path\":";
  append_json_string(out, path);
  out += ",\"contentType\":";
  append_json_string(out, content_type);
  out += ",\"content\":";
  append_json_string(out, content);
  out += '}';
}

void append_redirect_json(std::string& out, const Redirect& r) {
  append_redirect_fields_json(out, r.type, r.source, r.target, r.status);
}

void append_page_json(std::string& out, const Page& p) {
  append_page_fields_json(out, p.type, p.path, p.content, p.content_type);
}

std::string rules_to_json(const Rules& rules) {
  std::string out = "{\"version\":" + std::to_string(rules.version) + ",\n\"redirects\":[";
  for (std::size_t i = 0; i < rules.redirects.size(); ++i) {
    out += i ? ",\n" : "\n";
    append_redirect_json(out, rules.redirects[i]);
  }
  out += "],\n\"pages\":[";
  for (std::size_t i = 0; i < rules.pages.size(); ++i) {
    out += i ? ",\n" : "\n";
    append_page_json(out, rules.pages[i]);
  }
  out += "]}\n";
  return out;
}

}  // namespace flecto
