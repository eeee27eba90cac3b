#include <catch2/catch.hpp>

#include <stdexcept>

#include "tests/standin_manager/fault_spec.hpp"

using flecto::standin::Endpoint;
using flecto::standin::Fault;
using flecto::standin::parse_fault_spec;

TEST_CASE("fault spec: endpoint, project and settings", "[standin]") {
  auto spec = parse_fault_spec("version:status=503");
  CHECK(spec.endpoint == Endpoint::kVersion);
  CHECK(spec.namespace_code.empty());
  CHECK(spec.fault.status == 503);
  CHECK(spec.fault.status_body == "{\"message\":\"stand-in fault\"}");

  spec = parse_fault_spec("redirects:skip=2,times=1,body=cut");
  CHECK(spec.endpoint == Endpoint::kRedirects);
  CHECK(spec.fault.skip_requests == 2);
  CHECK(spec.fault.times == 1);
  CHECK(spec.fault.body == Fault::Body::kCutInMiddle);
  CHECK(spec.fault.status == 0);

  spec = parse_fault_spec("demo/shop:hit:status=500,message=record not found, really");
  CHECK(spec.namespace_code == "demo");
  CHECK(spec.project_code == "shop");
  CHECK(spec.endpoint == Endpoint::kHit);
  CHECK(spec.fault.status_body == "{\"message\":\"record not found, really\"}");

  spec = parse_fault_spec("pages:paging=endless-cursor,total-delta=-3,delay=150ms,endless-for=2s,body=endless");
  CHECK(spec.fault.paging == Fault::Paging::kEndlessCursor);
  CHECK(spec.fault.total_delta == -3);
  CHECK(spec.fault.delay == std::chrono::milliseconds(150));
  CHECK(spec.fault.endless_for == std::chrono::seconds(2));

  spec = parse_fault_spec("version:version=every-request");
  CHECK(spec.fault.version == Fault::Version::kEveryRequest);
  spec = parse_fault_spec("health:status=502,page=html");
  CHECK(spec.fault.status_content_type == "text/html");
  CHECK(spec.fault.status_body == Fault::html_error(502).status_body);
  spec = parse_fault_spec("agents:status=500,page=empty");
  CHECK(spec.fault.status_body.empty());
}

TEST_CASE("fault spec: errors name what is wrong", "[standin]") {
  const std::pair<const char*, const char*> cases[] = {
      {"version", "expected [NS/PROJECT:]ENDPOINT"},
      {"nothing:status=500", "unknown endpoint \"nothing\""},
      {"version:", "no setting"},
      {"version:status", "expected KEY=VALUE"},
      {"version:status=abc", "status: expected an integer"},
      {"version:status=42", "status: expected 100 to 599"},
      {"version:body=gone", "body: \"gone\" is not one of intact, cut"},
      {"version:delay=soon", "delay:"},
      {"version:skip=-1", "skip: expected a count"},
      {"version:colour=red", "unknown setting \"colour\""},
      {"version:message=hi", "message and page go with status=N"},
      {"/p:version:status=500", "expected NS/PROJECT"},
      {"ns/p:status=500", "expected ENDPOINT:SETTING after NS/PROJECT"},
  };
  for (const auto& [spec, says] : cases) {
    INFO(spec);
    try {
      parse_fault_spec(spec);
      FAIL("no error");
    } catch (const std::invalid_argument& e) {
      CHECK_THAT(e.what(), Catch::Contains(says));
    }
  }
}
