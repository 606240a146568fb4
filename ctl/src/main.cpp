// SPDX-License-Identifier: GPL-2.0-only
//
// nvflushctl: userspace controller of the nvflush kernel module.
#include <iostream>

#include "cli.hpp"

int main(int argc, char** argv) {
  nvflush::Context ctx(std::cout, std::cerr);
  return nvflush::run(ctx, argc, argv);
}
