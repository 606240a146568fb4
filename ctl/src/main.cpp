// SPDX-License-Identifier: GPL-2.0-only
//
// nvflushctl: userspace controller of the nvflush kernel module.
#include <unistd.h>

#include <iostream>

#include "cli.hpp"

int main(int argc, char** argv) {
  nvflush::Context ctx(std::cout, std::cerr);
  ctx.err_is_terminal = isatty(STDERR_FILENO) != 0;
  ctx.out_is_terminal = isatty(STDOUT_FILENO) != 0;
  return nvflush::run(ctx, argc, argv);
}
