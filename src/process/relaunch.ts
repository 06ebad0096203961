// Starting Node again the way this process was started: workers and successors that run this very program again
// (as node:cluster does), and the lab's children that run one of socketkit's own modules. The one place that
// decides which of this process's Node options a new process repeats. Imports nothing of socketkit's.

/**
 * Node options a new process must not repeat: a debugger port can be taken only once, `--test` would run the test
 * runner again, and `--eval`/`--print` carry a program of their own (their value follows as the next argument).
 */
const NOT_INHERITED = /^--(inspect|inspect-brk|inspect-port|inspect-wait|debug-port|test)\b/;
const WITH_PROGRAM = new Set(["-e", "--eval", "-p", "--print"]);

/** A program to start: the executable and its arguments, as spawn() takes them. */
export interface NodeCommand {
  command: string;
  args: string[];
}

/** This process's Node options that a new process repeats: a loader (`--import tsx`), memory limits, … */
export function inheritedExecArgv(execArgv: readonly string[] = process.execArgv): string[] {
  const kept: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const option = execArgv[i]!;
    if (WITH_PROGRAM.has(option)) i++;
    else if (!NOT_INHERITED.test(option) && !/^(-e|--eval|-p|--print)=/.test(option)) kept.push(option);
  }
  return kept;
}

/**
 * The command that runs this program again, with its own arguments and the Node options a new process repeats.
 * @throws Error when this process has no main module to run again (a REPL, `node -e`).
 */
export function thisProgramAgain(): NodeCommand {
  const main = process.argv[1];
  if (main === undefined) {
    throw new Error("this process has no main module to run again (a REPL or `node -e`), as node:cluster needs");
  }
  return { command: process.execPath, args: [...inheritedExecArgv(), main, ...process.argv.slice(2)] };
}

/** The command that runs the module at `path` with `args` under the Node options a new process repeats. */
export function nodeCommand(path: string, args: readonly string[] = []): NodeCommand {
  return { command: process.execPath, args: [...inheritedExecArgv(), path, ...args] };
}
