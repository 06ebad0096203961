// What the echo server and client say, in Chinese and English; the language comes from --lang or LANG.

export type Lang = "zh" | "en";

export function detectLang(env: NodeJS.ProcessEnv = process.env): Lang {
  const locale = env.LC_ALL || env.LC_MESSAGES || env.LANG || "";
  return locale.toLowerCase().startsWith("zh") ? "zh" : "en";
}

export function parseLang(value: string | undefined, env: NodeJS.ProcessEnv = process.env): Lang {
  if (value === undefined) return detectLang(env);
  if (value === "zh" || value === "en") return value;
  throw new UsageError(`--lang must be zh or en, got ${value}`, { zh: `--lang 只能是 zh 或 en，收到的是 ${value}` });
}

/**
 * A mistake on the command line: reported in one line with exit code 2, in Chinese (`zh`) where the command
 * speaks Chinese (`--lang zh`, or a Chinese locale) and the error has that text.
 */
export class UsageError extends Error {
  readonly zh: string | undefined;

  constructor(message: string, options: { zh?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.zh = options.zh;
  }

  /** The sentence in `lang`: the Chinese one when there is one. */
  in(lang: Lang): string {
    return lang === "zh" && this.zh !== undefined ? this.zh : this.message;
  }
}

/** The language a command's arguments ask for (`--lang X` or `--lang=X`), else the locale's. */
export function langOfArguments(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Lang {
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i] === "--lang" ? argv[i + 1] : argv[i]?.startsWith("--lang=") ? argv[i]!.slice(7) : null;
    if (value === "zh" || value === "en") return value;
  }
  return detectLang(env);
}

export const messages = {
  zh: {
    connected: (who: string) => `客户端 ${who} 已连接`,
    message: (who: string, text: string) => `收到 ${who} 的消息: ${text}`,
    disconnected: (who: string) => `客户端 ${who} 已断开`,
    stopping: (signal: string) => `收到 ${signal}, 不再接受新连接, 等待当前客户端完成...`,
    stopped: "服务器已关闭",
    forcing: (n: number, secs: number) => `${n} 个客户端在 ${secs} 秒内没有完成, 强制关闭它们的连接`,
    prompt: "请输入内容: ",
    bye: "Bye~~~",
    cannotConnect: (where: string, why: string) => `无法连接到服务器 ${where}: ${why}`,
    serverGone: (where: string) => `服务器 ${where} 已断开连接`,
    cannotServe: (where: string, why: string) => `无法在 ${where} 启动服务器: ${why}`,
  },
  en: {
    connected: (who: string) => `Client ${who} connected`,
    message: (who: string, text: string) => `Message from ${who}: ${text}`,
    disconnected: (who: string) => `Client ${who} disconnected`,
    stopping: (signal: string) => `Got ${signal}: no new connections; letting connected clients finish...`,
    stopped: "Server closed",
    forcing: (n: number, secs: number) => `${n} client(s) did not finish within ${secs} s: closing their connections`,
    prompt: "Enter a message: ",
    bye: "Bye~~~",
    cannotConnect: (where: string, why: string) => `Cannot connect to ${where}: ${why}`,
    serverGone: (where: string) => `The server at ${where} closed the connection`,
    cannotServe: (where: string, why: string) => `Cannot serve on ${where}: ${why}`,
  },
} satisfies Record<Lang, Record<string, unknown>>;

export type Messages = (typeof messages)["en"];
