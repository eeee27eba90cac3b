#include "agent/manager/content_decoder.hpp"

#include <algorithm>
#include <cctype>

#include <zlib.h>

namespace flecto {
namespace {

std::string lower_trimmed(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  std::string out;
  for (const char byte : text) out += static_cast<char>(std::tolower(static_cast<unsigned char>(byte)));
  return out;
}

// zlib's window bits: 15 plus 16 for a gzip wrapper only, plus 32 for
// either a gzip or a zlib wrapper; negative for raw deflate.
constexpr int kGzipOnly = 16 + MAX_WBITS;
constexpr int kGzipOrZlib = 32 + MAX_WBITS;
constexpr int kRawDeflate = -MAX_WBITS;

}  // namespace

struct ContentDecoder::Inflater {
  z_stream stream{};
  bool deflate_may_be_raw;  // "deflate" is meant as zlib, but some servers send raw deflate
  std::string head;         // the input so far, while deflate_may_be_raw: replayed as raw deflate
  bool produced = false;
  bool ended = false;       // the current stream (gzip member) ended
  bool started = false;     // any input seen
  int window_bits;

  Inflater(int bits, bool may_be_raw) : deflate_may_be_raw(may_be_raw), window_bits(bits) {
    inflateInit2(&stream, window_bits);
  }
  ~Inflater() { inflateEnd(&stream); }

  void restart(int bits) {
    inflateEnd(&stream);
    stream = z_stream{};
    window_bits = bits;
    inflateInit2(&stream, window_bits);
  }
};

ContentDecoder::ContentDecoder(std::string_view content_encoding) : encoding_(lower_trimmed(content_encoding)) {
  if (encoding_.empty() || encoding_ == "identity") {
    encoding_.clear();
  } else if (encoding_ == "gzip" || encoding_ == "x-gzip") {
    inflater_ = std::make_unique<Inflater>(kGzipOnly, false);
  } else if (encoding_ == "deflate") {
    inflater_ = std::make_unique<Inflater>(kGzipOrZlib, true);
  } else {
    unknown_ = true;
  }
}

ContentDecoder::~ContentDecoder() = default;

ContentDecoder::Result ContentDecoder::corrupt(int status) {
  const z_stream& stream = inflater_->stream;
  error_ = "the " + encoding_ + " answer is corrupt (" +
           (stream.msg ? std::string(stream.msg) : "zlib error " + std::to_string(status)) + ")";
  return Result::kCorrupt;
}

bool ContentDecoder::take(const char* decoded, std::size_t size, std::string& out, std::size_t max) {
  if (size == 0) return true;
  inflater_->produced = true;
  if (out.size() + size > max) return false;
  out.append(decoded, size);
  return true;
}

ContentDecoder::Result ContentDecoder::feed(std::string_view data, std::string& out, std::size_t max) {
  if (unknown_) {
    error_ = "the answer's Content-Encoding \"" + encoding_ + "\" is not one this agent asked for (" +
             kAcceptEncoding + ")";
    return Result::kCorrupt;
  }
  if (!inflater_) {
    if (out.size() + data.size() > max) return Result::kTooLarge;
    out.append(data);
    return Result::kOk;
  }
  Inflater& z = *inflater_;
  if (!data.empty()) z.started = true;
  const std::string_view whole = data;
  char buffer[16384];
  while (!data.empty()) {
    if (z.ended) {
      // Another gzip member follows, as `gunzip` accepts; anything else
      // after a zlib stream is garbage.
      if (z.window_bits != kGzipOnly) {
        error_ = "the " + encoding_ + " answer has bytes after its end";
        return Result::kCorrupt;
      }
      inflateReset(&z.stream);
      z.ended = false;
    }
    const std::size_t chunk = std::min<std::size_t>(data.size(), 1u << 30);
    z.stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    z.stream.avail_in = static_cast<uInt>(chunk);
    z.stream.next_out = reinterpret_cast<Bytef*>(buffer);
    z.stream.avail_out = sizeof buffer;
    const int status = inflate(&z.stream, Z_NO_FLUSH);
    const std::size_t consumed = chunk - z.stream.avail_in;
    const std::size_t produced = sizeof buffer - z.stream.avail_out;
    if (status == Z_DATA_ERROR && z.deflate_may_be_raw && !z.produced) {
      // Not a zlib or gzip stream: decode everything so far as raw deflate.
      std::string replay = std::move(z.head);
      replay.append(whole);
      z.deflate_may_be_raw = false;
      z.restart(kRawDeflate);
      return feed(replay, out, max);
    }
    if (status != Z_OK && status != Z_STREAM_END && !(status == Z_BUF_ERROR && consumed + produced > 0)) {
      return corrupt(status);
    }
    if (!take(buffer, produced, out, max)) return Result::kTooLarge;
    data.remove_prefix(consumed);
    if (status == Z_STREAM_END) z.ended = true;
    if (status == Z_STREAM_END || consumed > 0 || produced > 0) continue;
    break;  // no progress: wait for more input
  }
  // A zlib header is two bytes: past a few, the stream is what it said.
  if (z.deflate_may_be_raw) {
    if (z.head.size() + whole.size() <= 64 && !z.produced) {
      z.head.append(whole);
    } else {
      z.deflate_may_be_raw = false;
      z.head.clear();
    }
  }
  // Drain what inflate still holds for this input (its output buffer was full).
  while (!z.ended) {
    z.stream.next_in = nullptr;
    z.stream.avail_in = 0;
    z.stream.next_out = reinterpret_cast<Bytef*>(buffer);
    z.stream.avail_out = sizeof buffer;
    const int status = inflate(&z.stream, Z_NO_FLUSH);
    const std::size_t produced = sizeof buffer - z.stream.avail_out;
    if (status == Z_DATA_ERROR || status == Z_MEM_ERROR || status == Z_NEED_DICT) return corrupt(status);
    if (!take(buffer, produced, out, max)) return Result::kTooLarge;
    if (status == Z_STREAM_END) z.ended = true;
    if (produced == 0) break;
  }
  return Result::kOk;
}

ContentDecoder::Result ContentDecoder::finish() {
  if (unknown_) {
    error_ = "the answer's Content-Encoding \"" + encoding_ + "\" is not one this agent asked for (" +
             kAcceptEncoding + ")";
    return Result::kCorrupt;
  }
  if (!inflater_) return Result::kOk;
  // An empty body with a Content-Encoding (a 204, a HEAD) is no stream at all.
  if (!inflater_->started) return Result::kOk;
  if (!inflater_->ended) {
    error_ = "the " + encoding_ + " answer ends before its compressed stream does (truncated or corrupt)";
    return Result::kCorrupt;
  }
  return Result::kOk;
}

}  // namespace flecto
