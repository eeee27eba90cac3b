// Decodes an HTTP answer's body as its Content-Encoding says (gzip, deflate
// or none), as the bytes arrive, into a string bounded in size.
//
//   ContentDecoder decoder(res.get_header_value("Content-Encoding"));
//   decoder.feed(chunk, body, max);   // per chunk, as the body arrives
//   decoder.finish();                 // at the end of the body
//
// The bound is on the DECODED bytes: a small compressed body cannot expand
// past `max` (a "gzip bomb" ends with kTooLarge while at most `max` plus one
// 16 KiB buffer is held). A corrupt or truncated stream is kCorrupt, and
// error() says why. Concatenated gzip members are decoded one after another,
// as gunzip does. One decoder per body; not thread-safe.

#ifndef FLECTO_AGENT_MANAGER_CONTENT_DECODER_HPP_
#define FLECTO_AGENT_MANAGER_CONTENT_DECODER_HPP_

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace flecto {

class ContentDecoder {
 public:
  enum class Result { kOk, kTooLarge, kCorrupt };

  // What this client asks for (Accept-Encoding).
  static constexpr const char* kAcceptEncoding = "gzip, deflate";

  // `content_encoding` as the answer sent it: "", "identity", "gzip",
  // "x-gzip" or "deflate" (any case). Another encoding makes every feed()
  // kCorrupt, with error() naming it.
  explicit ContentDecoder(std::string_view content_encoding);
  ~ContentDecoder();
  ContentDecoder(const ContentDecoder&) = delete;
  ContentDecoder& operator=(const ContentDecoder&) = delete;

  // Appends the decoded bytes of `data` to `out`, which must stay within
  // `max` bytes in all.
  Result feed(std::string_view data, std::string& out, std::size_t max);
  // kCorrupt when a compressed body ended before its stream did.
  Result finish();

  // Why the last kCorrupt happened.
  const std::string& error() const { return error_; }
  // The encoding's name for messages ("gzip"), "" when none.
  const std::string& encoding() const { return encoding_; }

 private:
  struct Inflater;
  // Notes why inflate() said `status`; kCorrupt.
  Result corrupt(int status);
  // Appends `size` decoded bytes to `out`; false, with nothing appended,
  // when that would pass `max`.
  bool take(const char* decoded, std::size_t size, std::string& out, std::size_t max);
  std::unique_ptr<Inflater> inflater_;  // null for an identity body
  std::string encoding_;
  std::string error_;
  bool unknown_ = false;
};

}  // namespace flecto

#endif  // FLECTO_AGENT_MANAGER_CONTENT_DECODER_HPP_
