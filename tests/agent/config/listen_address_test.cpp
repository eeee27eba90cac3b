#include <catch2/catch.hpp>

#include "agent/config/listen_address.hpp"

using flecto::ListenAddress;
using flecto::parse_listen_address;

TEST_CASE("parse_listen_address: host:port forms", "[listen]") {
  CHECK(parse_listen_address("0.0.0.0:8080") == ListenAddress{"0.0.0.0", 8080});
  CHECK(parse_listen_address("127.0.0.1:0") == ListenAddress{"127.0.0.1", 0});
  CHECK(parse_listen_address("[::1]:9090") == ListenAddress{"::1", 9090});
  CHECK(parse_listen_address("localhost:80") == ListenAddress{"localhost", 80});
  CHECK(parse_listen_address(":8080") == ListenAddress{"0.0.0.0", 8080});
  CHECK(parse_listen_address("[::1]:9090").to_string() == "[::1]:9090");
  CHECK(parse_listen_address("127.0.0.1:65535").to_string() == "127.0.0.1:65535");
}

TEST_CASE("parse_listen_address: refuses what is not host:port", "[listen]") {
  for (const char* bad : {"8080", "127.0.0.1", "127.0.0.1:", "127.0.0.1:http", "127.0.0.1:65536",
                          "127.0.0.1:-1", "::1:8080", "[::1:8080", "[]:80", "1.2.3.4:80x"}) {
    INFO(bad);
    CHECK_THROWS_AS(parse_listen_address(bad), std::invalid_argument);
  }
  CHECK_THROWS_WITH(parse_listen_address("nope"), Catch::Contains("\"nope\""));
}
