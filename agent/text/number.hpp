// Numbers as text for the admin listener's answers, in a form both the
// Prometheus text format and JSON read: integers in full (a counter can pass
// 1e9, which "%g" would round), anything else in the shortest form that
// reads back as the same double (a Unix time keeps its milliseconds).
//
//   format_number(160000)          -> "160000"
//   format_number(1.5)             -> "1.5"
//   format_number(0.00001)         -> "1e-05"
//   format_number(1796126580.123)  -> "1796126580.123"

#ifndef FLECTO_AGENT_TEXT_NUMBER_HPP_
#define FLECTO_AGENT_TEXT_NUMBER_HPP_

#include <string>

namespace flecto {

// `value` as "%lld" when it is an integer of magnitude below 9e15 (where
// every integer is still exact in a double), else as std::to_chars's
// shortest round-trip text.
std::string format_number(double value);

}  // namespace flecto

#endif  // FLECTO_AGENT_TEXT_NUMBER_HPP_
