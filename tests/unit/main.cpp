// Catch2 runner of the module's userspace unit tests.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
