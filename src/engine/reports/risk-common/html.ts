/**
 * The pieces of a strict, self-contained report page: escaping, number formatting that does not
 * depend on the machine's locale or ICU data (so the bytes are the same everywhere), and the page
 * shell. The page loads nothing: its CSP allows no script, font, image or connection at all, only
 * its own inline style.
 */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text or attribute value, escaped. */
export function esc(s: string | number): string {
  return String(s).replace(/[&<>"']/g, (c) => ESCAPES[c] as string);
}

/** `-1234567.891` → `-1,234,567.89`: fixed decimals, comma thousands, no `-0.00`. */
export function money(x: number, decimals = 2): string {
  if (!Number.isFinite(x)) return String(x);
  const neg = x < 0 && Math.abs(x).toFixed(decimals) !== (0).toFixed(decimals);
  const [int, frac] = Math.abs(x).toFixed(decimals).split('.') as [string, string | undefined];
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${neg ? '-' : ''}${grouped}${frac !== undefined ? `.${frac}` : ''}`;
}

/** A probability or rate as a percentage: 0.975 → `97.5%`. */
export function pct(x: number, decimals = 1): string {
  return `${(x * 100).toFixed(decimals).replace(/\.?0+$/, '')}%`;
}


const STYLE = `
:root{color-scheme:light}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;margin:24px;color:#1b1f24;background:#fff;max-width:1100px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}h3{font-size:15px;margin:18px 0 6px}
p.meta{color:#57606a;margin:0 0 12px;font-size:13px}
table{border-collapse:collapse;font-size:13px;margin:6px 0 12px}
th,td{border:1px solid #d0d7de;padding:3px 8px;text-align:right;font-variant-numeric:tabular-nums}
th{background:#f6f8fa}td.l,th.l{text-align:left}
.zone-green{color:#1a7f37;font-weight:600}.zone-yellow{color:#9a6700;font-weight:600}.zone-red{color:#cf222e;font-weight:600}
figure{margin:8px 0 16px}figcaption{font-size:12px;color:#57606a}
svg text{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;font-size:11px;fill:#57606a}
.none{color:#57606a;font-style:italic}
`;

/** The page: a CSP that refuses everything but the inline style, then `body`. */
export function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body>
${body}
</body>
</html>
`;
}

/** A table: header cells and rows of cells; the first `leftColumns` columns are left-aligned (labels). */
export function table(head: readonly string[], rows: readonly (readonly string[])[], leftColumns = 1, cls = ''): string {
  const cell = (tag: 'th' | 'td', c: string, i: number): string => `<${tag}${i < leftColumns ? ' class="l"' : ''}>${c}</${tag}>`;
  return `<table${cls ? ` class="${esc(cls)}"` : ''}><thead><tr>${head.map((h, i) => cell('th', esc(h), i)).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c, i) => cell('td', c, i)).join('')}</tr>`)
    .join('')}</tbody></table>`;
}
