// One message: its headers at the top, then tabs (HTML, text, headers, raw source,
// attachments, links).
//
// The HTML is never put into this page. It is loaded from the API into an
// <iframe sandbox=""> (no allow-scripts, no allow-same-origin: it runs no script and
// has an opaque origin, so it can read nothing of this page), and the API serves it
// with a sandbox Content-Security-Policy that also blocks every load but inline
// parts, and https images only once the reader asks for them.

import * as api from "./api.js";
import { el, formatAddress, formatDateTime, formatSize } from "./dom.js";

const TABS = ["html", "text", "headers", "raw", "attachments", "links"];
const LABELS = {
  html: "HTML",
  text: "Text",
  headers: "Headers",
  raw: "Raw",
  attachments: "Attachments",
  links: "Links",
};
// Longer raw sources are cut in the view; the download has every byte.
const RAW_SHOWN = 2 * 1024 * 1024;

export class MessageView {
  constructor(container, { onDelete }) {
    this.container = container;
    this.onDelete = onDelete; // (id) => void
    this.message = null;
    this.tab = "html"; // the last tab chosen, kept from one message to the next
    this.width = "desktop";
  }

  clear() {
    this.message = null;
    this.container.replaceChildren(
      el("p", { class: "empty" }, "Select a message: click it, or move with ↑ ↓ and press Enter."),
    );
  }

  show(message) {
    this.message = message;
    const available = TABS.filter((tab) => this.has(tab));
    const tab = available.includes(this.tab) ? this.tab : available[0];
    this.container.replaceChildren(
      this.head(message),
      el("nav", { class: "tabs", role: "tablist" },
        ...TABS.map((name) => el("button", {
          type: "button",
          role: "tab",
          class: "tab",
          id: `tab-${name}`,
          dataset: { tab: name },
          disabled: !this.has(name),
          onclick: () => this.open(name, true),
        }, this.label(name)))),
      el("div", { class: "panel", id: "panel", role: "tabpanel" }),
    );
    this.open(tab, false);
  }

  has(tab) {
    const m = this.message;
    if (tab === "html") return m.html !== null;
    if (tab === "text") return m.text !== null;
    if (tab === "attachments") return m.attachments.length > 0;
    if (tab === "links") return m.links.length > 0 || m.codes.length > 0;
    return true;
  }

  label(tab) {
    const m = this.message;
    if (tab === "attachments") return `${LABELS[tab]} (${m.attachments.length})`;
    if (tab === "links") return `${LABELS[tab]} (${m.links.length})`;
    return LABELS[tab];
  }

  head(m) {
    const rows = [
      ["From", m.from ? formatAddress(m.from) : m.sender],
      ["To", m.to.map(formatAddress).join(", ")],
      ["Cc", m.cc.map(formatAddress).join(", ")],
      ["Bcc", m.bcc.map(formatAddress).join(", ")],
      ["Reply-To", m.reply_to.map(formatAddress).join(", ")],
      ["Envelope", `MAIL FROM:<${m.sender}> RCPT TO:${m.recipients.map((r) => `<${r}>`).join(" ")}`],
      ["Date", m.date ? formatDateTime(m.date) : ""],
      ["Received", `${formatDateTime(m.received_at)} from ${m.peer || "?"}${m.tls ? " over TLS" : ""}` +
        (m.auth_user ? `, authenticated as ${m.auth_user}` : "")],
      ["Size", formatSize(m.size)],
    ].filter(([, value]) => value);
    return el("header", { class: "message-head" },
      el("div", { class: "actions" },
        el("a", { class: "button", href: m.raw_url, download: `${m.id}.eml` }, "Download .eml"),
        el("button", { type: "button", class: "danger", id: "delete-one",
          onclick: () => this.onDelete(m.id) }, "Delete")),
      el("h2", { class: "subject", id: "message-subject" }, m.subject || "(no subject)"),
      el("dl", { class: "fields" },
        ...rows.flatMap(([name, value]) => [el("dt", {}, name), el("dd", {}, value)])),
    );
  }

  open(tab, chosen) {
    if (!this.has(tab)) return;
    if (chosen) this.tab = tab;
    for (const button of this.container.querySelectorAll(".tab")) {
      const active = button.dataset.tab === tab;
      button.classList.toggle("active", active);
      button.setAttribute("aria-selected", String(active));
    }
    const panel = this.container.querySelector("#panel");
    panel.dataset.tab = tab;
    panel.replaceChildren(...this[`${tab}Panel`](this.message));
  }

  htmlPanel(m, remoteImages = false) {
    const frame = document.createElement("iframe");
    // Set before src, so the first load is already sandboxed. Empty: every
    // restriction (no scripts, opaque origin, no forms, popups or top navigation).
    frame.setAttribute("sandbox", "");
    frame.setAttribute("referrerpolicy", "no-referrer");
    frame.title = "Message HTML";
    frame.className = `html-frame ${this.width}`;
    frame.src = api.htmlUrl(m.id, { remoteImages });
    const widthButton = (name, label) => el("button", {
      type: "button",
      class: `toggle${this.width === name ? " active" : ""}`,
      dataset: { width: name },
      "aria-pressed": String(this.width === name),
      onclick: (event) => {
        this.width = name;
        frame.className = `html-frame ${name}`;
        for (const b of event.target.parentNode.querySelectorAll("[data-width]")) {
          b.classList.toggle("active", b.dataset.width === name);
          b.setAttribute("aria-pressed", String(b.dataset.width === name));
        }
      },
    }, label);
    const images = remoteImages
      ? el("span", { class: "note" }, "Remote images (https) are shown.")
      : el("button", {
        type: "button",
        id: "remote-images",
        title: "Remote images are blocked: loading them tells the sender you read this",
        onclick: () => {
          const panel = this.container.querySelector("#panel");
          panel.replaceChildren(...this.htmlPanel(m, true));
        },
      }, "Load remote images");
    return [
      el("div", { class: "toolbar" },
        el("span", { class: "group", role: "group", "aria-label": "Width" },
          widthButton("desktop", "Desktop"), widthButton("mobile", "Mobile")),
        images),
      el("div", { class: "frame-box" }, frame),
    ];
  }

  textPanel(m) {
    return [el("pre", { class: "body-text" }, m.text)];
  }

  headersPanel(m) {
    return [el("table", { class: "headers" },
      el("tbody", {}, ...m.headers.map((h) => el("tr", {},
        el("th", { scope: "row" }, h.name), el("td", {}, h.value)))))];
  }

  rawPanel(m) {
    const pre = el("pre", { class: "raw" }, "Loading…");
    api.getRaw(m.id).then((text) => {
      if (this.message !== m) return;
      pre.textContent = text.length > RAW_SHOWN
        ? `${text.slice(0, RAW_SHOWN)}\n\n[… cut at ${formatSize(RAW_SHOWN)}: download the .eml for all of it]`
        : text;
    }, (error) => { pre.textContent = `Could not load the source: ${error.message}`; });
    return [pre];
  }

  attachmentsPanel(m) {
    return [el("table", { class: "attachments" },
      el("thead", {}, el("tr", {},
        el("th", {}, "File"), el("th", {}, "Type"), el("th", {}, "Size"), el("th", {}, ""))),
      el("tbody", {}, ...m.attachments.map((a) => {
        const name = a.filename || `part-${a.part}`;
        const link = api.isApiUrl(a.url)
          ? el("a", { href: a.url, download: name, class: "download" }, name)
          : el("span", {}, name);
        return el("tr", {},
          el("td", {}, link),
          el("td", {}, a.content_type),
          el("td", {}, formatSize(a.size)),
          el("td", {}, a.inline ? `inline${a.content_id ? ` (cid:${a.content_id})` : ""}` : ""));
      })))];
  }

  linksPanel(m) {
    const items = m.links.map((url) => {
      // Only links a browser may follow safely become links; the rest (javascript:,
      // data:, anything odd) are shown as text.
      const safe = /^(https?:|mailto:)/i.test(url);
      return el("li", {}, safe
        ? el("a", { href: url, target: "_blank", rel: "noopener noreferrer" }, url)
        : el("code", {}, url));
    });
    return [
      m.codes.length
        ? el("p", { class: "codes" }, "Codes found: ", ...m.codes.map((c) => el("code", {}, c)))
        : null,
      el("ul", { class: "links" }, ...items),
    ].filter(Boolean);
  }
}
