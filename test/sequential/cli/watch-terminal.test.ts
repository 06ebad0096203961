// socketkit watch on a real terminal: tmux at 80 columns, a listener overflowing. Both views redraw in place — the
// pane, captured across refreshes, holds one header and no wrapped line — and Ctrl-C gives the terminal back.
// Sequential: a private tmux server, and a burst whose queue must stay full while the panes are read.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import net from "node:net";
import { after, test } from "node:test";
import { Socket } from "../../../src/index.js";
import { ROOT } from "../../helpers/cli.js";
import { killAll } from "../../helpers/processes.js";
import { waitFor } from "../../helpers/wait.js";

const SERVER = `socketkit-watch-test-${process.pid}`;
const HAVE_TMUX = spawnSync("tmux", ["-V"]).status === 0;

function tmux(...args: string[]): string {
  const r = spawnSync("tmux", ["-u", "-L", SERVER, "-f", "/dev/null", ...args], {
    encoding: "utf8",
    env: { ...process.env, LANG: "C.UTF-8" },
  });
  assert.equal(r.status, 0, `tmux ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

after(() => {
  if (!HAVE_TMUX) return;
  const pid = spawnSync("tmux", ["-L", SERVER, "display", "-p", "#{pid}"], { encoding: "utf8" }).stdout.trim();
  spawnSync("tmux", ["-L", SERVER, "kill-server"]);
  if (/^\d+$/.test(pid)) killAll([Number(pid)]);
});

/** A listener with backlog 8 and twelve clients: nine queued (8 + 1), three retrying their SYNs. */
async function overflowing(): Promise<{ port: number; close: () => void }> {
  const server = new Socket();
  server.bind(["127.0.0.1", 0]);
  server.listen(8);
  const [, port] = server.getsockname();
  const clients = Array.from({ length: 12 }, () => net.connect(port, "127.0.0.1").on("error", () => undefined));
  return { port, close: () => (clients.forEach((c) => c.destroy()), server.close()) };
}

/** Runs `socketkit <args>` in a fresh 80×24 pane, whose shell then prints the exit code and waits. */
function openPane(name: string, args: string): string {
  const command = `cd ${ROOT}; ${process.execPath} bin/socketkit.js ${args}; echo "exit code $?"; sleep 600`;
  tmux("new-session", "-d", "-s", name, "-x", "80", "-y", "24", command);
  return name;
}

const capture = (pane: string) => tmux("capture-pane", "-p", "-t", pane);
const joined = (pane: string) => tmux("capture-pane", "-p", "-J", "-t", pane);
const state = (pane: string, format: string) => tmux("display", "-p", "-t", pane, format).trim();
const trimLines = (text: string) => text.replace(/ +$/gm, "");

/** Two captures of `pane` with a refresh between them: `growth` (say, a sparkline) is longer in the second. */
async function twoCaptures(pane: string, growth: (screen: string) => number): Promise<[string, string]> {
  const first = await waitFor("a first frame", () => (growth(capture(pane)) > 0 ? capture(pane) : undefined), 20000);
  const second = await waitFor(
    "a refresh",
    () => {
      const now = capture(pane);
      return growth(now) > growth(first) ? now : undefined;
    },
    20000,
  );
  return [first, second];
}

function assertInPlace(screens: string[], pane: string, header: RegExp): void {
  for (const screen of screens) {
    assert.equal(screen.match(new RegExp(header.source, "gm"))?.length, 1, `one header:\n${screen}`);
    for (const line of screen.split("\n")) assert.ok([...line].length <= 80, `fits 80 columns: ${line}`);
  }
  assert.equal(trimLines(joined(pane)), trimLines(capture(pane)), "no line of the pane is wrapped");
  assert.equal(state(pane, "#{alternate_on} #{cursor_flag}"), "1 0", "drawn on the alternate screen, cursor hidden");
}

async function assertCtrlCRestores(pane: string, header: RegExp): Promise<void> {
  tmux("send-keys", "-t", pane, "C-c");
  const screen = await waitFor(
    "watch to exit",
    () => (/^exit code \d+$/m.test(capture(pane)) ? capture(pane) : undefined),
    10000,
  );
  assert.match(screen, /^exit code 0$/m);
  assert.equal(state(pane, "#{alternate_on} #{cursor_flag}"), "0 1", "the normal screen, the cursor shown");
  assert.equal(screen.match(new RegExp(header.source, "gm"))?.length, 1, `the last frame, once:\n${screen}`);
}

/** A view of watch: its arguments, what grows with each refresh, its header, and a line showing the full queue. */
interface Case {
  name: string;
  args: (port: number) => string;
  growth: (port: number) => (screen: string) => number;
  header: (port: number) => RegExp;
  full: (port: number) => RegExp;
}

const CASES: Case[] = [
  {
    name: "watch (every listener)",
    args: () => "watch --interval 0.3",
    // The listener's sparkline gains a block per refresh.
    growth: (port) => (screen) =>
      screen
        .split("\n")
        .find((l) => l.startsWith(`127.0.0.1:${port} `))
        ?.match(/[▁▂▃▄▅▆▇█]/g)?.length ?? 0,
    header: () => /^socketkit watch · \d+ TCP listeners? · /,
    full: (port) => new RegExp(`^127\\.0\\.0\\.1:${port} +9/8 `, "m"),
  },
  {
    name: "watch PORT",
    args: (port) => `watch ${port} --interval 0.3`,
    growth: () => (screen) => /^ {2}history (\S+)/m.exec(screen)?.[1]?.length ?? 0,
    header: (port) => new RegExp(`^socketkit watch · port ${port} · `),
    full: () => /^ {2}accept queue 9\/8 \(\+1 allowed\)/m,
  },
];

for (const [i, c] of CASES.entries()) {
  test(
    `${c.name} redraws in place at 80 columns and Ctrl-C restores the terminal`,
    { skip: !HAVE_TMUX && "needs tmux" },
    async () => {
      const load = await overflowing();
      try {
        const pane = openPane(`view${i}`, c.args(load.port));
        const [first, second] = await twoCaptures(pane, c.growth(load.port));
        assert.match(second, c.full(load.port), "the full queue, 9 of 8 + 1");
        assertInPlace([first, second], pane, c.header(load.port));
        await assertCtrlCRestores(pane, c.header(load.port));
      } finally {
        load.close();
      }
    },
  );
}
