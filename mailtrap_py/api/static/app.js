// The page: wires the list, the message view, search, the events stream and the
// keyboard together.

import * as api from "./api.js";
import { MessageList } from "./list.js";
import { MessageView } from "./view.js";

const $ = (id) => document.getElementById(id);
const SEARCH_DELAY = 250; // ms after the last keystroke

const view = new MessageView($("view"), { onDelete: (id) => remove(id) });
const list = new MessageList({
  container: $("list"),
  rows: $("rows"),
  empty: $("list-empty"),
  onOpen: (summary) => open(summary.id),
  onChange: () => showCount(),
});

let opening = 0; // the latest open() wins if the reader clicks fast

async function open(id) {
  const ticket = ++opening;
  try {
    const message = await api.getMessage(id);
    if (ticket !== opening) return;
    list.markRead(id);
    view.show(message);
    history.replaceState(null, "", `#${encodeURIComponent(id)}`);
  } catch (error) {
    if (ticket === opening && error.status === 404) view.clear();
    else throw error;
  }
}

async function remove(id) {
  const next = list.neighbour(id);
  await api.deleteMessage(id);
  list.removed(id); // now, not when the events stream says so
  if (view.message?.id === id) {
    view.clear();
    history.replaceState(null, "", location.pathname);
  }
  if (next) list.select(next);
}

function showCount() {
  const n = list.total.toLocaleString("en");
  $("count").textContent = list.query
    ? `${n} matching`
    : `${n} message${list.total === 1 ? "" : "s"}`;
  $("delete-all").textContent = list.query ? "Delete matching" : "Delete all";
  $("delete-all").disabled = list.total === 0;
  document.title = list.query ? "mailtrap-py" : `mailtrap-py (${n})`;
}

// -- search ---------------------------------------------------------------------

let searchTimer = null;

async function search() {
  clearTimeout(searchTimer);
  const query = $("search").value.trim();
  try {
    await list.setQuery(query);
    $("search-error").hidden = true;
  } catch (error) {
    if (!(error instanceof api.ApiError)) throw error;
    $("search-error").textContent = `Search: ${error.message}`;
    $("search-error").hidden = false;
  }
}

$("search").addEventListener("input", () => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(search, SEARCH_DELAY);
});
$("search-form").addEventListener("submit", (event) => {
  event.preventDefault();
  search();
});

$("delete-all").addEventListener("click", async () => {
  const what = list.query ? `${list.total} matching messages` : "every message";
  if (!confirm(`Delete ${what}?`)) return;
  await api.deleteMessages(list.query);
  view.clear();
  await list.refresh();
});

// -- keyboard ---------------------------------------------------------------------

document.addEventListener("keydown", (event) => {
  if (event.altKey || event.ctrlKey || event.metaKey) return;
  const inSearch = event.target === $("search");
  if (inSearch) {
    if (event.key === "ArrowDown") {
      event.preventDefault();
      $("list").focus();
      list.move(0);
    }
    return;
  }
  if (event.target.closest?.("input, textarea, select")) return;
  const selected = list.selected();
  switch (event.key) {
    case "ArrowDown":
    case "j":
      list.move(1);
      break;
    case "ArrowUp":
    case "k":
      list.move(-1);
      break;
    case "Enter":
      if (selected && event.target.tagName !== "BUTTON" && event.target.tagName !== "A") {
        open(selected.id);
      } else return;
      break;
    case "Delete":
      if (selected) remove(selected.id);
      break;
    case "/":
      $("search").focus();
      break;
    default:
      return;
  }
  event.preventDefault();
});

// -- live updates ---------------------------------------------------------------

function listen() {
  const events = new EventSource(`${api.API}/events`);
  const live = $("live");
  // `ready` comes first on every (re)connection: events may have been missed
  // while the stream was down, so reload what is in view.
  events.addEventListener("ready", () => {
    live.textContent = "live";
    live.className = "live on";
    live.title = "New mail appears as it arrives";
    list.refresh().catch(console.error);
  });
  events.addEventListener("new", (event) => list.added(JSON.parse(event.data)));
  events.addEventListener("deleted", (event) => {
    const { ids } = JSON.parse(event.data);
    list.deleted(ids);
    if (view.message && ids.includes(view.message.id)) view.clear();
  });
  events.addEventListener("cleared", () => {
    list.cleared();
    view.clear();
  });
  events.addEventListener("error", () => {
    live.textContent = "offline";
    live.className = "live";
    live.title = "The events stream is down; retrying";
  });
}

// A link to a message (`/#<id>`), and the browser's back and forward.
function openFromHash() {
  const id = decodeURIComponent(location.hash.slice(1));
  if (id && id !== view.message?.id) {
    list.select(id);
    open(id).catch(console.error);
  }
}

window.addEventListener("hashchange", openFromHash);

async function start() {
  api.info().then((server) => {
    const smtp = server.ports.smtp;
    $("list-empty").textContent = smtp
      ? `No mail yet. Send to SMTP ${server.host}:${smtp} and it appears here.`
      : "No mail yet.";
  }).catch(console.error);
  await list.refresh();
  listen();
  openFromHash();
}

start();
