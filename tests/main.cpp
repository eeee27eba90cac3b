// The Catch2 main of flecto-tests; test cases live in the *_test.cpp files.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
