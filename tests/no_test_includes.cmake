# Fails when a source of the production targets (agent/, matcher/) includes a
# file from tests/, and names each such line.
#   cmake -DROOT=<source dir> -P tests/no_test_includes.cmake
file(GLOB_RECURSE sources ${ROOT}/agent/*.cpp ${ROOT}/agent/*.hpp ${ROOT}/agent/*.in
                          ${ROOT}/matcher/*.cpp ${ROOT}/matcher/*.hpp)
set(found "")
foreach(source IN LISTS sources)
  file(STRINGS ${source} lines REGEX "^[ \t]*#[ \t]*include[ \t]*[<\"]tests/")
  foreach(line IN LISTS lines)
    file(RELATIVE_PATH name ${ROOT} ${source})
    string(APPEND found "\n  ${name}: ${line}")
  endforeach()
endforeach()
if(found)
  message(FATAL_ERROR "production sources include from tests/:${found}")
endif()
list(LENGTH sources count)
message(STATUS "${count} production sources checked")
