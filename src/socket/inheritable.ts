// Whether a descriptor survives exec (FD_CLOEXEC), as Python's os.get_inheritable/os.set_inheritable: used by
// Socket's own methods and by the server layer for the descriptors a worker process is started with.

import * as C from "../libc/constants.js";
import { loadSyscalls, sys } from "../libc/syscalls.js";
import { checkResult } from "./errors.js";

/** True when a program started with exec inherits `fd` (FD_CLOEXEC clear). */
export function getInheritableFd(fd: number): boolean {
  loadSyscalls();
  return (checkResult(sys.getFdFlags(fd), "fcntl") & C.FD_CLOEXEC) === 0;
}

/** Sets or clears FD_CLOEXEC on `fd`. */
export function setInheritableFd(fd: number, inheritable: boolean): void {
  loadSyscalls();
  const flags = checkResult(sys.getFdFlags(fd), "fcntl");
  checkResult(sys.setFdFlags(fd, inheritable ? flags & ~C.FD_CLOEXEC : flags | C.FD_CLOEXEC), "fcntl");
}
