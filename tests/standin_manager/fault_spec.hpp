// Faults written as text, for flecto-standin-manager's --fault: what the
// tests do with StandinManager::set_fault, an operator can do from the
// command line.
//
//   [NS/PROJECT:]ENDPOINT:SETTING[,SETTING...]
//
// ENDPOINT is version, redirects, pages, agents, hit or health; with
// NS/PROJECT the fault is that project's only (set_project_fault), else
// every project's. SETTINGs (the fields of Fault):
//   status=N          answer HTTP N with {"message": ...} (Fault::http_error)
//   message=TEXT      that message (default "stand-in fault"); it takes the
//                     rest of the spec, commas included, so it comes last
//   page=html|empty   with status: an HTML error page, or an empty body
//   body=cut|endless|truncated|malformed|wrong-type|intact
//   endless-for=DURATION
//   paging=repeat-cursor|endless-cursor|empty-pages|ignore-offset|honest
//   total-delta=N     Total reported = real total + N
//   version=every-request|ahead|true
//   delay=DURATION    wait before answering ("5s", "150ms")
//   skip=N, times=N   skip the first N requests, then apply N times
//
//   --fault version:status=503
//   --fault redirects:skip=2,times=1,body=cut
//   --fault demo/shop:hit:status=500,message=record not found
//
// parse_fault_spec() throws std::invalid_argument with a message naming
// what is wrong. Pure, thread-safe.

#ifndef FLECTO_TESTS_STANDIN_MANAGER_FAULT_SPEC_HPP_
#define FLECTO_TESTS_STANDIN_MANAGER_FAULT_SPEC_HPP_

#include <optional>
#include <string>
#include <string_view>

#include "tests/standin_manager/standin_manager.hpp"

namespace flecto::standin {

struct FaultSpec {
  std::string namespace_code;  // both "": every project
  std::string project_code;
  Endpoint endpoint = Endpoint::kVersion;
  Fault fault;
};

FaultSpec parse_fault_spec(std::string_view text);

// The endpoint named as to_string() names it, or nullopt.
std::optional<Endpoint> endpoint_from_string(std::string_view name);

}  // namespace flecto::standin

#endif  // FLECTO_TESTS_STANDIN_MANAGER_FAULT_SPEC_HPP_
