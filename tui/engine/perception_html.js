// Part of the walk (perception.js includes it where it says so; it is not a script of
// its own): what travels to Python — the page's HTML for the markdown, and the cutting
// of long answers into ASCII slices.

  // The page's HTML as the markdown converter needs it, written in one pass over the DOM
  // (nothing is set on the page's elements: a page's observers never see a walk): hidden
  // subtrees, scripts, styles and frames left out, links unwrapped (their targets are in the
  // action space), no attributes but the few the converter reads, and each action written
  // as its inline id between private-use marks (`to_markdown` makes them `[B2 Add to cart]`).
  // A label that names a field is not written: the field's inline id says that name.
  const VOID = new Set(["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
    "param", "source", "track", "wbr"]);
  const DROP = new Set(["script", "style", "noscript", "template", "svg", "head", "iframe", "canvas",
    "object"]);
  const KEEP_ATTRS = { td: ["colspan", "rowspan"], th: ["colspan", "rowspan"], ol: ["start"],
    pre: ["class"], code: ["class"] };
  const MARKS = /[\u0001\u0002]/g;
  // Text as HTML: a newline is a space to a reader (but in <pre>); page text never carries a mark.
  const ESC = /[&<>\n\u0001\u0002]/;
  const escOne = (c) => (c === "&" ? "&amp;" : c === "<" ? "&lt;" : c === ">" ? "&gt;" : c === '"' ? "&quot;" : c === "\n" ? " " : "");
  const escText = /[&<>\n\u0001\u0002]/g;
  const escPre = /[&<>\u0001\u0002]/g;
  const esc = (t, pre) => (ESC.test(t) ? t.replace(pre ? escPre : escText, escOne) : t);
  const escAttr = (t) => t.replace(/[&<>"\n\u0001\u0002]/g, escOne);
  // Each action's inline id: with its label, or (full=false) its id alone, for `take`'s labels.
  const inlineIds = (full) => {
    const tokens = new Map();
    const named = new Set();
    for (const [el, , , , , id] of seen) {
      const label = full ? inlineLabel(actionOf.get(el), el).replace(MARKS, "") : id;
      tokens.set(el, " \u0001" + esc(label, false) + "\u0002 ");
      if (el.id) named.add(el.id);
    }
    return { tokens, named };
  };
  // Actions that hold other actions (a sidebar or a card with a click handler around its
  // links), or more words than a description shows: written as their id alone, then what
  // they hold, so the actions and words inside stay on the page (written whole, a book's
  // sidebar swallowed its 111 links). `take` labels them.
  const containers = new Set();
  // One the page names itself (a listbox's aria-label "Size") keeps its name: the name is
  // not what it holds.
  const ariaNamed = (el) => el.hasAttribute("aria-label") || el.hasAttribute("aria-labelledby");
  const idOnly = (token) => {
    const space = token.indexOf(" ", 2);
    return space === token.length - 1 ? token : token.slice(0, space) + "\u0002 ";
  };
  // "<p>" and "</p>" made once per tag name, not twice per element (~1.5 MB less garbage a
  // walk of the 5,000-element page)
  const TAGS = new Map();
  const tagsOf = (tag) => {
    let pair = TAGS.get(tag);
    if (!pair) TAGS.set(tag, (pair = ["<" + tag + ">", "</" + tag + ">"]));
    return pair;
  };
  // `shadows`: the page has open shadow roots. A host's shadow tree is what is drawn, so it
  // is written in place of the host's children, which its <slot>s take where they stand;
  // an element in a shadow tree is asked whether it is seen (the hidden list is the light
  // tree's).
  const htmlWriter = (out, skip, ids, shadows) => {
    const tokens = ids ? ids.tokens : new Map();
    let written = 0;  // inline ids written so far
    let pre = 0;
    let shadow = 0;  // how deep in shadow trees
    // A frame from another site cannot be read from the page (an embedded payment form, a
    // video): the page says it is there, where it stands. Tiny ones (trackers) are left out.
    const frameNote = (el) => {
      let readable = false;
      try { readable = !!el.contentDocument; } catch (e) { readable = false; }
      if (readable) return;  // a same-origin frame: its text follows the page's
      const r = el.getBoundingClientRect();
      if (r.width < 50 || r.height < 30) return;
      let host = "";
      try { host = new URL(el.src, location.href).host; } catch (e) { host = ""; }
      if (host) out.push("<p>(a frame from " + esc(host, false) + ": another site's, not read)</p>");
    };
    // Whether what was written from `at` on has more words than a description shows: an
    // app's wrapper with a click listener (delegation) holding the page's text was one
    // inline id cut at MAX_TEXT, and the rest of the page was lost.
    const wordy = (at) => {
      let chars = 0;
      for (let i = at; i < out.length; i++) {
        if (out[i].charCodeAt(0) !== 60 /* < */ && (chars += out[i].length) > MAX_TEXT) return true;
      }
      return false;
    };
    const write = (el) => {
      if (shadows && el.shadowRoot) {
        shadow++;
        write(el.shadowRoot);
        shadow--;
        return;
      }
      for (let n = el.firstChild; n; n = n.nextSibling) one(n);
    };
    const one = (n) => {
      if (n.nodeType === 3) { out.push(esc(n.data, pre > 0)); return; }
      if (n.nodeType !== 1) return;
      const token = tokens.get(n);
      if (token !== undefined) {
        if ((n.firstElementChild !== null || (shadows && n.shadowRoot)) && n.localName !== "select") {
          const at = out.length;
          const before = written;
          const wrap = n.localName !== "a" && n.localName !== "label" && !VOID.has(n.localName);
          if (wrap) out.push(tagsOf(n.localName)[0]);
          write(n);
          if (wrap) out.push(tagsOf(n.localName)[1]);
          if (written > before || wordy(at)) {
            out.splice(at, 0, ariaNamed(n) ? token : idOnly(token));
            written++;
            containers.add(n);
            return;
          }
          out.length = at;  // no action inside: the element is its inline id, as any
        }
        out.push(token);
        written++;
        return;
      }
      const tag = n.localName;
      if (tag === "iframe" && !skip.has(n)) { frameNote(n); return; }
      if (DROP.has(tag) || skip.has(n)) return;
      if (shadow) {
        // (a slot, or any display: contents, has no box of its own: its children may)
        if (!n.checkVisibility(VISIBLE) && getComputedStyle(n).display !== "contents") return;
        if (tag === "slot") {  // the host's children it takes, or its own (fallback) content
          const taken = n.assignedNodes({ flatten: true });
          if (taken.length === 0) { write(n); return; }
          shadow--;  // they are the light tree's (whose hidden list `skip` is)
          for (const t of taken) one(t);
          shadow++;
          return;
        }
      }
      if (tag === "a") { write(n); return; }
      if (tag === "label") {
        const target = n.getAttribute("for");
        if (target && ids && ids.named.has(target)) return;
        // A label around fields: only their inline ids.
        const at = out.length;
        const before = written;
        out.push("<label>");
        write(n);
        out.push("</label>");
        if (written > before) {
          const inner = out.slice(at).filter((p) => p.charCodeAt(1) === 1);
          out.length = at;
          for (const p of inner) out.push(p);
        }
        return;
      }
      const [open, close] = tagsOf(tag);
      const keep = KEEP_ATTRS[tag];
      if (keep) {
        let withAttrs = "<" + tag;
        for (const k of keep) { const v = n.getAttribute(k); if (v !== null) withAttrs += " " + k + '="' + escAttr(v) + '"'; }
        out.push(withAttrs + ">");
      } else {
        out.push(open);
      }
      if (VOID.has(tag)) return;
      if (tag === "pre") pre++;
      write(n);
      if (tag === "pre") pre--;
      out.push(close);
    };
    return (root) => write(root);
  };


  // Long answers travel in slices of at most `n` UTF-16 units (a pair is never cut).
  const cutUp = (t, n) => {
    const out = [];
    for (let i = 0; i < t.length || !out.length;) {
      let j = Math.min(t.length, i + n);
      if (j < t.length && (t.charCodeAt(j - 1) & 0xfc00) === 0xd800) j -= 1;  // keep a pair whole
      out.push(t.slice(i, j));
      i = j;
    }
    return out;
  };
  // A slice that is ASCII but for a few characters travels as ASCII (HTML entities, JSON
  // escapes): one other character makes every hop to Python slower (measured: 17 vs 28 ms
  // for a 512K slice); a page in another script travels as it is.
  const NON_ASCII = /[\ud800-\udbff][\udc00-\udfff]|[^\u0000-\u007f]/g;
  const entity = (c) => "&#" + c.codePointAt(0) + ";";
  const jsonEscape = (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0")
    + (c.length > 1 ? "\\u" + c.charCodeAt(1).toString(16) : "");
  // ASCII text held in two bytes a character (what a replace on a string that had another
  // character returns) as one: a string with a two-byte part makes whatever it is joined
  // into two-byte too, and such a string crosses to Python more slowly.
  const utf8 = new TextEncoder();
  const latin = new TextDecoder();
  const oneByte = (t) => latin.decode(utf8.encode(t));
  const asAscii = (t, json) => {
    const most = t.length >> 7;
    let n = 0;
    NON_ASCII.lastIndex = 0;
    while (NON_ASCII.exec(t)) if (++n > most) return t;
    return n ? t.replace(NON_ASCII, json ? jsonEscape : entity) : t;
  };
