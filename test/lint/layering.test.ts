// The layering of src/ is a lint rule, not only prose: an import that climbs into a folder above, or koffi
// outside src/libc, fails `npm run lint`. Each case lints a real file's text with one import added.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { ESLint } from "eslint";

const eslint = new ESLint({ cwd: new URL("../..", import.meta.url).pathname });

/** The no-restricted-imports messages ESLint reports for `file` with `line` put first. */
async function restricted(file: string, line: string): Promise<string[]> {
  const text = `${line}\n${readFileSync(new URL(`../../${file}`, import.meta.url), "utf8")}`;
  const [result] = await eslint.lintText(text, { filePath: file });
  return (result?.messages ?? []).filter((m) => m.ruleId === "no-restricted-imports").map((m) => m.message);
}

const forbidden: Array<[file: string, line: string, says: RegExp]> = [
  ["src/server/base-server.ts", 'import "../libc/syscalls.js";', /src\/server may import only src\/socket/],
  ["src/server/base-server.ts", 'import "../cli/main.js";', /src\/server may import only/],
  ["src/socket/repr.ts", 'import "../server/index.js";', /src\/socket may import only src\/libc/],
  ["src/sim/params.ts", 'import "../lab/registry.js";', /src\/sim may import only itself/],
  ["src/kernel/sysctl.ts", 'import "../lab/registry.js";', /src\/kernel may import only src\/libc/],
  ["src/socket/repr.ts", 'import "koffi";', /Only src\/libc binds libc/],
  ["src/cli/terminal.ts", 'import "koffi";', /Only src\/libc binds libc/],
];

for (const [file, line, says] of forbidden) {
  test(`lint refuses \`${line}\` in ${file}`, async () => {
    const messages = await restricted(file, line);
    assert.equal(messages.length, 1, `expected one layering error, got ${JSON.stringify(messages)}`);
    assert.match(messages[0]!, says);
  });
}

test("lint accepts the imports the layers allow", async () => {
  assert.deepEqual(await restricted("src/server/base-server.ts", 'import "../socket/errors.js";'), []);
  assert.deepEqual(await restricted("src/lab/result.ts", 'import "../kernel/sysctl.js";'), []);
  assert.deepEqual(await restricted("src/libc/errno.ts", 'import "koffi";'), []);
});
