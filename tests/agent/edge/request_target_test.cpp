// The host and uri the edge matches on (agent/edge/request_target.hpp),
// against shared/matching.md "Inputs": every example there, every byte in a
// path and a query, the absolute form, and the refusals.
#include <catch2/catch.hpp>

#include <cctype>
#include <string>
#include <string_view>
#include <vector>

#include "agent/edge/request_target.hpp"

using namespace flecto;
using namespace std::string_literals;

namespace {

// The uri, or "400" when refused (no valid uri is "400": it has no '/').
std::string uri_of(std::string_view target, std::string_view host = "example.com") {
  std::string buffer;
  const MatchInput in = read_match_input(target, host, buffer);
  if (in.status != 0) return std::to_string(in.status);
  return std::string(in.uri);
}

std::string host_of(std::string_view target, std::string_view host = "header.example") {
  std::string buffer;
  const MatchInput in = read_match_input(target, host, buffer);
  REQUIRE(in.status == 0);
  return std::string(in.host);
}

std::string hex2(unsigned char c) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  return {'%', kHex[c >> 4], kHex[c & 0xf]};
}

bool is_one_of(unsigned char c, std::string_view set) { return set.find(static_cast<char>(c)) != std::string_view::npos; }
bool is_alnum(unsigned char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

// The path is validly encoded ASCII: the bytes matching.md lists and %XX.
bool validly_encoded_path(std::string_view path) {
  for (std::size_t i = 0; i < path.size(); ++i) {
    const auto c = static_cast<unsigned char>(path[i]);
    if (c == '%') {
      if (i + 2 >= path.size() || !std::isxdigit(static_cast<unsigned char>(path[i + 1])) ||
          !std::isxdigit(static_cast<unsigned char>(path[i + 2]))) {
        return false;
      }
      i += 2;
    } else if (!is_alnum(c) && !is_one_of(c, "-._~!$&'()*+,;=:@[]/")) {
      return false;
    }
  }
  return true;
}

}  // namespace

TEST_CASE("request target: the examples of matching.md", "[edge][request_target]") {
  CHECK(uri_of("/caf\xC3\xA9") == "/caf%C3%A9");
  CHECK(uri_of("/a\"b") == "/a%22b");
  CHECK(uri_of("/a!\"b") == "/a%21%22b");
  CHECK(uri_of("/go/%41\"") == "/go/A%22");
  CHECK(uri_of("/go/%41") == "/go/%41");  // validly encoded: the escape is kept
  CHECK(uri_of("/a%2Fb") == "/a%2Fb");
  CHECK(uri_of("/caf%c3%a9") == "/caf%c3%a9");  // lower case kept
  CHECK(uri_of("/old?") == "/old?");            // a lone '?'
  CHECK(uri_of("/old?utm=a\"b&c=\xC3\xA9") == "/old?utm=a\"b&c=\xC3\xA9");  // the query byte for byte
  CHECK(uri_of("/a\"b?x=\"y\"") == "/a%22b?x=\"y\"");  // re-encoding stops at the first '?'
  CHECK(uri_of("/a?b?c") == "/a?b?c");
  CHECK(uri_of("/a??") == "/a??");
  CHECK(uri_of("/a\"??") == "/a%22??");
  // Nothing else changes: no dot segments, slashes or case touched.
  CHECK(uri_of("/x/../A//b/./") == "/x/../A//b/./");
  CHECK(uri_of("//evil.example/x") == "//evil.example/x");
  // The whole path is rebuilt from its decoded form once one byte needs it:
  // %2F becomes a slash, and !'()*[] are escaped.
  CHECK(uri_of("/a%2Fb\\") == "/a/b%5C");
  CHECK(uri_of("/!'()*[]\"") == "/%21%27%28%29%2A%5B%5D%22");
  CHECK(uri_of("/%c3%a9\"") == "/%C3%A9%22");
  CHECK(uri_of("/%00\"") == "/%00%22");  // a decoded control byte is escaped again
  CHECK(uri_of("/a#b") == "/a%23b");
  CHECK(uri_of("/a b") == "/a%20b");  // a space never comes from the parser; Go escapes it
}

TEST_CASE("request target: every byte in a path is kept, escaped or refused", "[edge][request_target]") {
  for (int b = 0; b < 256; ++b) {
    const auto c = static_cast<unsigned char>(b);
    const std::string byte(1, static_cast<char>(c));
    INFO("byte " << b);
    const std::string alone = uri_of("/a" + byte + "b");
    const std::string reencoded = uri_of("/\"a" + byte + "b");  // a '"' forces re-encoding
    if (c < 0x20 || c == 0x7f) {
      CHECK(alone == "400");
      CHECK(reencoded == "400");
    } else if (c == '%') {
      CHECK(alone == "400");  // "%b" then the end: not an escape
      CHECK(reencoded == "400");
    } else if (c == '?') {
      CHECK(alone == "/a?b");
      CHECK(reencoded == "/%22a?b");
    } else if (is_alnum(c) || is_one_of(c, "-._~$&+,/:;=@")) {
      CHECK(alone == "/a" + byte + "b");
      CHECK(reencoded == "/%22a" + byte + "b");
    } else if (is_one_of(c, "!'()*[]")) {  // validly encoded, but escaped by Go's EscapedPath
      CHECK(alone == "/a" + byte + "b");
      CHECK(reencoded == "/%22a" + hex2(c) + "b");
    } else {
      CHECK(alone == "/a" + hex2(c) + "b");
      CHECK(reencoded == "/%22a" + hex2(c) + "b");
    }
  }
}

TEST_CASE("request target: every byte in a query is kept or refused", "[edge][request_target]") {
  for (int b = 0; b < 256; ++b) {
    const auto c = static_cast<unsigned char>(b);
    const std::string byte(1, static_cast<char>(c));
    INFO("byte " << b);
    const std::string uri = uri_of("/a?x=" + byte + "y");
    if (c < 0x20 || c == 0x7f || c == '%') {
      CHECK(uri == "400");
    } else {
      CHECK(uri == "/a?x=" + byte + "y");
    }
  }
}

TEST_CASE("request target: invalid escapes are refused, in the path and the query", "[edge][request_target]") {
  for (const std::string target :
       {"/a%zz", "/a%", "/a%4", "/a%4g", "/a%g4", "/%", "/a%%41", "/a%2", "/caf\xC3\xA9%zz",
        "/a?%zz", "/a?x=%", "/a?x=%4", "/a?x=100%", "/a\"?%zz", "http://example.com/a%",
        "http://example.com?%zz"}) {
    INFO(target);
    CHECK(uri_of(target) == "400");
  }
  // A valid escape next to them is fine, in both places.
  CHECK(uri_of("/a%41?x=%7A%7a") == "/a%41?x=%7A%7a");
  CHECK(uri_of("/%25zz") == "/%25zz");
}

TEST_CASE("request target: control bytes are refused anywhere", "[edge][request_target]") {
  for (const std::string& target : {"/a\x01"s, "/a\0b"s, "/a\x7f"s, "/a?b\r\n"s, "/a\"\x1b"s,
                                   "http://example.com/\t"s, "http://exa\nmple.com/"s}) {
    INFO(target);
    CHECK(uri_of(target) == "400");
  }
}

TEST_CASE("request target: the absolute form gives its authority as the host", "[edge][request_target]") {
  std::string buffer = "untouched";
  MatchInput in = read_match_input("http://example.com/old?x=1", "other.example", buffer);
  CHECK(in.status == 0);
  CHECK(in.host == "example.com");
  CHECK(in.uri == "/old?x=1");
  CHECK(host_of("https://example.com:8443/old") == "example.com:8443");
  CHECK(uri_of("https://example.com:8443/old") == "/old");
  // The scheme in any case, as Go's url.Parse reads it; the host as received.
  CHECK(host_of("HTTP://Example.COM/x") == "Example.COM");
  CHECK(uri_of("HTTP://Example.COM/x") == "/x");
  CHECK(host_of("hTtPs://a.example/x") == "a.example");
  CHECK(host_of("http://[::1]:8080/x") == "[::1]:8080");
  CHECK(host_of("http://127.0.0.1/x") == "127.0.0.1");
  CHECK(host_of("http://a.example:/x") == "a.example:");  // Go takes an empty port
  // An empty path is "/"; the query stays.
  CHECK(uri_of("http://example.com") == "/");
  CHECK(host_of("http://example.com") == "example.com");
  CHECK(uri_of("http://example.com?x=1") == "/?x=1");
  CHECK(uri_of("http://example.com?") == "/?");
  CHECK(host_of("http://example.com?x/y") == "example.com");
  // The path is read as in origin form.
  CHECK(uri_of("http://example.com/caf\xC3\xA9?q=\xC3\xA9") == "/caf%C3%A9?q=\xC3\xA9");
  CHECK(uri_of("http://example.com//x/../y") == "//x/../y");
  CHECK(uri_of("http://example.com/a%2Fb") == "/a%2Fb");
  // Origin form: the Host header as given.
  CHECK(host_of("/old", "Example.com:8080") == "Example.com:8080");
  CHECK(host_of("/old", "") == "");
}

TEST_CASE("request target: an absolute form that is not an http URI with a host gets 400",
          "[edge][request_target]") {
  for (const std::string target :
       {"http://user@example.com/x", "http://user:pw@example.com/", "http://@example.com/",
        "http:///x", "http://", "http://?x", "http:/x", "http:x", "http:", "ftp://example.com/x",
        "ws://example.com/x", "mailto:a@example.com", "example.com:443", "example.com", "x",
        "*?x", "**", "?x", ":/x", "1http://example.com/", "http://a%41.example/",
        "http://example.com:80a/", "http://[::1/x", "http://[::1]x/",
        "http://exa\"mple/", "http://a\\b/", "http://caf\xC3\xA9.example/", "http://a{b}/",
        "http://a#b/"}) {
    INFO(target);
    CHECK(uri_of(target) == "400");
  }
}

TEST_CASE("request target: OPTIONS * is the uri *", "[edge][request_target]") {
  CHECK(uri_of("*") == "*");
  CHECK(host_of("*") == "header.example");
}

TEST_CASE("request target: a validly encoded target is not copied", "[edge][request_target]") {
  std::string buffer = "untouched";
  const std::string target = "/old/%41?x=\xC3\xA9";
  MatchInput in = read_match_input(target, "example.com", buffer);
  CHECK(in.uri.data() == target.data());
  CHECK(in.uri.size() == target.size());
  const std::string absolute = "http://example.com/old?x";
  in = read_match_input(absolute, "h", buffer);
  CHECK(in.uri.data() == absolute.data() + 18);
  CHECK(in.host.data() == absolute.data() + 7);
  in = read_match_input("http://example.com", "h", buffer);
  CHECK(in.uri == "/");
  CHECK(buffer == "untouched");
  // Only a path to re-encode is written into the buffer.
  in = read_match_input("/a\"", "h", buffer);
  CHECK(in.uri == "/a%22");
  CHECK(in.uri.data() == buffer.data());
}

TEST_CASE("request target: reading the uri again changes nothing", "[edge][request_target]") {
  std::vector<std::string> targets = {
      "/caf\xC3\xA9", "/a\"b", "/a!\"b", "/go/%41\"", "/go/%41", "/a%2Fb", "/caf%c3%a9",
      "/old?", "/a\"?x=\"\xC3\xA9", "/a%2Fb\\", "/!'()*[]\"", "/a#b?c#d", "/%00\"",
      "http://example.com", "http://example.com?x", "HTTPS://e.example/\xE9\xFF", "*", "/a b"};
  for (int b = 0x20; b < 256; ++b) {
    if (b != 0x7f && b != '%') targets.push_back("/\"" + std::string(1, static_cast<char>(b)) + "%41");
  }
  for (const std::string& target : targets) {
    INFO(target);
    std::string buffer;
    const MatchInput once = read_match_input(target, "example.com", buffer);
    REQUIRE(once.status == 0);
    const std::string uri(once.uri);
    const std::string_view path = std::string_view(uri).substr(0, uri.find('?'));
    if (uri != "*") CHECK(validly_encoded_path(path));
    std::string again_buffer;
    const MatchInput twice = read_match_input(uri, "example.com", again_buffer);
    REQUIRE(twice.status == 0);
    CHECK(twice.uri == uri);
  }
}
