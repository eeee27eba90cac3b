// A fresh temporary directory for one test, removed with everything in it.

#ifndef FLECTO_TESTS_SUPPORT_TEMP_DIR_HPP_
#define FLECTO_TESTS_SUPPORT_TEMP_DIR_HPP_

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>

namespace flecto::test {

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "flecto-test-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // The path of `name` inside the directory.
  std::string operator/(std::string_view name) const {
    return (std::filesystem::path(path_) / name).string();
  }
  // Writes `text` to `name` inside the directory and returns its path.
  std::string write(std::string_view name, std::string_view text) const {
    std::string file = *this / name;
    std::ofstream(file, std::ios::binary) << text;
    return file;
  }

 private:
  std::string path_;
};

}  // namespace flecto::test

#endif  // FLECTO_TESTS_SUPPORT_TEMP_DIR_HPP_
