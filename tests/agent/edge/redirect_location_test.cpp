// Location values as Go's http.Redirect writes them (issue 4, "Edge listener").
#include <catch2/catch.hpp>

#include "agent/edge/redirect_location.hpp"

using flecto::clean_path;
using flecto::redirect_html_body;
using flecto::redirect_location;

TEST_CASE("redirect_location: a scheme or an authority goes out as it is", "[location]") {
  CHECK(redirect_location("https://example.com/a/../b", "/x") == "https://example.com/a/../b");
  CHECK(redirect_location("//cdn.example.com/x/../y", "/old") == "//cdn.example.com/x/../y");
  CHECK(redirect_location("mailto:team@example.com", "/") == "mailto:team@example.com");
  CHECK(redirect_location("HTTP://Example.com//x", "/") == "HTTP://Example.com//x");
}

TEST_CASE("redirect_location: a relative path is resolved against the request's directory",
          "[location]") {
  CHECK(redirect_location("new", "/docs/old?x=1") == "/docs/new");
  CHECK(redirect_location("new", "/") == "/new");
  CHECK(redirect_location("../up", "/a/b/c") == "/a/up");
  CHECK(redirect_location("../../../../up", "/a/b/c") == "/up");
  CHECK(redirect_location("", "/docs/old") == "/docs/");
  CHECK(redirect_location("x?y=1", "/a/b/") == "/a/b/x?y=1");
  // Absolute-form request targets: the path part counts.
  CHECK(redirect_location("y", "http://example.com/a/b?q=1") == "/a/y");
  CHECK(redirect_location("/x", "http://example.com/a/b?q=1") == "/x");
}

TEST_CASE("redirect_location: dot segments and repeated slashes are cleaned, trailing slash "
          "and query kept",
          "[location]") {
  CHECK(redirect_location("/a//b/./c/../d/", "/") == "/a/b/d/");
  CHECK(redirect_location("/a/b/.", "/") == "/a/b");
  CHECK(redirect_location("/../../etc", "/") == "/etc");
  CHECK(redirect_location("///x/../y", "/") == "/y");
  CHECK(redirect_location("/a/b?x=../y//z", "/") == "/a/b?x=../y//z");
  CHECK(redirect_location("/a%20b/../c", "/") == "/c");
  CHECK(redirect_location("/a b", "/") == "/a b");
}

TEST_CASE("redirect_location: targets Go's url.Parse rejects are not cleaned", "[location]") {
  CHECK(redirect_location("/a%zz/../b", "/") == "/a%zz/../b");
  CHECK(redirect_location("/a/../b%", "/") == "/a/../b%");
  CHECK(redirect_location("1a:b/../c", "/dir/x") == "1a:b/../c");
  CHECK(redirect_location(":x/../y", "/") == ":x/../y");
  // A bad escape in the query alone does not stop cleaning (Go keeps RawQuery as is).
  CHECK(redirect_location("/a/../b?x=%zz", "/") == "/b?x=%zz");
}

TEST_CASE("redirect_location: bytes outside printable ASCII are percent-encoded", "[location]") {
  CHECK(redirect_location("/caf\xc3\xa9?q=\xc3\xa9", "/") == "/caf%c3%a9?q=%c3%a9");
  CHECK(redirect_location("https://example.com/\xe2\x82\xac", "/") == "https://example.com/%e2%82%ac");
  // CR, LF, NUL and DEL never reach a header.
  const std::string injected = redirect_location("/a\r\nSet-Cookie: x=1", "/");
  CHECK(injected == "/a%0d%0aSet-Cookie: x=1");
  CHECK(redirect_location(std::string("/a\0b", 4), "/") == "/a%00b");
  CHECK(redirect_location("/a\x7f", "/") == "/a%7f");
  for (int c = 0; c < 256; ++c) {
    const std::string target = "/x" + std::string(1, static_cast<char>(c)) + "y";
    for (const char out : redirect_location(target, "/")) {
      const auto u = static_cast<unsigned char>(out);
      CHECK((u >= 0x20 && u < 0x7f));
    }
  }
}

TEST_CASE("clean_path: Go's path.Clean", "[location]") {
  CHECK(clean_path("") == ".");
  CHECK(clean_path("a/../..") == "..");
  CHECK(clean_path("//a/./b/") == "/a/b");
  CHECK(clean_path("../../a") == "../../a");
  CHECK(clean_path("/..") == "/");
  CHECK(clean_path("a/b/../../c") == "c");
  CHECK(clean_path("/a/...") == "/a/...");
}

TEST_CASE("redirect_html_body: Go's short HTML body", "[location]") {
  CHECK(redirect_html_body("/new", 301) == "<a href=\"/new\">Moved Permanently</a>.\n\n");
  CHECK(redirect_html_body("/a?x=1&y=<\"'>", 308) ==
        "<a href=\"/a?x=1&amp;y=&lt;&#34;&#39;&gt;\">Permanent Redirect</a>.\n\n");
  CHECK(redirect_html_body("/", 302) == "<a href=\"/\">Found</a>.\n\n");
  CHECK(redirect_html_body("/", 307) == "<a href=\"/\">Temporary Redirect</a>.\n\n");
}

TEST_CASE("redirect location: with_query adds the request's query before a fragment", "[edge][location][query]") {
  CHECK(flecto::with_query("/new", "utm=1") == "/new?utm=1");
  CHECK(flecto::with_query("/new?a=1", "utm=1") == "/new?a=1&utm=1");
  CHECK(flecto::with_query("/new?", "utm=1") == "/new?utm=1");
  CHECK(flecto::with_query("/new?a=1&", "utm=1") == "/new?a=1&utm=1");
  CHECK(flecto::with_query("/new#top", "utm=1") == "/new?utm=1#top");
  CHECK(flecto::with_query("/new?a=1#top?x", "utm=1") == "/new?a=1&utm=1#top?x");
  CHECK(flecto::with_query("https://example.org", "a=%20") == "https://example.org?a=%20");
  CHECK(flecto::with_query("/new", "a\r\nb") == "/new?a%0d%0ab");  // never a line break in a header
}
