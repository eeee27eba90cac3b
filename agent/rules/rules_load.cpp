#include "agent/rules/rules_load.hpp"

#include <charconv>
#include <cstring>
#include <string_view>

#include "agent/rules/rules_json.hpp"
#include "matcher/table_builder.hpp"

namespace flecto {
namespace {

namespace od = simdjson::ondemand;

// Thrown inside the fast walk: the text is left to parse_rules_json.
struct LeftToParser {};

template <typename T>
T take(simdjson::simdjson_result<T>&& result) {
  T value;
  if (std::move(result).get(value) != simdjson::SUCCESS) throw LeftToParser{};
  return value;
}

// Below the DOM parser's 1024 levels: deeper text is the parser's to judge.
constexpr std::size_t kMaxDepth = 1000;
// How many items are walked between two releases of the text behind.
constexpr std::size_t kReleaseEvery = 4096;

class Walk {
 public:
  explicit Walk(RulesText& text) : text_(text), end_(text.view().data() + text.view().size()) {}

  template <typename Sink>
  std::int64_t run(Sink& sink) {
    od::parser parser;
    od::document doc = take(parser.iterate(text_.padded()));
    od::object root = take(doc.get_object());
    std::int64_t version = 0;
    bool seen_version = false, seen_redirects = false, seen_pages = false;
    for (auto field_result : root) {
      od::field field = take(std::move(field_result));
      const std::string_view key = key_text(field);
      od::value value = field.value();
      if (key_equals(key, "version")) {
        once(&seen_version);
        version = version_of(value);
      } else if (key_equals(key, "redirects")) {
        once(&seen_redirects);
        items(value, [&](od::object item) { redirect(item, sink); });
      } else if (key_equals(key, "pages")) {
        once(&seen_pages);
        items(value, [&](od::object item) { page(item, sink); });
      } else {
        validate(value, 2);
      }
    }
    // Text after the root (`{} x`): the walk is in bounds only then.
    const char* after = nullptr;
    if (doc.current_location().get(after) == simdjson::SUCCESS) throw LeftToParser{};
    return version;
  }

 private:
  // A key given twice counts with its last value: the parser sees to that.
  static void once(bool* seen) {
    if (*seen) throw LeftToParser{};
    *seen = true;
  }

  // The key as written; one with an escape is the parser's.
  std::string_view key_text(od::field& field) const {
    const char* start = reinterpret_cast<const char*>(field.key().raw());
    const auto* quote = static_cast<const char*>(std::memchr(start, '"', static_cast<std::size_t>(end_ - start)));
    if (quote == nullptr || std::memchr(start, '\\', static_cast<std::size_t>(quote - start)) != nullptr) {
      throw LeftToParser{};
    }
    return std::string_view(start, static_cast<std::size_t>(quote - start));
  }

  // A string field: a view into the text, or into the parser's buffer when
  // it holds escapes. Null is empty.
  std::string_view string_of(od::value& value) {
    const od::json_type type = take(value.type());
    if (type == od::json_type::null) {
      if (!take(value.is_null())) throw LeftToParser{};
      return {};
    }
    if (type != od::json_type::string) throw LeftToParser{};
    const char* start = value.raw_json_token().data() + 1;  // past the opening quote
    const auto* quote = static_cast<const char*>(std::memchr(start, '"', static_cast<std::size_t>(end_ - start)));
    if (quote != nullptr && std::memchr(start, '\\', static_cast<std::size_t>(quote - start)) == nullptr) {
      take(value.get_raw_json_string());
      last_ = quote;
      return std::string_view(start, static_cast<std::size_t>(quote - start));
    }
    return take(value.get_string());
  }

  std::int64_t version_of(od::value& value) {
    const od::json_type type = take(value.type());
    if (type == od::json_type::null) {
      if (!take(value.is_null())) throw LeftToParser{};
      return 0;
    }
    std::int64_t version = -1;
    if (type == od::json_type::string) {
      const std::string_view digits = string_of(value);
      auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), version);
      if (ec != std::errc() || end != digits.data() + digits.size()) throw LeftToParser{};
    } else if (type == od::json_type::number) {
      version = take(value.get_int64());
    }
    if (version < 0) throw LeftToParser{};
    return version;
  }

  template <typename PerItem>
  void items(od::value& value, PerItem per_item) {
    const od::json_type type = take(value.type());
    if (type == od::json_type::null) {
      if (!take(value.is_null())) throw LeftToParser{};
      return;
    }
    if (type != od::json_type::array) throw LeftToParser{};
    std::size_t count = 0;
    for (auto element : take(value.get_array())) {
      od::value item = take(std::move(element));
      if (take(item.type()) != od::json_type::object) throw LeftToParser{};
      per_item(take(item.get_object()));
      if (++count % kReleaseEvery == 0 && last_ != nullptr) text_.release_before(last_);
    }
  }

  template <typename Sink>
  void redirect(od::object item, Sink& sink) {
    std::string_view type, source, target, status;
    for (auto field_result : item) {
      od::field field = take(std::move(field_result));
      const std::string_view key = key_text(field);
      od::value value = field.value();
      if (key_equals(key, "type")) type = string_of(value);
      else if (key_equals(key, "source")) source = string_of(value);
      else if (key_equals(key, "target")) target = string_of(value);
      else if (key_equals(key, "status")) status = string_of(value);
      else validate(value, 4);
    }
    sink.add_redirect(type, source, target, status);
  }

  template <typename Sink>
  void page(od::object item, Sink& sink) {
    std::string_view type, path, content, content_type;
    for (auto field_result : item) {
      od::field field = take(std::move(field_result));
      const std::string_view key = key_text(field);
      od::value value = field.value();
      if (key_equals(key, "type")) type = string_of(value);
      else if (key_equals(key, "path")) path = string_of(value);
      else if (key_equals(key, "content")) content = string_of(value);
      else if (key_equals(key, "contentType")) content_type = string_of(value);
      else validate(value, 4);
    }
    sink.add_page(type, path, content, content_type);
  }

  // Reads a value the rules do not use as strictly as the DOM parser would,
  // so that the fast walk takes no text the parser refuses.
  void validate(od::value value, std::size_t depth) {
    if (depth > kMaxDepth) throw LeftToParser{};
    switch (take(value.type())) {
      case od::json_type::object:
        for (auto field_result : take(value.get_object())) {
          od::field field = take(std::move(field_result));
          take(field.unescaped_key());
          validate(field.value(), depth + 1);
        }
        break;
      case od::json_type::array:
        for (auto element : take(value.get_array())) validate(take(std::move(element)), depth + 1);
        break;
      case od::json_type::string: take(value.get_string()); break;
      case od::json_type::number: take(value.get_number()); break;
      case od::json_type::boolean: take(value.get_bool()); break;
      case od::json_type::null:
        if (!take(value.is_null())) throw LeftToParser{};
        break;
    }
  }

  RulesText& text_;
  const char* end_;
  const char* last_ = nullptr;  // the end of the last string taken as a view
};

// Collects what the walk reads, for read_rules_text().
struct RulesSink {
  Rules rules;
  void add_redirect(std::string_view type, std::string_view source, std::string_view target,
                    std::string_view status) {
    rules.redirects.push_back({std::string(type), std::string(source), std::string(target), std::string(status)});
  }
  void add_page(std::string_view type, std::string_view path, std::string_view content,
                std::string_view content_type) {
    rules.pages.push_back({std::string(type), std::string(path), std::string(content), std::string(content_type)});
  }
};

}  // namespace

std::optional<BuildResult> build_rules_text(RulesText& text, const TableOptions& options) {
  TableBuilder builder(options);
  std::int64_t version = 0;
  try {
    version = Walk(text).run(builder);
  } catch (const LeftToParser&) {
    return std::nullopt;
  }
  // The parser is gone; the text goes too before the indexes are built, so
  // that only the table's own copy of the rules is left.
  text.release_before(text.view().data() + text.view().size());
  return std::move(builder).build(version);
}

std::optional<Rules> read_rules_text(RulesText& text) {
  RulesSink sink;
  try {
    sink.rules.version = Walk(text).run(sink);
  } catch (const LeftToParser&) {
    return std::nullopt;
  }
  return std::move(sink.rules);
}

BuildResult load_rules_text(const std::string& path, const TableOptions& options) {
  {
    RulesText text = RulesText::read(path);
    if (std::optional<BuildResult> built = build_rules_text(text, options)) return std::move(*built);
  }
  // Read again: the fast walk gave back what it had read. parse_rules_json
  // words the error, or takes a file the walk left to it after all.
  RulesText text = RulesText::read(path);
  const Rules rules = parse_rules_json(text.view());
  return Table::build(rules, options);
}

BuildResult load_rules_file(const std::string& path, const TableOptions& options) {
  try {
    return load_rules_text(path, options);
  } catch (const RulesText::ReadError& e) {
    throw std::runtime_error(path + (std::strcmp(e.step(), "open") == 0 ? ": cannot open the rules file"
                                                                        : ": cannot read the rules file"));
  } catch (const JsonShapeError& e) {
    throw std::runtime_error(path + ": " + e.what());
  }
}

}  // namespace flecto
