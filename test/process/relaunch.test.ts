// Which Node options a worker, a successor or a lab child repeats: the loader and limits, never a debugger port,
// the test runner or a program given on the command line.
import assert from "node:assert/strict";
import { test } from "node:test";
import { inheritedExecArgv, nodeCommand, thisProgramAgain } from "../../src/process/relaunch.js";

test("a new process keeps the loader and limits and drops debugger, test-runner and inline-program options", () => {
  const given = ["--import", "tsx", "--inspect=9229", "--test", "--test-concurrency=4", "--max-old-space-size=512"];
  assert.deepEqual(inheritedExecArgv([...given, "-e", "1+1", "--print=2"]), [
    "--import",
    "tsx",
    "--max-old-space-size=512",
  ]);
});

test("this program again is node, the repeated options, the main module and its arguments", () => {
  const again = thisProgramAgain();
  assert.equal(again.command, process.execPath);
  assert.deepEqual(again.args.slice(-1 - process.argv.slice(2).length), process.argv.slice(1));
  assert.deepEqual(nodeCommand("/x.js", ["a"]).args.slice(-2), ["/x.js", "a"]);
});
