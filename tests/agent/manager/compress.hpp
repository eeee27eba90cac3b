// Compression for the tests of decoding: what a manager or a proxy in front
// of it would send.

#ifndef FLECTO_TESTS_AGENT_MANAGER_COMPRESS_HPP_
#define FLECTO_TESTS_AGENT_MANAGER_COMPRESS_HPP_

#include <stdexcept>
#include <string>
#include <string_view>

#include <zlib.h>

namespace flecto::test {

enum class Wrapper { kGzip, kZlib, kRaw };

// `gz` inflated as one whole gzip stream; throws std::runtime_error when it
// is not one (bad data, truncated, or bytes after its end).
inline std::string gunzip(const std::string& gz) {
  z_stream stream{};
  if (inflateInit2(&stream, 15 + 16) != Z_OK) throw std::runtime_error("inflateInit2 failed");
  std::string out;
  char buffer[16384];
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
  stream.avail_in = static_cast<uInt>(gz.size());
  int status = Z_OK;
  while (status == Z_OK) {
    stream.next_out = reinterpret_cast<Bytef*>(buffer);
    stream.avail_out = sizeof buffer;
    status = inflate(&stream, Z_NO_FLUSH);
    out.append(buffer, sizeof buffer - stream.avail_out);
  }
  const bool whole = status == Z_STREAM_END && stream.avail_in == 0;
  inflateEnd(&stream);
  if (!whole) throw std::runtime_error("not one whole gzip stream");
  return out;
}

// `text` compressed whole, with the given wrapper.
inline std::string compress(std::string_view text, Wrapper wrapper = Wrapper::kGzip, int level = 6) {
  z_stream stream{};
  const int bits = wrapper == Wrapper::kGzip ? 16 + MAX_WBITS : wrapper == Wrapper::kZlib ? MAX_WBITS : -MAX_WBITS;
  if (deflateInit2(&stream, level, Z_DEFLATED, bits, 9, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::runtime_error("deflateInit2 failed");
  }
  std::string out;
  out.resize(deflateBound(&stream, static_cast<uLong>(text.size())));
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  stream.avail_in = static_cast<uInt>(text.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  const int status = deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  if (status != Z_STREAM_END) throw std::runtime_error("deflate failed");
  return out;
}

// `count` zero bytes, gzip-compressed, built in 1 MiB steps: a "gzip bomb"
// of about count / 1000 bytes.
inline std::string gzip_of_zeros(std::size_t count) {
  z_stream stream{};
  if (deflateInit2(&stream, 9, Z_DEFLATED, 16 + MAX_WBITS, 9, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::runtime_error("deflateInit2 failed");
  }
  const std::string zeros(std::size_t{1} << 20, '\0');
  std::string out;
  char buffer[16384];
  std::size_t left = count;
  int status = Z_OK;
  do {
    const std::size_t chunk = std::min(left, zeros.size());
    left -= chunk;
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(zeros.data()));
    stream.avail_in = static_cast<uInt>(chunk);
    do {
      stream.next_out = reinterpret_cast<Bytef*>(buffer);
      stream.avail_out = sizeof buffer;
      status = deflate(&stream, left == 0 ? Z_FINISH : Z_NO_FLUSH);
      out.append(buffer, sizeof buffer - stream.avail_out);
    } while (stream.avail_out == 0);
  } while (left > 0);
  deflateEnd(&stream);
  if (status != Z_STREAM_END) throw std::runtime_error("deflate failed");
  return out;
}

}  // namespace flecto::test

#endif  // FLECTO_TESTS_AGENT_MANAGER_COMPRESS_HPP_
