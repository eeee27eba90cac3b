// A fresh directory under `parent` for one benchmark run (a state directory,
// an agent's log), removed with what it holds.

#ifndef FLECTO_BENCH_SCRATCH_DIR_HPP_
#define FLECTO_BENCH_SCRATCH_DIR_HPP_

#include <stdlib.h>

#include <filesystem>
#include <stdexcept>
#include <string>

namespace flecto::bench {

class ScratchDir {
 public:
  explicit ScratchDir(const std::string& parent) {
    std::string pattern = (std::filesystem::path(parent) / "flecto-bench-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error(parent + ": cannot make a directory");
    path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  // The path of `name` inside it.
  std::string operator/(const std::string& name) const { return (std::filesystem::path(path_) / name).string(); }

 private:
  std::string path_;
};

}  // namespace flecto::bench

#endif  // FLECTO_BENCH_SCRATCH_DIR_HPP_
