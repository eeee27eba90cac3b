// Reading the small files the configuration names (the TOML file, token
// files, CA files) whole, with the reason when one cannot be read.
//
//   FileText token = read_secret_file("/etc/flecto-agent/token");
//   if (!token.text) problems.push_back("token_file: " + token.problem);
//
// Never throws for a missing or unreadable file: the problem says why
// ("cannot read \"/x\": permission denied", "\"/x\" is a directory, not a
// file"). Thread-safe (errno is per thread).

#ifndef FLECTO_AGENT_CONFIG_SMALL_FILE_HPP_
#define FLECTO_AGENT_CONFIG_SMALL_FILE_HPP_

#include <optional>
#include <string>

namespace flecto {

struct FileText {
  std::optional<std::string> text;
  std::string problem;  // set when text is not
};

// The whole of the file at `path`.
FileText read_small_file(const std::string& path);

// A token file's contents, trailing newlines (and spaces) removed: a token
// file usually ends with one.
FileText read_secret_file(const std::string& path);

}  // namespace flecto

#endif  // FLECTO_AGENT_CONFIG_SMALL_FILE_HPP_
