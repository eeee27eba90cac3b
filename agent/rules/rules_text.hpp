// The text of a rules file or snapshot, read once into memory of its own
// with simdjson's padding after it, so that the parser reads it in place.
// The part already parsed can be given back to the system while the rest is
// read, so that a large file does not sit in memory next to the table built
// from it.
//
//   flecto::RulesText text = flecto::RulesText::read(path);  // throws RulesText::ReadError
//   parse(text.padded());
//   text.release_before(parsed_up_to);                        // those bytes now read as zeros

#ifndef FLECTO_AGENT_RULES_RULES_TEXT_HPP_
#define FLECTO_AGENT_RULES_RULES_TEXT_HPP_

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

#include <simdjson.h>

namespace flecto {

class RulesText {
 public:
  // A file that cannot be opened or read: `step` is "open", "stat" or
  // "read", `error` the errno; what() is "<step>: <strerror>".
  class ReadError : public std::runtime_error {
   public:
    ReadError(const char* step, int error);
    const char* step() const { return step_; }
    int error() const { return error_; }

   private:
    const char* step_;
    int error_;
  };

  // Reads the whole file (a file that shrinks meanwhile gives what is left).
  static RulesText read(const std::string& path);

  RulesText(RulesText&& other) noexcept;
  RulesText& operator=(RulesText&& other) noexcept;
  RulesText(const RulesText&) = delete;
  RulesText& operator=(const RulesText&) = delete;
  ~RulesText();

  std::string_view view() const { return {data_, size_}; }
  simdjson::padded_string_view padded() const {
    return simdjson::padded_string_view(data_, size_, size_ + simdjson::SIMDJSON_PADDING);
  }

  // Gives back the whole pages before `p`, a pointer into the text; the
  // bytes there read as zeros afterwards.
  void release_before(const char* p);

 private:
  RulesText() = default;
  void allocate(std::size_t size);

  char* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t mapped_ = 0;
  std::size_t released_ = 0;  // bytes from data_ given back
};

}  // namespace flecto

#endif  // FLECTO_AGENT_RULES_RULES_TEXT_HPP_
