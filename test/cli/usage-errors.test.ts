// A mistake on the command line is one line and exit code 2, in the language the command speaks: Chinese with
// --lang zh or a Chinese locale (full-width punctuation, the option's name and the given value kept as typed).
import assert from "node:assert/strict";
import { test } from "node:test";
import { start } from "../helpers/cli.js";

async function mistake(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; line: string }> {
  const run = start(args, undefined, env);
  const code = await run.exit;
  const lines = run.stderr().trimEnd().split("\n");
  assert.equal(lines.length, 1, `one line, got: ${run.stderr()}`);
  return { code, line: lines[0]! };
}

const cases: Array<[args: string[], zh: RegExp, en: RegExp]> = [
  [
    ["lab", "backlog", "--backlog", "-3"],
    /--backlog 必须是 0 到 \d+ 之间的整数，收到的是 -3$/,
    /--backlog must be a whole/,
  ],
  [["lab", "nope"], /没有名为“nope”的实验（可选：handshake、/, /unknown experiment 'nope'/],
  [["watch", "1", "2"], /watch 最多接受一个端口，例如/, /watch takes at most one port/],
  [["watch", "--fail-on", "queue>1"], /--fail-on 的格式应为 .*，例如 .*（字段：acceptQueue、/, /--fail-on must be/],
  [["lab", "backlog", "--bogus"], /命令行参数有误：Unknown option '--bogus'/, /Unknown option '--bogus'/],
];

for (const [args, zh, en] of cases) {
  test(`socketkit ${args.join(" ")}: one line in Chinese with --lang zh, in English without`, async () => {
    const chinese = await mistake([...args, "--lang", "zh"]);
    assert.equal(chinese.code, 2);
    assert.match(chinese.line, zh);
    assert.doesNotMatch(
      chinese.line.replace(/^socketkit \w+: /, ""),
      /[,;:]\s[^\x00-\x7f]|[^\x00-\x7f][,;:]/,
      "no ASCII punctuation beside Chinese text",
    );
    const english = await mistake(args);
    assert.equal(english.code, 2);
    assert.match(english.line, en);
  });
}

test("a Chinese locale makes usage errors Chinese without --lang", async () => {
  const { line } = await mistake(["lab", "nope"], { LANG: "zh_CN.UTF-8" });
  assert.match(line, /没有名为“nope”的实验/);
});
