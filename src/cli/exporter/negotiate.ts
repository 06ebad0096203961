// Which exposition format a scraper asked for in its Accept header: OpenMetrics 1.0.0 when it prefers it (as
// Prometheus does), else the text format 0.0.4, which every scraper reads.

/** One media range of an Accept header: `type/subtype`, its parameters, and its weight q. */
interface MediaRange {
  type: string;
  params: Record<string, string>;
  q: number;
}

function parseAccept(header: string): MediaRange[] {
  return header.split(",").map((part) => {
    const [type = "", ...rest] = part.split(";").map((p) => p.trim());
    const params: Record<string, string> = {};
    for (const p of rest) {
      const at = p.indexOf("=");
      if (at > 0)
        params[p.slice(0, at).trim().toLowerCase()] = p
          .slice(at + 1)
          .trim()
          .replace(/^"|"$/g, "");
    }
    const q = params.q === undefined ? 1 : Number(params.q);
    return { type: type.toLowerCase(), params, q: Number.isFinite(q) ? q : 0 };
  });
}

/** The weight the header gives `type` (at `version`, when the range names one): its most specific match. */
function weight(ranges: readonly MediaRange[], type: string, version: string): number {
  const [major] = type.split("/");
  const matches = ranges.filter(
    (r) =>
      (r.type === type || r.type === `${major}/*` || r.type === "*/*") &&
      (r.params.version === undefined || r.params.version === version),
  );
  const specificity = (r: MediaRange) => (r.type === type ? 2 : r.type === "*/*" ? 0 : 1);
  const best = matches.sort((a, b) => specificity(b) - specificity(a))[0];
  return best?.q ?? 0;
}

/**
 * True when the Accept header prefers OpenMetrics 1.0.0 to the text format: it names
 * `application/openmetrics-text` (without a version, or version 1.0.0) with a weight above zero and at least the
 * text format's. A missing header, `*\/*` or `text/plain` get the text format.
 */
export function wantsOpenMetrics(accept: string | undefined): boolean {
  if (accept === undefined) return false;
  const ranges = parseAccept(accept);
  const open = ranges.some((r) => r.type === "application/openmetrics-text")
    ? weight(ranges, "application/openmetrics-text", "1.0.0")
    : 0;
  return open > 0 && open >= weight(ranges, "text/plain", "0.0.4");
}
