// Small DOM helpers. Everything shown comes from the daemon and may hold any text (a task, an
// agent's output), so it goes in as text nodes, never as HTML.

/** An element with attributes and children (strings become text). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else node.setAttribute(k, String(v));
  }
  for (const c of children.flat()) if (c !== undefined && c !== null) node.append(typeof c === 'string' ? document.createTextNode(c) : c);
  return node;
}

/** An SVG element. */
export function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) node.setAttribute(k, String(v));
  for (const c of children.flat()) if (c !== undefined && c !== null) node.append(typeof c === 'string' ? document.createTextNode(c) : c);
  return node;
}

/** Replace a table's body rows; show the panel's empty note when there are none. */
export function fillTable(table, rows) {
  const body = table.tBodies[0];
  body.replaceChildren(...rows);
  const empty = table.parentElement.querySelector('.empty');
  if (empty) empty.hidden = rows.length > 0;
  table.hidden = rows.length === 0;
}

const pad = (n) => String(n).padStart(2, '0');

/** 10:57:03 today, else 12-03 10:57. */
export function clock(ms) {
  if (!ms) return '';
  const d = new Date(ms);
  const now = new Date();
  const hm = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  return d.toDateString() === now.toDateString() ? hm : `${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${hm}`;
}

/** µ$ as dollars: $0.023, $12.40. */
export function dollars(micros) {
  const usd = (micros ?? 0) / 1e6;
  return usd >= 1 || usd === 0 ? `$${usd.toFixed(2)}` : `$${usd.toFixed(usd >= 0.01 ? 3 : 4)}`;
}

/** A payload as one short line: `agent=claude-1 rule=claude.session_limit`. */
export function payloadLine(payload) {
  return Object.entries(payload ?? {})
    .filter(([, v]) => v !== null && v !== undefined && v !== '')
    .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join(' ');
}
