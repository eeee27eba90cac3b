#include "agent/cli.hpp"

int main(int argc, char** argv) { return flecto::run_cli(argc, argv); }
