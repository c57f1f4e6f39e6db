// The HTTP API, as the page uses it. Same origin: the page is served by the API.

export const API = "/api/v1";

export class ApiError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

async function call(method, path, params) {
  const url = new URL(API + path, location.origin);
  for (const [name, value] of Object.entries(params || {})) {
    if (value !== undefined && value !== "") url.searchParams.set(name, value);
  }
  const response = await fetch(url, { method, headers: { Accept: "application/json" } });
  if (!response.ok) {
    let detail = response.statusText;
    try {
      const body = await response.json();
      detail = typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail);
    } catch {
      // not JSON: keep the status text
    }
    throw new ApiError(response.status, detail);
  }
  return response.status === 204 ? null : response;
}

/** A page of summaries, newest first: {total, unread, count, offset, messages}. */
export async function listMessages({ query = "", offset = 0, limit = 100 } = {}) {
  return (await call("GET", "/messages", { query, offset, limit })).json();
}

/** The parsed message (fetching it marks it read). */
export async function getMessage(id) {
  return (await call("GET", `/messages/${encodeURIComponent(id)}`)).json();
}

/** The exact bytes received, decoded as UTF-8 for display (invalid bytes shown as �). */
export async function getRaw(id) {
  const response = await call("GET", `/messages/${encodeURIComponent(id)}/raw`);
  return new TextDecoder("utf-8").decode(await response.arrayBuffer());
}

export async function deleteMessage(id) {
  await call("DELETE", `/messages/${encodeURIComponent(id)}`);
}

/** Delete every message, or those matching `query`: returns how many went. */
export async function deleteMessages(query = "") {
  return (await (await call("DELETE", "/messages", { query })).json()).deleted;
}

export async function info() {
  return (await call("GET", "/info")).json();
}

/** Where the sandboxed frame loads a message's HTML from. */
export function htmlUrl(id, { remoteImages = false } = {}) {
  const url = `${API}/messages/${encodeURIComponent(id)}/html?inline_images=true`;
  return remoteImages ? `${url}&remote_images=true` : url;
}

/** Only the API's own download URLs become links: a part URL is made by the server,
 * but the page does not take that on trust. */
export function isApiUrl(url) {
  return typeof url === "string" && url.startsWith(`${API}/messages/`);
}
