// The message list: newest first, virtual (only the rows in view exist in the DOM,
// loaded a page at a time with the API's offset and limit), so 10,000 messages or
// 100,000 scroll as smoothly as ten.
//
// Loaded summaries are kept by their rank from the oldest ("age"): row `i` of `total`
// holds age `total - 1 - i`. A new arrival takes the next age and shifts no one, so
// pages loaded before it stay where they are. Deletions the page cannot place and
// anything while a search is on reload what is in view ("refresh").

import * as api from "./api.js";
import { el, formatDateTime, formatSize, formatTime, shortAddress } from "./dom.js";

export const ROW_HEIGHT = 64; // px; app.css gives .row the same height
const PAGE = 100; // summaries per request
const OVERSCAN = 10; // rows drawn above and below the visible ones
const REFRESH_DELAY = 150; // ms: a burst of events causes one reload

export class MessageList {
  constructor({ container, rows, empty, onOpen, onChange }) {
    this.container = container; // the scrolling element
    this.rows = rows; // its tall inner element
    this.empty = empty;
    this.onOpen = onOpen; // (summary) => void
    this.onChange = onChange; // () => void: total or query changed
    this.query = ""; // what the rows shown match
    this.wantedQuery = ""; // what the reader last searched for (may be loading)
    this.total = 0;
    this.byAge = []; // sparse: age -> summary
    this.pending = []; // ages [lo, hi] being fetched
    this.generation = 0; // a refresh makes every older response moot
    this.selectedId = null;
    this.removedHere = new Set(); // ids this page deleted: their event changes nothing
    this.refreshTimer = null;
    this.refreshing = 0; // reloads under way: an event now may be missing from them
    this.drawQueued = false;
    container.addEventListener("scroll", () => this.draw());
    new ResizeObserver(() => this.draw()).observe(container);
    rows.addEventListener("click", (event) => {
      const row = event.target.closest(".row");
      const summary = row && this.at(Number(row.dataset.index));
      if (summary) {
        this.select(summary.id);
        this.onOpen(summary);
      }
    });
  }

  // -- data -------------------------------------------------------------------

  at(index) {
    return this.byAge[this.total - 1 - index];
  }

  indexOf(id) {
    for (let age = this.byAge.length - 1; age >= 0; age -= 1) {
      if (this.byAge[age]?.id === id) return this.total - 1 - age;
    }
    return -1;
  }

  /** Show what matches `query`; a query the server refuses changes nothing (the
   * error is thrown to the caller). */
  async setQuery(query) {
    this.container.scrollTop = 0;
    this.wantedQuery = query;
    try {
      await this.refresh(query);
    } catch (error) {
      if (this.wantedQuery === query) this.wantedQuery = this.query;
      throw error;
    }
  }

  /** Reload the rows in view (and the total) for `query`: by default the last one
   * asked for, so that a reload an event causes does not undo a search under way. */
  async refresh(query = this.wantedQuery) {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = null;
    this.generation += 1;
    const generation = this.generation;
    const first = Math.max(0, Math.floor(this.container.scrollTop / ROW_HEIGHT) - OVERSCAN);
    let page;
    this.refreshing += 1;
    try {
      page = await api.listMessages({ query, offset: first, limit: PAGE });
    } finally {
      this.refreshing -= 1;
    }
    if (generation !== this.generation) return;
    this.query = query;
    this.byAge = [];
    this.pending = [];
    this.total = page.total;
    this.place(page, first);
    this.onChange();
    this.draw();
  }

  refreshSoon() {
    if (this.refreshTimer === null) {
      this.refreshTimer = setTimeout(() => this.refresh().catch(console.error), REFRESH_DELAY);
    }
  }

  place(page, offset) {
    // Ages from the total the server had when it answered: exact even if messages
    // arrived between the request and the answer.
    page.messages.forEach((summary, i) => {
      const age = page.total - 1 - (offset + i);
      if (age >= 0) this.byAge[age] = summary;
    });
  }

  async load(index, generation) {
    const hi = this.total - 1 - index;
    const range = [Math.max(0, hi - PAGE + 1), hi];
    this.pending.push(range);
    try {
      const page = await api.listMessages({ query: this.query, offset: index, limit: PAGE });
      if (generation === this.generation) {
        this.place(page, index);
        // The server holds more or fewer than this page thinks: an event is on its
        // way, or was missed. Reload rather than fetch the same holes again and again.
        if (page.total !== this.total) this.refreshSoon();
      }
    } finally {
      this.pending = this.pending.filter((r) => r !== range);
    }
    this.draw(); // not after a failure: that would ask again at once, and again
  }

  // -- events from the server --------------------------------------------------

  /** An event while a reload is under way: that reload's answer may predate it,
   * and would undo what the event did here. Reload once more after it. */
  eventDuringRefresh() {
    if (this.refreshing > 0) this.refreshSoon();
  }

  added(summary) {
    this.eventDuringRefresh();
    if (this.query) {
      this.refreshSoon(); // does it match? the server knows
      return;
    }
    if (this.indexOf(summary.id) >= 0) return; // a reload already brought it
    this.byAge[this.total] = summary;
    this.total += 1;
    // Keep the rows the reader is looking at in place, unless they are at the top
    // (the list grows first, so that the scroll is not cut at the old end).
    this.rows.style.height = `${this.total * ROW_HEIGHT}px`;
    if (this.container.scrollTop > 0) this.container.scrollTop += ROW_HEIGHT;
    this.onChange();
    this.draw();
  }

  /** This page deleted `id`: take it out now, not when the event comes. */
  removed(id) {
    if (this.indexOf(id) < 0) return; // its event came first
    this.removedHere.add(id);
    this.deleted([id], true);
  }

  deleted(ids, here = false) {
    if (!here) {
      ids = ids.filter((id) => !this.removedHere.delete(id));
      if (ids.length === 0) return;
    }
    this.eventDuringRefresh();
    const ages = ids.map((id) => {
      const index = this.indexOf(id);
      return index < 0 ? -1 : this.total - 1 - index;
    });
    if (ages.includes(-1)) {
      this.refreshSoon(); // not loaded here: where it was is unknown
      return;
    }
    for (const age of ages.sort((a, b) => b - a)) {
      this.byAge.splice(age, 1);
      this.total -= 1;
    }
    this.onChange();
    this.draw();
  }

  cleared() {
    this.eventDuringRefresh();
    this.generation += 1;
    this.byAge = [];
    this.pending = [];
    this.total = 0;
    this.onChange();
    this.draw();
  }

  markRead(id) {
    const index = this.indexOf(id);
    if (index >= 0) {
      this.at(index).read = true;
      this.draw();
    }
  }

  // -- selection ---------------------------------------------------------------

  select(id) {
    this.selectedId = id;
    this.draw();
  }

  selected() {
    const index = this.selectedId === null ? -1 : this.indexOf(this.selectedId);
    return index < 0 ? null : this.at(index);
  }

  /** Move the selection `step` rows (the first row if nothing is selected). */
  move(step) {
    if (this.total === 0) return;
    const current = this.selectedId === null ? -1 : this.indexOf(this.selectedId);
    const index = current < 0 ? 0 : Math.min(this.total - 1, Math.max(0, current + step));
    this.scrollTo(index);
    const summary = this.at(index);
    if (summary) this.select(summary.id);
  }

  /** The id to select once `id` is gone: the next row down, else the one above. */
  neighbour(id) {
    const index = this.indexOf(id);
    if (index < 0) return null;
    return (this.at(index + 1) || this.at(index - 1) || { id: null }).id;
  }

  scrollTo(index) {
    const top = index * ROW_HEIGHT;
    const view = this.container;
    if (top < view.scrollTop) view.scrollTop = top;
    else if (top + ROW_HEIGHT > view.scrollTop + view.clientHeight) {
      view.scrollTop = top + ROW_HEIGHT - view.clientHeight;
    }
  }

  // -- drawing -------------------------------------------------------------------

  draw() {
    if (this.drawQueued) return;
    this.drawQueued = true;
    requestAnimationFrame(() => {
      this.drawQueued = false;
      this.drawNow();
    });
  }

  drawNow() {
    const view = this.container;
    this.rows.style.height = `${this.total * ROW_HEIGHT}px`;
    this.empty.hidden = this.total > 0;
    const first = Math.max(0, Math.floor(view.scrollTop / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(
      this.total - 1,
      Math.ceil((view.scrollTop + view.clientHeight) / ROW_HEIGHT) + OVERSCAN,
    );
    const drawn = [];
    for (let index = first; index <= last; index += 1) {
      const summary = this.at(index);
      if (summary === undefined) this.fetchRow(index);
      drawn.push(this.row(index, summary));
    }
    this.rows.replaceChildren(...drawn);
  }

  fetchRow(index) {
    const age = this.total - 1 - index;
    if (this.pending.some(([lo, hi]) => lo <= age && age <= hi)) return;
    this.load(index, this.generation).catch(console.error);
  }

  row(index, summary) {
    const row = el("div", {
      class: "row",
      role: "option",
      dataset: { index: String(index) },
    });
    row.style.top = `${index * ROW_HEIGHT}px`;
    if (summary === undefined) {
      row.classList.add("loading");
      row.append(el("span", { class: "from" }, "…"));
      return row;
    }
    row.dataset.id = summary.id;
    row.classList.toggle("unread", !summary.read);
    const selected = summary.id === this.selectedId;
    row.classList.toggle("selected", selected);
    row.setAttribute("aria-selected", String(selected));
    const to = summary.to.length
      ? summary.to.map(shortAddress).join(", ")
      : summary.recipients.join(", ");
    row.append(
      el("span", { class: "from", title: summary.from?.address || summary.sender },
        shortAddress(summary.from) || summary.sender || "(no sender)"),
      el("time", { class: "time", datetime: summary.received_at,
        title: formatDateTime(summary.received_at) }, formatTime(summary.received_at)),
      el("span", { class: "subject" }, summary.subject || "(no subject)"),
      el("span", { class: "meta" },
        summary.has_attachments
          ? el("img", { class: "clip", src: "/static/clip.svg", alt: "attachment",
            title: "Has attachments", width: 14, height: 14 })
          : null,
        el("span", { class: "size" }, formatSize(summary.size))),
      el("span", { class: "to" }, `To: ${to}`),
    );
    return row;
  }
}
