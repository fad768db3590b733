// The article page: the whole cleaned article from GET /documents/{id}, with the passage from
// ?p=N marked and scrolled into view. Text goes in with textContent only.
"use strict";

document.addEventListener("DOMContentLoaded", async () => {
  const status = document.getElementById("status");
  const docId = decodeURIComponent(location.pathname.replace(/^\/read\//, ""));
  const wanted = Number(new URLSearchParams(location.search).get("p") || 0);
  if (document.referrer && new URL(document.referrer).origin === location.origin) {
    document.getElementById("back").href = document.referrer;
  }
  let doc;
  try {
    const url = "/documents/" + docId.split("/").map(encodeURIComponent).join("/");
    const response = await fetch(url);
    doc = await response.json();
    if (!response.ok) {
      status.textContent = (doc.error && doc.error.message) || "Cannot load this article.";
      status.className = "error";
      return;
    }
  } catch (err) {
    status.textContent = "Cannot reach the newsearch server.";
    status.className = "error";
    return;
  }
  const name = doc.title || doc.source + (doc.date ? " · " + doc.date : "");
  document.title = name + " — newsearch";
  document.getElementById("title").textContent = name;
  let language = doc.language;
  try {
    language = doc.language && new Intl.DisplayNames(["en"], { type: "language" }).of(doc.language);
  } catch (err) { /* a code Intl does not know: shown as it is */ }
  const meta = [doc.source, doc.date, language].filter(Boolean).join(" · ");
  const metaNode = document.getElementById("meta");
  metaNode.textContent = meta;
  if (doc.url && /^https?:\/\//.test(doc.url)) {
    const link = document.createElement("a");
    link.href = doc.url;
    link.rel = "noopener noreferrer";
    link.textContent = "original";
    metaNode.append(" · ", link);
  }
  const body = document.getElementById("body");
  if (doc.language) { // screen readers, hyphenation and fonts follow the article's language
    body.lang = doc.language;
    document.getElementById("title").lang = doc.language;
  }
  let marked = null;
  for (const passage of doc.passages) {
    const p = document.createElement("p");
    p.id = "p" + passage.paragraph;
    p.dataset.paragraph = passage.paragraph;
    p.textContent = passage.text;
    if (passage.paragraph === wanted) {
      p.className = "marked";
      marked = p;
    }
    body.append(p);
  }
  document.getElementById("article").hidden = false;
  if (marked) marked.scrollIntoView({ block: "center" });
});
