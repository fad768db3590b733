// The search page: the question and filters live in the URL (shareable, back button works);
// every string from the index is put in the page with textContent, never as HTML.
"use strict";

const $ = (id) => document.getElementById(id);
const FIELDS = ["q", "outlet", "date_from", "date_to", "mode", "k"];

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) {
    if (child !== null && child !== undefined) {
      node.append(typeof child === "string" ? document.createTextNode(child) : child);
    }
  }
  return node;
}

function readerLink(docId, paragraph) {
  return "/read/" + docId.split("/").map(encodeURIComponent).join("/") + "?p=" + paragraph;
}

function formState() {
  const params = new URLSearchParams();
  for (const name of FIELDS) {
    const value = $(name).value.trim();
    if (value && !(name === "mode" && value === "hybrid") && !(name === "k" && value === "10")) {
      params.set(name, value);
    }
  }
  if (!$("group").checked) params.set("group", "false");
  return params;
}

function applyState(params) {
  for (const name of FIELDS) {
    const fallback = name === "mode" ? "hybrid" : name === "k" ? "10" : "";
    $(name).value = params.get(name) || fallback;
  }
  $("group").checked = params.get("group") !== "false";
  if (params.get("mode") || params.get("group") === "false") $("advanced").open = true;
}

function setStatus(text, kind = "") {
  const status = $("status");
  status.textContent = text;
  status.className = kind;
}

function passageWithHighlight(text, highlight) {
  const p = el("p", { class: "passage" });
  if (!highlight || highlight.end <= highlight.start) {
    p.append(text);
    return p;
  }
  p.append(text.slice(0, highlight.start),
           el("mark", {}, text.slice(highlight.start, highlight.end)),
           text.slice(highlight.end));
  return p;
}

function renderHit(hit) {
  const meta = el("p", { class: "meta" },
    el("span", { class: "source" }, hit.source),
    hit.date ? el("span", { class: "date" }, hit.date) : null,
    el("span", { class: "para" }, "¶" + hit.paragraph),
    el("span", { class: "score", title: "relevance score" }, "score " + hit.score.toFixed(3)));
  const title = el("a", { class: "title", href: readerLink(hit.doc_id, hit.paragraph) },
                   hit.title || hit.doc_id);
  const item = el("li", { class: "hit" }, title, meta,
                  passageWithHighlight(hit.text, hit.highlight));
  if (hit.also_reported_by && hit.also_reported_by.length) {
    const also = el("p", { class: "also" },
                    "Also reported by " + hit.also_reported_by.length + ": ");
    hit.also_reported_by.forEach((other, n) => {
      if (n) also.append(", ");
      also.append(el("a", { href: readerLink(other.doc_id, other.paragraph) },
                     other.source + " ¶" + other.paragraph));
    });
    item.append(also);
  }
  item.append(el("a", { class: "read", href: readerLink(hit.doc_id, hit.paragraph) },
                 "Read the article →"));
  return item;
}

async function search(params) {
  const results = $("results");
  results.replaceChildren();
  const q = params.get("q");
  $("empty").hidden = Boolean(q);
  if (!q) {
    setStatus("");
    document.title = "newsearch";
    return;
  }
  document.title = q + " — newsearch";
  setStatus("Searching…", "busy");
  const body = { query: q, k: Number(params.get("k") || 10), mode: params.get("mode") || "hybrid",
                 group: params.get("group") !== "false" };
  for (const name of ["outlet", "date_from", "date_to"]) {
    if (params.get(name)) body[name] = params.get(name);
  }
  let reply;
  try {
    const response = await fetch("/search", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    });
    reply = await response.json();
    if (!response.ok) {
      setStatus((reply.error && reply.error.message) || "The search failed.", "error");
      return;
    }
  } catch (err) {
    setStatus("Cannot reach the newsearch server.", "error");
    return;
  }
  if (!reply.results.length) {
    setStatus("No passages match “" + q + "”. Try other words or remove a filter.", "none");
    return;
  }
  setStatus(reply.results.length + " results in " + Math.round(reply.took_ms) + " ms");
  for (const hit of reply.results) results.append(renderHit(hit));
}

async function loadFacets() {
  try {
    const facets = await (await fetch("/facets")).json();
    for (const outlet of facets.outlets) {
      $("outlet").append(el("option", { value: outlet.name },
                            outlet.name + " (" + outlet.documents + ")"));
    }
    const list = $("examples");
    for (const question of facets.examples) {
      const link = el("a", { href: "/?q=" + encodeURIComponent(question) }, question);
      link.addEventListener("click", (event) => {
        event.preventDefault();
        $("q").value = question;
        submit();
      });
      list.append(el("li", {}, link));
    }
    $("corpus-size").textContent = facets.documents + " articles, " + facets.passages +
      " passages indexed.";
  } catch (err) {
    setStatus("Cannot reach the newsearch server.", "error");
  }
}

function submit() {
  const params = formState();
  const url = "/?" + params.toString();
  if (url !== location.pathname + location.search) history.pushState(null, "", url);
  search(params);
}

document.addEventListener("DOMContentLoaded", () => {
  const params = new URLSearchParams(location.search);
  applyState(params);
  loadFacets().then(() => applyState(new URLSearchParams(location.search)));
  search(params);
  $("search").addEventListener("submit", (event) => {
    event.preventDefault();
    submit();
  });
  for (const id of ["outlet", "date_from", "date_to", "mode", "group"]) {
    $(id).addEventListener("change", () => { if ($("q").value.trim()) submit(); });
  }
  window.addEventListener("popstate", () => {
    const state = new URLSearchParams(location.search);
    applyState(state);
    search(state);
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "/" && document.activeElement !== $("q")) {
      event.preventDefault();
      $("q").focus();
      $("q").select();
    }
  });
});
