// Building DOM without HTML strings. Every piece of captured mail is shown through
// textContent: nothing the sender wrote is ever parsed as markup by this page.

/** `el("p", {class: "x", title: "y"}, "text", child)`: an element with attributes
 * (set one by one, never as HTML) and children (strings become text nodes). */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "dataset") Object.assign(node.dataset, value);
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  node.append(...children.filter((c) => c !== null && c !== undefined && c !== false)
    .map((c) => (c instanceof Node ? c : document.createTextNode(String(c)))));
  return node;
}

/** "1.2 KB" */
export function formatSize(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KB", "MB", "GB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

const pad = (n) => String(n).padStart(2, "0");

/** "14:03:22" today, "Nov 27 14:03" this year, "2025-11-27" before. Local time. */
export function formatTime(iso, now = new Date()) {
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return "";
  const hm = `${pad(t.getHours())}:${pad(t.getMinutes())}`;
  if (t.toDateString() === now.toDateString()) return `${hm}:${pad(t.getSeconds())}`;
  if (t.getFullYear() === now.getFullYear()) {
    return `${t.toLocaleString("en", { month: "short" })} ${t.getDate()} ${hm}`;
  }
  return `${t.getFullYear()}-${pad(t.getMonth() + 1)}-${pad(t.getDate())}`;
}

/** Full local date and time, for the message view and tooltips. */
export function formatDateTime(iso) {
  const t = new Date(iso);
  return Number.isNaN(t.getTime()) ? "" : t.toLocaleString();
}

/** `Ann Lee <ann@example.com>` or `ann@example.com`. */
export function formatAddress(address) {
  if (!address) return "";
  return address.name ? `${address.name} <${address.address}>` : address.address;
}

/** The name if there is one, else the address: what a list row shows. */
export function shortAddress(address) {
  if (!address) return "";
  return address.name || address.address;
}
