#include "agent/rules/rules_text.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <new>
#include <utility>

#include "matcher/mapped_array.hpp"

namespace flecto {
namespace {

// What release_before() gives back at a time: a huge page, so that the
// text's huge pages are dropped whole rather than split.
constexpr std::size_t kReleaseUnit = std::size_t{2} << 20;

// Closes a file descriptor on every path out.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// Reads into [at, at + size) until it is full or the file ends; the bytes read.
std::size_t read_into(int fd, char* at, std::size_t size) {
  std::size_t got = 0;
  while (got < size) {
    ssize_t n = ::read(fd, at + got, size - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw RulesText::ReadError("read", errno);
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  return got;
}

}  // namespace

RulesText::ReadError::ReadError(const char* step, int error)
    : std::runtime_error(std::string(step) + ": " + std::strerror(error)), step_(step), error_(error) {}

void RulesText::allocate(std::size_t size) {
  // Pages of its own, zeroed (so the padding is too), on huge pages where the
  // kernel allows: a large file is read with a few hundred page faults, not
  // tens of thousands, and release_before() can give them back.
  data_ = static_cast<char*>(mapped_memory::map(size + simdjson::SIMDJSON_PADDING, &mapped_));
  size_ = size;
}

RulesText RulesText::read(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) throw ReadError("open", errno);
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) throw ReadError("stat", errno);
  RulesText text;
  if (S_ISREG(info.st_mode)) {
    text.allocate(static_cast<std::size_t>(info.st_size));
    text.size_ = read_into(fd.get(), text.data_, text.size_);
    return text;
  }
  // A pipe or a device: its size is known only at its end.
  std::string whole;
  char chunk[65536];
  for (std::size_t n; (n = read_into(fd.get(), chunk, sizeof chunk)) != 0;) whole.append(chunk, n);
  text.allocate(whole.size());
  std::memcpy(text.data_, whole.data(), whole.size());
  return text;
}

RulesText::RulesText(RulesText&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      mapped_(std::exchange(other.mapped_, 0)),
      released_(std::exchange(other.released_, 0)) {}

RulesText& RulesText::operator=(RulesText&& other) noexcept {
  RulesText taken(std::move(other));
  std::swap(data_, taken.data_);
  std::swap(size_, taken.size_);
  std::swap(mapped_, taken.mapped_);
  std::swap(released_, taken.released_);
  return *this;
}

RulesText::~RulesText() {
  if (data_ != nullptr) mapped_memory::unmap(data_, mapped_);
}

void RulesText::release_before(const char* p) {
  if (p < data_ || p > data_ + size_) return;
  const std::size_t end = static_cast<std::size_t>(p - data_) / kReleaseUnit * kReleaseUnit;
  if (end <= released_) return;
  ::madvise(data_ + released_, end - released_, MADV_DONTNEED);
  released_ = end;
}

}  // namespace flecto
