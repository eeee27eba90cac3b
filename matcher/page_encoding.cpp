#include "matcher/page_encoding.hpp"

#include <openssl/evp.h>
#include <zlib.h>

#include <climits>
#include <new>

namespace flecto {

namespace {

// zlib counts in 32 bits; pages are far smaller (the manager's are at most
// 1 MiB, a listing page at most 256 MiB), so a larger one is sent as it is.
constexpr std::size_t kGzipMaximumBytes = UINT_MAX / 2;

}  // namespace

std::size_t PageEncoding::memory_bytes() const {
  // A string within its inline buffer holds no heap bytes.
  const auto heap = [](const std::string& s) { return s.capacity() > 15 ? s.capacity() + 1 : 0; };
  return heap(etag) + heap(gzip) + heap(gzip_etag);
}

std::string page_etag(std::string_view content, ContentType type) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (ctx == nullptr) throw std::bad_alloc();
  const std::string_view word = to_string(type);
  const char separator = '\0';  // so that no type word and content can run into another's
  const bool ok = EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) == 1 &&
                  EVP_DigestUpdate(ctx, word.data(), word.size()) == 1 &&
                  EVP_DigestUpdate(ctx, &separator, 1) == 1 &&
                  EVP_DigestUpdate(ctx, content.data(), content.size()) == 1 &&
                  EVP_DigestFinal_ex(ctx, digest, &size) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok || size < 16) throw std::bad_alloc();  // SHA-256 fails only without memory
  static constexpr char kHex[] = "0123456789abcdef";
  std::string tag = "\"";
  for (unsigned int i = 0; i < 16; ++i) {
    tag += kHex[digest[i] >> 4];
    tag += kHex[digest[i] & 0xf];
  }
  tag += '"';
  return tag;
}

std::string gzip_compress(std::string_view content) {
  if (content.size() > kGzipMaximumBytes) throw std::bad_alloc();
  z_stream stream{};
  // windowBits 15 + 16: a gzip wrapper, with zlib's default header (no
  // name, time 0), so the output depends on the content alone.
  if (deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::bad_alloc();
  }
  // deflateBound is enough for the whole stream in one Z_FINISH call.
  std::string out(deflateBound(&stream, static_cast<uLong>(content.size())), '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(content.data()));
  stream.avail_in = static_cast<uInt>(content.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  const int status = deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  if (status != Z_STREAM_END) throw std::bad_alloc();  // cannot happen within the bound
  out.shrink_to_fit();
  return out;
}

PageEncoding encode_page(std::string_view content, ContentType type) {
  PageEncoding encoding;
  encoding.etag = page_etag(content, type);
  if (content.size() >= kGzipMinimumBytes && content.size() <= kGzipMaximumBytes) {
    std::string gzip = gzip_compress(content);
    if (gzip.size() < content.size()) {
      encoding.gzip = std::move(gzip);
      encoding.gzip_etag = encoding.etag;
      encoding.gzip_etag.insert(encoding.gzip_etag.size() - 1, "-gz");
    }
  }
  return encoding;
}

}  // namespace flecto
