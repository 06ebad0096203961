// Line breaking for the lab's output in both languages: at spaces and between Chinese characters, never stranding a
// number from the word it belongs to, never starting a line with closing punctuation, no stub last line.
import assert from "node:assert/strict";
import { test } from "node:test";
import { breakLines } from "../../src/lab/line-break.js";
import { columns } from "../../src/lab/view.js";

const zh = "6 次 connect() 成功，0 个在第一次 recv() 时被重置，accept 队列 3，ListenOverflows +4（模型：6，0，3，+4）";

test("Chinese text breaks between characters, within the width, with its numbers kept with their words", () => {
  for (let width = 20; width <= 90; width++) {
    const lines = breakLines(zh, width, "    ");
    for (const line of lines) assert.ok(columns(line) <= width, `${width}: ${line}`);
    const words = (s: string) => s.replace(/ /g, "");
    assert.equal(words(lines.join("")), words(zh), "nothing lost but spaces at the breaks");
    for (const [i, line] of lines.entries()) {
      assert.doesNotMatch(line.trim(), /^[，。；：、）]/, `${width}: line ${i} starts with closing punctuation`);
      // Only where "ListenOverflows +4" is wider than the line itself may it break between the two.
      if (width >= 4 + 18) {
        assert.doesNotMatch(line.trim(), /^\+?\d+(）|$)/, `${width}: a number alone on line ${i}: ${line}`);
        if (i > 0) assert.doesNotMatch(lines[i - 1]!, /ListenOverflows$/, `${width}: "ListenOverflows" / "+4"`);
      }
    }
    assert.ok(lines.length === 1 || columns(lines.at(-1)!.trim()) > 4, `${width}: a stub last line: ${lines.at(-1)}`);
  }
});

test("English breaks at spaces; a word longer than the line is cut", () => {
  assert.deepEqual(breakLines("the kernel completes six handshakes", 20, "  "), [
    "the kernel completes",
    "  six handshakes",
  ]);
  assert.deepEqual(breakLines("accept queue 3 of six", 14), ["accept queue 3", "of six"], "the 3 stays with its words");
  for (const line of breakLines("x".repeat(50), 20, "  ")) assert.ok(columns(line) <= 20);
});
