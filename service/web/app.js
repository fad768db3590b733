// The search page: the question, filters and order live in the URL (shareable, back button
// works); every string from the index is put in the page with textContent, never as HTML.
// Each search gets a number and only the latest one's reply is shown, so a reply that comes
// late (a filter changed twice quickly) never adds its cards to another search's.
"use strict";

const $ = (id) => document.getElementById(id);
const NAMES = ["speaker", "person", "org", "place"]; // filters by who is quoted or named
const FIELDS = ["q", "outlet", "language", "date_from", "date_to", "sort", "mode", "k", ...NAMES];
// each name facet of a reply and the filter a click on one of its names sets
const NAME_FACETS = { speakers: "speaker", people: "person", orgs: "org", places: "place" };
const DEFAULTS = { sort: "relevance", mode: "hybrid", k: "10" };
let latest = 0; // the number of the search whose results the page shows
let nextOffset = null; // where "More results" continues, for the search on show
let manyLanguages = false; // the index holds articles in several: each result names its own
const LANGUAGE_NAMES = new Intl.DisplayNames(["en"], { type: "language" });

function languageName(code) {
  try {
    return LANGUAGE_NAMES.of(code) || code;
  } catch (err) {
    return code; // a code Intl does not know
  }
}

function addOption(select, value, text) {
  if (![...select.options].some((option) => option.value === value)) {
    select.append(el("option", { value }, text));
  }
}

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
    if (value && value !== DEFAULTS[name]) params.set(name, value);
  }
  if (!$("group").checked) params.set("group", "false");
  return params;
}

function applyState(params) {
  for (const name of FIELDS) $(name).value = params.get(name) || DEFAULTS[name] || "";
  for (const name of ["outlet", "language"]) { // a value the list does not hold
    const value = params.get(name);
    if (value && $(name).value !== value) {
      addOption($(name), value, name === "language" ? languageName(value) : value);
      $(name).value = value;
    }
  }
  if (params.get("language")) $("language-filter").hidden = false;
  $("group").checked = params.get("group") !== "false";
  const advanced = ["mode", "person", "org", "place"].some((name) => params.get(name));
  if (advanced || params.get("group") === "false") $("advanced").open = true;
}

function setStatus(text, kind = "") {
  const status = $("status");
  status.textContent = text;
  status.className = kind;
}

// The passage, its best sentence in <mark>, the question's words in <strong class="word">.
function passage(text, highlight, matches) {
  const p = el("p", { class: "passage" });
  const sentence = highlight && highlight.end > highlight.start ? highlight : { start: 0, end: 0 };
  const spans = (matches || []).filter((m) => m.end > m.start);
  const cuts = new Set([0, text.length, sentence.start, sentence.end]);
  for (const m of spans) { cuts.add(m.start); cuts.add(m.end); }
  const points = [...cuts].filter((x) => x >= 0 && x <= text.length).sort((a, b) => a - b);
  let mark = null;
  for (let i = 0; i + 1 < points.length; i++) {
    const [a, b] = [points[i], points[i + 1]];
    const inSentence = a >= sentence.start && a < sentence.end;
    if (inSentence && !mark) p.append((mark = el("mark")));
    if (!inSentence) mark = null;
    const piece = text.slice(a, b);
    const node = spans.some((m) => a >= m.start && a < m.end)
      ? el("strong", { class: "word" }, piece) : document.createTextNode(piece);
    (mark || p).append(node);
  }
  return p;
}

function label(hit) {
  // an article without a title of its own is named by where and when it came out
  return hit.title || hit.source + (hit.date ? " · " + hit.date : "");
}

function renderHit(hit) {
  const meta = el("p", { class: "meta" },
    el("span", { class: "source" }, hit.source),
    hit.date ? el("span", { class: "date" }, hit.date) : null,
    el("span", { class: "para" }, "¶" + hit.paragraph),
    manyLanguages && hit.language
      ? el("span", { class: "language", lang: hit.language }, languageName(hit.language)) : null);
  const title = el("a", { class: "title", href: readerLink(hit.doc_id, hit.paragraph) },
                   label(hit));
  const item = el("li", { class: "hit" }, title, meta,
                  passage(hit.text, hit.highlight, hit.matches));
  const speakers = [...new Set((hit.quotes || []).map((q) => q.speaker).filter(Boolean))];
  if (speakers.length) {
    const line = el("p", { class: "speakers" }, "Quoting ");
    speakers.forEach((name, n) => {
      if (n) line.append(", ");
      line.append(el("a", { href: "/?quotes=" + encodeURIComponent(name) }, name));
    });
    item.append(line);
  }
  for (const quote of hit.quotes || []) {
    if (quote.first === false) { // on a timeline: where these words came out first
      item.append(el("p", { class: "first" }, "Quote of " + (quote.speaker || "someone") +
                     " first reported by " + quote.first_source));
    }
  }
  if (hit.story_outlets > 1) {
    const q = new URLSearchParams(location.search).get("q") || hit.title || "";
    const link = "/?" + new URLSearchParams({ q, timeline: hit.story_id }).toString();
    item.append(el("p", { class: "story" },
                   el("a", { href: link }, hit.story_outlets + " outlets on this story")));
  }
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
                 "Read the article →"),
              el("a", { class: "similar", href: "/?similar=" + encodeURIComponent(hit.doc_id) },
                 "More like this"));
  return item;
}

function bodyFor(params, offset) {
  const body = { query: params.get("q"), k: Number(params.get("k") || 10),
                 mode: params.get("mode") || "hybrid", sort: params.get("sort") || "relevance",
                 group: params.get("group") !== "false", offset, facets: offset === 0 };
  for (const name of ["outlet", "language", "date_from", "date_to", ...NAMES]) {
    if (params.get(name)) body[name] = params.get(name);
  }
  return body;
}

async function fetchJson(url, options) {
  const response = await fetch(url, options);
  const reply = await response.json();
  if (!response.ok) throw new Error((reply.error && reply.error.message) || "The search failed.");
  return reply;
}

function request(params, offset) {
  const similar = params.get("similar");
  if (similar) {
    const path = "/documents/" + similar.split("/").map(encodeURIComponent).join("/");
    return fetchJson(path + "/similar?k=" + Number(params.get("k") || 10));
  }
  return fetchJson("/search", {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify(bodyFor(params, offset)),
  });
}

// The views that are not a search: a speaker's quotes, the stories, a story's timeline.
function renderQuote(quote) {
  const who = (quote.speaker || "") + (quote.role ? " (" + quote.role + ")" : "");
  const item = el("li", { class: "hit quote" },
                  el("blockquote", { class: "passage" }, quote.text),
                  el("p", { class: "meta" }, "— " + who + ", " + (quote.cue || "quoted") + " · ",
                     el("a", { href: readerLink(quote.doc_id, 1) }, quote.source),
                     quote.date ? " · " + quote.date : ""));
  if (quote.also_reported_by.length) {
    const also = el("p", { class: "also" }, "Also reported by: ");
    quote.also_reported_by.forEach((other, n) => {
      if (n) also.append(", ");
      also.append(el("a", { href: readerLink(other.doc_id, 1) }, other.source));
    });
    item.append(also);
  }
  return item;
}

function renderStory(story) {
  const dates = [...new Set([story.first_date, story.last_date].filter(Boolean))].join(" – ");
  const link = "/?" + new URLSearchParams({ q: story.headline, timeline: story.story_id });
  return el("li", { class: "hit story-card" },
            el("a", { class: "title", href: link }, story.headline || story.story_id),
            el("p", { class: "meta" }, story.articles + " articles · " + (dates || "undated")),
            el("p", { class: "also" }, story.outlets.join(", ")));
}

const VIEWS = {
  quotes: async (params) => {
    const query = new URLSearchParams({ speaker: params.get("quotes"), k: "50" });
    if (params.get("q")) query.set("q", params.get("q"));
    const reply = await fetchJson("/quotes?" + query);
    return [reply.quotes.map(renderQuote),
            reply.quotes.length + " quotes of " + reply.speaker + ", newest first"];
  },
  stories: async () => {
    const reply = await fetchJson("/stories?limit=50");
    return [reply.stories.map(renderStory), reply.stories.length + " stories, newest first"];
  },
  timeline: async (params) => {
    const query = new URLSearchParams({ q: params.get("q") || "", story: params.get("timeline") });
    const reply = await fetchJson("/timeline?" + query);
    return [reply.entries.map(renderHit),
            "Timeline of “" + reply.headline + "” · " + reply.outlets.length + " outlets"];
  },
};

async function showView(name, params, mine) {
  $("empty").hidden = true;
  $("facets").hidden = true;
  showMore(null);
  setStatus("Loading…", "busy");
  document.title = name + " — newsearch";
  try {
    const [items, status] = await VIEWS[name](params);
    if (mine !== latest) return;
    $("results").replaceChildren(...items);
    setStatus(status);
  } catch (err) {
    if (mine === latest) {
      $("results").replaceChildren();
      setStatus(err instanceof TypeError ? "Cannot reach the newsearch server." : err.message,
                "error");
    }
  }
}

async function search(params) {
  const mine = ++latest;
  const view = Object.keys(VIEWS).find((name) => params.has(name));
  if (view) {
    showView(view, params, mine);
    return;
  }
  const q = params.get("q");
  const similar = params.get("similar");
  $("empty").hidden = Boolean(q || similar);
  if (!q && !similar) {
    $("results").replaceChildren();
    showMore(null);
    $("facets").hidden = true;
    setStatus("");
    document.title = "newsearch";
    return;
  }
  document.title = (q || "More like this") + " — newsearch";
  setStatus("Searching…", "busy");
  let reply;
  try {
    reply = await request(params, 0);
  } catch (err) {
    if (mine === latest) {
      $("results").replaceChildren();
      showMore(null);
      setStatus(err instanceof TypeError ? "Cannot reach the newsearch server." : err.message,
                "error");
    }
    return;
  }
  if (mine !== latest) return; // a newer search is on its way: this reply is stale
  $("results").replaceChildren(...reply.results.map(renderHit));
  renderFacets(reply.facets);
  showMore(reply.next_offset);
  if (!reply.results.length) {
    const notes = (reply.notes || []).join(" ");
    setStatus("No passages match “" + (q || similar) + "”. " +
              (notes || "Try other words or remove a filter."), "none");
    return;
  }
  countShown(reply, similar ? "Articles like “" + reply.query + "”: " : "");
}

function countShown(reply, prefix = "") {
  const shown = $("results").children.length;
  setStatus(prefix + shown + (shown === 1 ? " result" : " results") +
            (reply.took_ms !== undefined ? " in " + Math.round(reply.took_ms) + " ms" : ""));
}

function showMore(offset) {
  nextOffset = offset;
  $("more").hidden = offset === null || offset === undefined;
}

async function more() {
  const params = new URLSearchParams(location.search);
  const mine = latest;
  if (nextOffset === null || params.get("similar")) return;
  $("more").disabled = true;
  try {
    const reply = await request(params, nextOffset);
    if (mine !== latest) return;
    $("results").append(...reply.results.map(renderHit));
    showMore(reply.next_offset);
    countShown(reply);
  } catch (err) {
    if (mine === latest) setStatus(err.message, "error");
  } finally {
    $("more").disabled = false;
  }
}

function renderFacets(facets) {
  const box = $("facets");
  if (!facets || !facets.articles) {
    box.hidden = true;
    return;
  }
  $("facet-outlets").replaceChildren(...facets.outlets.slice(0, 12).map((f) =>
    el("li", {}, facetButton(f.value, f.count, () => {
      applyState(new URLSearchParams({ ...Object.fromEntries(formState()), outlet: f.value }));
      submit();
    }))));
  $("facet-dates").replaceChildren(...facets.dates.map((f) =>
    el("li", {}, facetButton(f.value, f.count, () => {
      const [from, to] = bucketRange(f.value);
      $("date_from").value = from;
      $("date_to").value = to;
      submit();
    }))));
  const languages = facets.languages || [];
  $("facet-languages").replaceChildren(...languages.map((f) =>
    el("li", {}, facetButton(languageName(f.value), f.count, () => {
      applyState(new URLSearchParams({ ...Object.fromEntries(formState()), language: f.value }));
      submit();
    }))));
  const oneLanguage = languages.length < 2 && !$("language").value; // nothing to choose
  $("facet-languages-title").hidden = $("facet-languages").hidden = oneLanguage;
  for (const [facet, filter] of Object.entries(NAME_FACETS)) {
    const counts = facets[facet] || [];
    $("facet-" + facet).replaceChildren(...counts.slice(0, 10).map((f) =>
      el("li", {}, facetButton(f.value, f.count, () => {
        $(filter).value = f.value;
        if (filter !== "speaker") $("advanced").open = true; // where that filter shows
        submit();
      }))));
    document.querySelector(`[data-names="${facet}"]`).hidden = !counts.length;
  }
  box.hidden = false;
}

function facetButton(text, count, action) {
  const button = el("button", { type: "button" }, text,
                    el("span", { class: "count" }, String(count)));
  button.addEventListener("click", action);
  return button;
}

function bucketRange(bucket) {
  if (bucket.length === 4) return [bucket + "-01-01", bucket + "-12-31"];
  if (bucket.length === 7) {
    const [year, month] = bucket.split("-").map(Number);
    const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
    return [bucket + "-01", bucket + "-" + String(last).padStart(2, "0")];
  }
  return [bucket, bucket];
}

async function loadFacets() {
  try {
    const facets = await (await fetch("/facets")).json();
    for (const outlet of facets.outlets) {
      $("outlet").append(el("option", { value: outlet.name },
                            outlet.name + " (" + outlet.documents + ")"));
    }
    const languages = facets.languages || [];
    for (const language of languages) {
      addOption($("language"), language.language,
                languageName(language.language) + " (" + language.documents + ")");
    }
    manyLanguages = languages.length > 1;
    if (manyLanguages) $("language-filter").hidden = false;
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
    if (facets.examples.length && window.innerWidth >= 560) {
      $("q").placeholder = "Ask a question — e.g. " + facets.examples[0];
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
  $("more").addEventListener("click", more);
  for (const id of ["outlet", "language", "date_from", "date_to", "sort", "mode", "group",
                    ...NAMES]) {
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
