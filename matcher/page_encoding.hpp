// What a page carries for HTTP caches and browsers, computed once when the
// table is built (never per request).
//
//   PageEncoding e = encode_page(content, ContentType::kXml);
//   e.etag       -> "\"3f2a...e1\""     always: a strong ETag of the bytes served
//   e.gzip       -> the gzip form, or empty (small page, or gzip not smaller)
//   e.gzip_etag  -> "\"3f2a...e1-gz\"" when there is a gzip form, else empty
//
// The ETag is the first 16 bytes of the SHA-256 of the content type's word
// and the content, as 32 lower-case hex digits in quotes: the same page gives
// the same tag in every build and on every edge host, so a cache's tag stays
// valid across syncs and behind a load balancer, and a change of either gives
// another. The gzip form has its own tag (the identity tag with "-gz" inside
// the quotes, as Apache's mod_deflate does), since its bytes differ.
//
// A page gets a gzip form only when it is at least kGzipMinimumBytes long
// and compresses to fewer bytes than it has: below that, the bytes saved fit
// in the packets sent anyway, and the client would pay for inflating them.
// The form is a gzip stream (RFC 1952) with no name and a zero time, so it is
// the same bytes for the same page, made by zlib at its default level.

#ifndef FLECTO_MATCHER_PAGE_ENCODING_HPP_
#define FLECTO_MATCHER_PAGE_ENCODING_HPP_

#include <cstddef>
#include <string>
#include <string_view>

#include "matcher/rule.hpp"

namespace flecto {

// Pages shorter than this are never compressed.
inline constexpr std::size_t kGzipMinimumBytes = 1024;

struct PageEncoding {
  std::string etag;       // quoted strong ETag of the content as served
  std::string gzip;       // the gzip form; empty: none
  std::string gzip_etag;  // its quoted ETag; empty when there is no gzip form

  // Heap bytes held, for TableStats::memory_bytes.
  std::size_t memory_bytes() const;
};

// The quoted ETag of a page with `content` served as `type`.
std::string page_etag(std::string_view content, ContentType type);

// `content` (at most 2 GiB) as one gzip stream. Throws std::bad_alloc only.
std::string gzip_compress(std::string_view content);

// Both, with the gzip form kept only when the rules above allow it.
PageEncoding encode_page(std::string_view content, ContentType type);

}  // namespace flecto

#endif  // FLECTO_MATCHER_PAGE_ENCODING_HPP_
