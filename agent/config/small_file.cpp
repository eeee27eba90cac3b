#include "agent/config/small_file.hpp"

#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace flecto {
namespace {

// "no such file or directory": strerror's text, lower-case as in a sentence.
std::string reason_of(int error) {
  std::string reason = std::strerror(error);
  if (!reason.empty()) reason[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(reason[0])));
  return reason;
}

}  // namespace

FileText read_small_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return {std::nullopt, "\"" + path + "\" is a directory, not a file"};
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) return {std::nullopt, "cannot read \"" + path + "\": " + reason_of(errno ? errno : ENOENT)};
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return {std::nullopt, "cannot read \"" + path + "\": " + reason_of(errno ? errno : EIO)};
  return {text.str(), {}};
}

FileText read_secret_file(const std::string& path) {
  FileText file = read_small_file(path);
  if (file.text) {
    std::string& value = *file.text;
    while (!value.empty() && (value.back() == '\n' || value.back() == '\r' || value.back() == ' ')) {
      value.pop_back();
    }
  }
  return file;
}

}  // namespace flecto
