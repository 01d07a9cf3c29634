() => {
  // What tutela/core/tests/test_design_browser.py asserts on every page: no page-level horizontal
  // overflow, the header's height, a <main> landmark, and no word split across two lines in table
  // cells, headings, badges, buttons and menus (a word's client rects on more than one line).
  // A break after a hyphen or a slash is a break between words, not inside one.
  const doc = document.documentElement;
  const header = document.querySelector("body > header");
  const out = {
    overflow: doc.scrollWidth - doc.clientWidth,
    header: header ? header.getBoundingClientRect().height : 0,
    main: document.querySelectorAll("main").length,
    broken: [],
  };
  // On overflow, name the first elements that stick out (outside a box that scrolls).
  out.wide = [];
  if (out.overflow > 0) {
    for (const el of document.querySelectorAll("body *")) {
      if (el.getBoundingClientRect().right <= doc.clientWidth + 1) continue;
      if (el.closest(".table-wrap, .grid-wrap")) continue;
      out.wide.push(el.tagName.toLowerCase() + (el.className ? "." + String(el.className).split(" ")[0] : ""));
      if (out.wide.length >= 4) break;
    }
  }
  const selector = "td, th, h1, h2, h3, .badge, button, .button, header nav a, .subnav a, .fivew-links a, summary";
  const range = document.createRange();
  for (const el of document.querySelectorAll(selector)) {
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    let node;
    while ((node = walker.nextNode())) {
      if (!node.parentElement.checkVisibility({visibilityProperty: true})) continue;
      const text = node.textContent;
      const word = /[^\s\u00a0\-\u2010\u2011\u2013\u2014/]{2,}/gu;
      let m;
      while ((m = word.exec(text))) {
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const rects = Array.from(range.getClientRects()).filter((r) => r.width > 0);
        if (rects.length < 2) continue;
        const tops = rects.map((r) => r.top);
        const line = Math.min(...rects.map((r) => r.height));
        if (Math.max(...tops) - Math.min(...tops) > line / 2) {
          out.broken.push(el.tagName.toLowerCase() + ": " + m[0]);
        }
      }
    }
    if (out.broken.length > 20) break;
  }
  return out;
}
