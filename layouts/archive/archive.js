// The archive page's search. It runs in the browser, also from file:// (no server, no fetch): the
// titles come from search-index.js (window.ISSUEPDF_ARCHIVE), loaded with the page, and the words of
// the articles from search-text.js (window.ISSUEPDF_ARCHIVE_TEXT), loaded by a <script> on the first
// search. Every word of a query must occur in an article's title, section or text, also inside a
// longer word (가젤 finds 가젤기업을). Hits whose title holds more of the words come first, then newer
// issues. index.html?q=… searches on load.
(function () {
  "use strict";

  const MAX_SHOWN = 50;
  const archive = window.ISSUEPDF_ARCHIVE || { issues: [] };
  const input = document.getElementById("q");
  const results = document.getElementById("results");
  let text = "absent"; // then "loading", "loaded" or "failed"

  function fold(value) {
    return value.normalize("NFKC").toLowerCase();
  }

  const articles = [];
  for (const issue of archive.issues) {
    issue.articles.forEach((article, index) => {
      articles.push({
        issue,
        article,
        index,
        title: fold(article.title),
        heading: fold([issue.title, article.section, article.title].join("\n")),
        words: "",
      });
    });
  }

  function loadText() {
    text = "loading";
    const script = document.createElement("script");
    script.src = archive.text;
    script.onload = () => {
      const words = window.ISSUEPDF_ARCHIVE_TEXT || {};
      for (const entry of articles) {
        entry.words = fold((words[entry.issue.number] || [])[entry.index] || "");
      }
      text = "loaded";
      show(input.value);
    };
    script.onerror = () => {
      text = "failed";
      show(input.value);
    };
    document.body.append(script);
  }

  function search(query) {
    const terms = fold(query).split(/\s+/).filter(Boolean);
    const found = (entry, term) => entry.heading.includes(term) || entry.words.includes(term);
    const hits = articles.filter((entry) => terms.every((term) => found(entry, term)));
    for (const hit of hits) {
      hit.score = terms.filter((term) => hit.title.includes(term)).length;
    }
    hits.sort((a, b) => b.score - a.score || b.issue.number - a.issue.number || a.index - b.index);
    return { terms, hits };
  }

  // The title as text nodes, with each query word marked; never innerHTML, the titles are data.
  function marked(title, terms) {
    const folded = title.toLowerCase(); // not NFKC: it turns … into ..., and marks must line up with the title
    const fragment = document.createDocumentFragment();
    let at = 0;
    while (at < title.length) {
      let next = -1;
      let length = 0;
      for (const term of terms) {
        const place = folded.indexOf(term, at);
        if (place !== -1 && (next === -1 || place < next)) {
          next = place;
          length = term.length;
        }
      }
      if (next === -1 || folded.length !== title.length) {
        fragment.append(title.slice(at));
        break;
      }
      fragment.append(title.slice(at, next));
      const mark = document.createElement("mark");
      mark.textContent = title.slice(next, next + length);
      fragment.append(mark);
      at = next + length;
    }
    return fragment;
  }

  function element(tag, className, content) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (content !== undefined) node.textContent = content;
    return node;
  }

  function show(query) {
    results.replaceChildren();
    if (!query.trim()) {
      results.hidden = true;
      return;
    }
    if (text === "absent") loadText();
    const { terms, hits } = search(query);
    results.hidden = false;
    const count = element("p", "count", `“${query.trim()}” ${hits.length}건`);
    if (hits.length > MAX_SHOWN) count.textContent += ` (처음 ${MAX_SHOWN}건을 보입니다)`;
    if (text === "loading") count.textContent += " · 본문 색인을 읽는 중이라 제목에서만 찾았습니다";
    if (text === "failed") count.textContent += ` · 본문 색인(${archive.text})을 읽지 못해 제목에서만 찾았습니다`;
    results.append(count);
    if (!hits.length) return;
    const list = element("ol", "hits");
    for (const hit of hits.slice(0, MAX_SHOWN)) {
      const item = element("li");
      const link = element("a");
      const pdf = `${hit.issue.href}#page=${hit.article.page}`;
      link.href = hit.article.web || pdf; // the article's web page where the issue has a web edition
      link.append(element("span", "where", `제 ${hit.issue.number} 호 · ${hit.issue.date} · ${hit.article.page}쪽`));
      const title = element("span", "title");
      title.append(marked(hit.article.title, terms));
      link.append(title);
      item.append(link, element("span", "section", hit.article.section));
      if (hit.article.web) {
        const page = element("a", "pdf", `PDF ${hit.article.page}쪽`);
        page.href = pdf;
        item.append(" ", page);
      }
      list.append(item);
    }
    results.append(list);
  }

  input.addEventListener("input", () => show(input.value));
  const query = new URLSearchParams(window.location.search).get("q");
  if (query) {
    input.value = query;
    show(query);
  }
})();
