#include "agent/sync/snapshot.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <vector>

#include "agent/rules/rules_json.hpp"
#include "agent/rules/rules_load.hpp"
#include "agent/text/json_string.hpp"

namespace flecto {
namespace {

// A temporary file is the snapshot's name, this, and mkstemp's six characters.
constexpr std::string_view kTemporarySuffix = ".tmp-";

[[noreturn]] void fail_errno(const std::string& path, const char* step, int error) {
  throw SnapshotError(path + ": " + step + ": " + std::strerror(error));
}

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
  // Closes now, reporting the error close() can give on some file systems.
  int close() {
    int rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }

 private:
  int fd_;
};

// Whether the snapshot file is there; SnapshotError when that cannot be told
// (a directory that cannot be searched, say), which is not "no snapshot".
bool snapshot_exists(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) return true;
  if (ec && ec != std::errc::no_such_file_or_directory) throw SnapshotError(path + ": " + ec.message());
  return false;
}

std::string read_whole_file(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) fail_errno(path, "open", errno);
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) fail_errno(path, "stat", errno);
  // One allocation of the right size: a snapshot of a million rules is ~150 MB.
  std::string text(static_cast<std::size_t>(info.st_size), '\0');
  std::size_t got = 0;
  while (got < text.size()) {
    ssize_t n = ::read(fd.get(), text.data() + got, text.size() - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail_errno(path, "read", errno);
    }
    if (n == 0) break;  // shrank while reading: parse what is there
    got += static_cast<std::size_t>(n);
  }
  text.resize(got);
  return text;
}

// Removes what earlier writes that never reached their rename left behind
// (the process killed, the power lost): each is a whole snapshot's size.
// Only one agent writes to a state directory, so none is in use.
void remove_stale_temporaries(const std::string& state_dir, const std::string& name) {
  const std::string prefix = name + std::string(kTemporarySuffix);
  std::error_code ec;
  std::vector<std::filesystem::path> stale;
  for (auto it = std::filesystem::directory_iterator(state_dir, ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    const std::string entry = it->path().filename().string();
    if (entry.size() == prefix.size() + 6 && entry.starts_with(prefix)) stale.push_back(it->path());
  }
  for (const auto& path : stale) std::filesystem::remove(path, ec);
}

}  // namespace

std::string snapshot_path(const std::string& state_dir, const std::string& name) {
  return (std::filesystem::path(state_dir) / name).string();
}

// The buffer's size at which it is written out: large writes, a bounded buffer.
constexpr std::size_t kWriteChunk = std::size_t{1} << 20;

SnapshotWriter::SnapshotWriter(const std::string& state_dir, std::int64_t version, const std::string& name)
    : state_dir_(state_dir), path_(snapshot_path(state_dir, name)) {
  std::error_code ec;
  std::filesystem::create_directories(state_dir, ec);
  if (ec) throw SnapshotError(state_dir + ": create directory: " + ec.message());
  remove_stale_temporaries(state_dir, name);
  // The temporary file lives in the same directory so that rename() is atomic.
  std::string temp = path_ + std::string(kTemporarySuffix) + "XXXXXX";
  fd_ = ::mkstemp(temp.data());
  if (fd_ < 0) fail_errno(path_, "create temporary file", errno);
  temp_ = std::move(temp);
  ::fchmod(fd_, 0640);  // mkstemp makes 0600; group read suits a service's admins
  buffer_.reserve(kWriteChunk + 4096);
  // The text rules_to_json() writes, piece by piece.
  buffer_ = "{\"version\":" + std::to_string(version) + ",\n\"redirects\":[";
}

SnapshotWriter::~SnapshotWriter() {
  if (fd_ >= 0) ::close(fd_);
  if (!temp_.empty()) ::unlink(temp_.c_str());
}

void SnapshotWriter::fail(const char* step, int error) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (!temp_.empty()) ::unlink(temp_.c_str());
  temp_.clear();
  fail_errno(path_, step, error);
}

void SnapshotWriter::flush() {
  if (fd_ < 0) throw SnapshotError(path_ + ": write: the snapshot is closed");
  const char* p = buffer_.data();
  std::size_t left = buffer_.size();
  while (left > 0) {
    ssize_t n = ::write(fd_, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("write", errno);
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  buffer_.clear();
}

void SnapshotWriter::add_redirect(std::string_view type, std::string_view source, std::string_view target,
                                  std::string_view status) {
  if (in_pages_) throw std::logic_error("snapshot: a redirect after the pages began");
  buffer_ += redirects_++ ? ",\n" : "\n";
  append_redirect_fields_json(buffer_, type, source, target, status);
  if (buffer_.size() >= kWriteChunk) flush();
}

void SnapshotWriter::add_page(std::string_view type, std::string_view path, std::string_view content,
                              std::string_view content_type) {
  if (!in_pages_) {
    buffer_ += "],\n\"pages\":[";
    in_pages_ = true;
  }
  buffer_ += pages_++ ? ",\n" : "\n";
  append_page_fields_json(buffer_, type, path, content, content_type);
  if (buffer_.size() >= kWriteChunk) flush();
}

void SnapshotWriter::commit() {
  if (!in_pages_) buffer_ += "],\n\"pages\":[";
  in_pages_ = true;
  buffer_ += "]}\n";
  flush();
  if (::fsync(fd_) != 0) fail("fsync", errno);
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) fail("close", errno);
  if (::rename(temp_.c_str(), path_.c_str()) != 0) fail("rename", errno);
  temp_.clear();
  // Makes the rename itself durable.
  Fd dir(::open(state_dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() < 0) fail_errno(state_dir_, "open directory", errno);
  if (::fsync(dir.get()) != 0) fail_errno(state_dir_, "fsync directory", errno);
}

void write_snapshot(const std::string& state_dir, const Rules& rules, const std::string& name) {
  SnapshotWriter writer(state_dir, rules.version, name);
  for (const Redirect& r : rules.redirects) writer.add_redirect(r.type, r.source, r.target, r.status);
  for (const Page& p : rules.pages) writer.add_page(p.type, p.path, p.content, p.content_type);
  writer.commit();
}

std::optional<Rules> read_snapshot(const std::string& state_dir, const std::string& name) {
  const std::string path = snapshot_path(state_dir, name);
  if (!snapshot_exists(path)) return std::nullopt;
  std::string text = read_whole_file(path);
  try {
    return parse_rules_json(text);
  } catch (const JsonShapeError& e) {
    throw SnapshotError(path + ": " + e.what());
  }
}

std::optional<BuildResult> load_snapshot(const std::string& state_dir, const TableOptions& options,
                                         const std::string& name) {
  const std::string path = snapshot_path(state_dir, name);
  if (!snapshot_exists(path)) return std::nullopt;
  try {
    return load_rules_text(path, options);
  } catch (const RulesText::ReadError& e) {
    throw SnapshotError(path + ": " + e.what());
  } catch (const JsonShapeError& e) {
    throw SnapshotError(path + ": " + e.what());
  }
}

std::optional<std::int64_t> read_snapshot_version(const std::string& state_dir, const std::string& name) {
  try {
    if (auto rules = read_snapshot(state_dir, name)) return rules->version;
  } catch (const SnapshotError&) {
  }
  return std::nullopt;
}

}  // namespace flecto
