// Part of the walk (perception.js includes it where it says so; it is not a script of
// its own): what an element is and what a person calls it — names, field kinds, roles,
// categories, link addresses, selectors, inline labels, and the text cleaning they share.

  const labelFor = new Map();
  for (const label of document.querySelectorAll("label[for]")) {
    const key = label.getAttribute("for");
    if (key && !labelFor.has(key)) labelFor.set(key, label);
  }

  // C0 controls (but the whitespace ones) and DEL: an ESC in page text must never reach a terminal.
  const CTRL = /[\u0000-\u0008\u000e-\u001f\u007f-\u009f]/g;  // and C1 (U+009B is a CSI)
  const clean = (s) => (s || "").replace(/\s+/g, " ").replace(CTRL, "").trim();
  const cut = (s) => (s.length > MAX_TEXT ? s.slice(0, MAX_TEXT - 1) + "…" : s);
  // A page's strings may hold a lone surrogate (half of an emoji), which JSON.stringify
  // writes as an escape no strict JSON parser takes (pydantic's refuses the whole answer):
  // in the JSON sent, each becomes U+FFFD, as a browser draws it. Only an odd run of
  // backslashes makes an escape (`\\ud800` is page text).
  const LONE = /(?<!\\)((?:\\\\)*)\\ud[89a-f][0-9a-f]{2}/gi;
  const json = (v) => {
    const t = JSON.stringify(v);
    return t.includes("\\ud") || t.includes("\\uD") ? t.replace(LONE, "$1\\ufffd") : t;
  };
  const wellFormed = (t) => (t.isWellFormed() ? t : t.toWellFormed());

  // An element's words as a person reads them: textContent runs a card's heading into its
  // paragraph ("Clickable cardwhole card…") and keeps a script's source. Block children
  // get a space either side, scripts and styles are skipped, and the walk stops once it
  // has more than a description can show (innerText would do it too, at a layout's cost).
  const BLOCKS = new Set(["P", "DIV", "LI", "UL", "OL", "DL", "DT", "DD", "TR", "TD", "TH", "TABLE",
    "H1", "H2", "H3", "H4", "H5", "H6", "SECTION", "ARTICLE", "HEADER", "FOOTER", "NAV", "ASIDE",
    "BLOCKQUOTE", "PRE", "FIGURE", "FIGCAPTION", "BR", "HR", "ADDRESS", "MAIN", "FORM", "FIELDSET"]);
  const UNREAD = new Set(["SCRIPT", "STYLE", "TEMPLATE", "NOSCRIPT"]);
  const WORDS_ENOUGH = MAX_TEXT * 4;  // raw characters: indentation collapses later
  const wordsOf = (el) => {
    if (el.childElementCount === 0) return el.textContent;
    let out = "";
    const walk = (node) => {
      for (let n = node.firstChild; n !== null && out.length < WORDS_ENOUGH; n = n.nextSibling) {
        if (n.nodeType === 3) out += n.data;
        else if (n.nodeType === 1 && !UNREAD.has(n.tagName)) {
          const block = BLOCKS.has(n.tagName);
          if (block) out += " ";
          walk(n);
          if (block) out += " ";
        }
      }
    };
    walk(el);
    return out;
  };

  // The text a person reads next to a field: the nearest text before it (after it, for a
  // checkbox or radio), within a few levels of its parents and not another control's label.
  const NEAR_SKIP = "script, style, select, option, button, textarea, a";
  const FIELD_STOP = "input, select, textarea, button, [contenteditable], [role=combobox], [role=slider], [role=textbox]";
  let actionSet = null;
  const actionEls = () => actionSet || (actionSet = new Set(seen.map((entry) => entry[0])));
  const nearText = (el, forward) => {
    let box = el.parentElement || el.getRootNode();
    for (let i = 0; i < 2 && box.parentElement && box.localName !== "form" && box.localName !== "body"; i++) box = box.parentElement;
    const w = el.ownerDocument.createTreeWalker(box, NodeFilter.SHOW_TEXT | NodeFilter.SHOW_ELEMENT);
    w.currentNode = el;
    for (let n = 0; n < 40; n++) {
      const node = forward ? w.nextNode() : w.previousNode();
      if (!node) return "";
      if (el.contains(node)) continue;
      if (node.nodeType === 1) {
        // Past another field, the text is that field's (walking back, its ancestors are fine).
        if (node.matches(FIELD_STOP) && !node.contains(el)) return "";
        continue;
      }
      const t = clean(node.data);
      if (!t) continue;
      const parent = node.parentElement;
      if (!parent) return "";
      // Another action's words (a div "button" beside a field) are that action's name.
      for (let p = parent; p !== null && p !== box; p = p.parentElement) {
        if (!p.contains(el) && actionEls().has(p)) return "";
      }
      const lab = parent.closest("label");
      // A label that names another control is that control's; a loose label is ours.
      if (lab && ((lab.htmlFor && lab.htmlFor !== el.id) || lab.querySelector("input, select, textarea"))) return "";
      if (!lab && parent.closest(NEAR_SKIP)) return "";
      return t.length <= 60 ? t.replace(/[:*\s]+$/, "") : "";
    }
    return "";
  };
  const WORDY = /^[A-Za-z][A-Za-z]+(?:[_\- ][A-Za-z]+)*$/;  // "first_name", not "f12" or "q"
  const fieldName = (el, tag) => {
    const root = el.getRootNode();
    const label = (el.id && (root === document ? labelFor.get(el.id)
      : root.querySelector && root.querySelector(`label[for="${CSS.escape(el.id)}"]`))) || el.closest("label");
    if (label) {
      // The label's own words, not the text of the control inside it (a select's options).
      let t = "";
      for (const n of label.childNodes) if (n !== el && !(n.nodeType === 1 && n.matches("select, textarea, input"))) t += " " + n.textContent;
      if (clean(t)) return cut(clean(t));
    }
    if (el.placeholder) return cut(clean(el.placeholder));
    if (tag === "INPUT" && (el.type === "submit" || el.type === "button" || el.type === "reset") && el.value)
      return cut(clean(el.value));
    if (tag === "INPUT" && el.type === "image" && el.alt) return cut(clean(el.alt));
    const ph = el.getAttribute("aria-placeholder");
    if (ph && clean(ph)) return cut(clean(ph));
    if (el.title) return cut(clean(el.title));
    const box = tag === "INPUT" && (el.type === "checkbox" || el.type === "radio");
    const near = (box && nearText(el, true)) || nearText(el, false);
    if (near) return cut(near);
    const n = el.getAttribute("name");
    if (n && WORDY.test(n)) return n.replace(/[_-]+/g, " ");
    return "";
  };
  // Radios that read the same ("light" under Theme, again under Preferred light theme, in
  // rustdoc's settings): each is named with its group's words too ("Theme: light"), from
  // its fieldset's legend, its radiogroup's label, or the text before its group's first.
  let radioCounts = null;
  const groupName = (el) => {
    const set = el.closest("fieldset");
    const legend = set && set.querySelector("legend");
    if (legend && clean(legend.textContent)) return clean(legend.textContent);
    const group = el.closest("[role=radiogroup]");
    if (group && (group.getAttribute("aria-label") || group.getAttribute("aria-labelledby"))) {
      return name(group, group.tagName, false);
    }
    const root = el.getRootNode();
    const first = el.name && root.querySelector
      ? root.querySelector(`input[type=radio][name="${CSS.escape(el.name)}"]`) : null;
    return first ? nearText(first, false) : "";
  };
  const radioName = (el, s) => {
    if (radioCounts === null) {
      radioCounts = new Map();
      for (const r of document.querySelectorAll("input[type=radio]")) {
        const t = fieldName(r, "INPUT");
        radioCounts.set(t, (radioCounts.get(t) || 0) + 1);
      }
    }
    if ((radioCounts.get(s) || 0) < 2) return s;
    const group = cut(groupName(el));
    return group && group !== s ? cut(group + ": " + s) : s;
  };
  // An icon with no text: the words of its class ("fa fa-trash" -> "trash").
  const ICON_NOISE = new Set(["fa", "fas", "far", "fab", "icon", "icons", "glyphicon", "material", "bi", "btn", "button", "clickable", "svg", "ico"]);
  const classWords = (el) => {
    const cls = typeof el.className === "string" ? el.className : "";
    const words = cls.split(/[\s_-]+/).map((w) => w.toLowerCase()).filter((w) => w.length > 1 && !ICON_NOISE.has(w) && !/\d/.test(w));
    return words.slice(0, 3).join(" ");
  };

  // An icon's own title (<svg><title>Delete</title>…), as a screen reader reads it.
  const iconTitle = (el) => {
    const t = el.querySelector("svg title, svg > desc");
    return t ? cut(clean(t.textContent)) : "";
  };
  // The words of its id or a test hook ("delete-row", data-testid="delete-button"), when
  // nothing else names it: better than no name at all.
  const HOOKS = ["id", "data-testid", "data-test", "data-action", "data-act", "data-cy", "data-qa"];
  const attrWords = (el) => {
    for (const a of HOOKS) {
      const v = el.getAttribute(a);
      if (v && WORDY.test(v.trim())) return v.trim().replace(/[_-]+/g, " ").toLowerCase();
    }
    return "";
  };
  const name = (el, tag, field) => {
    let s = el.getAttribute("aria-label");
    if (s && s.trim()) return cut(clean(s));
    const by = el.getAttribute("aria-labelledby");
    if (by) {
      const root = el.getRootNode();
      const byIdIn = root.getElementById ? root : el.ownerDocument;
      s = by.split(/\s+/).map((id) => { const n = byIdIn.getElementById(id); return n ? n.textContent : ""; }).join(" ");
      if (clean(s)) return cut(clean(s));
    }
    if (field || tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA") {
      const f = fieldName(el, tag);
      return tag === "INPUT" && el.type === "radio" ? radioName(el, f) : f;
    }
    {
      if (tag === "IMG") return cut(clean(el.alt || el.title));
      s = clean(wordsOf(el));
      if (s) return cut(s);
      const img = el.querySelector("img[alt]");
      if (img && clean(img.alt)) return cut(clean(img.alt));
    }
    if (el.title) return cut(clean(el.title));
    const n = el.getAttribute("name");
    if (n) return n;
    if (tag === "A" && el.getAttribute("href")) return cut(el.getAttribute("href"));
    return iconTitle(el) || classWords(el) || attrWords(el);
  };

  // What a field is, for a description by position when nothing names it ("2nd text input").
  const fieldKind = (el, tag, role) => {
    if (tag === "SELECT") return el.multiple || el.size > 1 ? "list" : "dropdown";
    if (tag === "TEXTAREA") return "text area";
    if (tag === "INPUT") {
      const t = el.type;
      if (t === "checkbox") return "checkbox";
      if (t === "radio") return "radio button";
      if (t === "range") return "slider";
      if (t === "date" || t === "datetime-local" || t === "month" || t === "week") return "date input";
      if (t === "time") return "time input";
      if (t === "password") return "password input";
      if (t === "number") return "number input";
      if (t === "email") return "email input";
      if (t === "search") return "search box";
      if (t === "color") return "color picker";
      if (t === "file") return "file input";
      return "text input";
    }
    if (role === "slider") return "slider";
    if (role === "combobox" || role === "listbox") return "dropdown";
    if (role === "checkbox" || role === "switch") return "checkbox";
    if (role === "radio") return "radio button";
    if (role === "spinbutton") return "number input";
    return el.isContentEditable ? "text area" : "text input";
  };
  const ordinal = (n) => {
    const teen = n % 100 >= 11 && n % 100 <= 13;
    return n + (teen ? "th" : ({ 1: "st", 2: "nd", 3: "rd" }[n % 10] || "th"));
  };

  // A CSS selector for an element: `#id` when it has a plain one, else its path from the
  // nearest such ancestor. Only those two cheap kinds (and frames') are in the action space:
  // the others cost the big page ~20 ms and a quarter of its bytes, and few clients address
  // elements by selector, so they are written on demand (`state.selectors`).
  const ID_OK = /^[A-Za-z][\w-]*$/;
  const selectorMaker = () => {
    // nth-of-type steps, computed once per parent (per element it would be quadratic on
    // long sibling lists); the only child of its type needs none (`tbody`, not
    // `tbody:nth-of-type(1)`).
    const nthCache = new Map();
    const stepOf = (node) => {
      const parent = node.parentElement;
      if (!parent) return node.localName;
      let steps = nthCache.get(parent);
      if (!steps) {
        steps = new Map();
        const total = Object.create(null);
        for (let c = parent.firstElementChild; c; c = c.nextElementSibling) {
          total[c.localName] = (total[c.localName] || 0) + 1;
        }
        const seen = Object.create(null);
        for (let c = parent.firstElementChild; c; c = c.nextElementSibling) {
          const t = c.localName;
          seen[t] = (seen[t] || 0) + 1;
          steps.set(c, total[t] === 1 ? t : `${t}:nth-of-type(${seen[t]})`);
        }
        nthCache.set(parent, steps);
      }
      return steps.get(node);
    };
    const pathCache = new Map();  // element -> its selector; siblings share their parent's
    const selectorOf = (el) => {
      if (el.id && ID_OK.test(el.id)) return "#" + el.id;
      if (el.localName === "body") return "body";
      const parent = el.parentElement;
      if (!parent) return el.localName;
      let base = pathCache.get(parent);
      if (base === undefined) {
        base = selectorOf(parent);
        pathCache.set(parent, base);
      }
      return base + " > " + stepOf(el);
    };
    return selectorOf;
  };

  // A link's address, absolute. `el.href` resolves it (a big page's 2,500 links: ~6 ms); an
  // href that is already what the URL parser would write (absolute and canonical, or a plain
  // path from the root of an http(s) base) is taken as it is, the rest resolved.
  const PLAIN = "[A-Za-z0-9\\-._~!$&()*+,;=:@/%?#]*";
  const ROOTED = new RegExp("^/(?!/)" + PLAIN + "$");
  const ABSOLUTE = new RegExp("^(https?)://([a-z0-9-]+(?:\\.[a-z0-9-]+)*)(?::([1-9][0-9]{0,4}))?(/" + PLAIN + ")$");
  const DOTS = /\/\.|%2e/i;
  const NUMERIC = /(?:^|\.)(?:[0-9]+|0x[0-9a-f]*)$/;
  const IPV4 = /^(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$/;
  const DEFAULT_PORT = { http: "80", https: "443" };
  const baseOrigin = (() => {
    try {
      const u = new URL(document.baseURI);
      return (u.protocol === "http:" || u.protocol === "https:") && !u.username && !u.password
        ? u.origin : "";
    } catch (e) { return ""; }
  })();
  const hrefOf = (el) => {
    const raw = el.getAttribute("href");
    if (el.ownerDocument === document && !DOTS.test(raw)) {
      if (baseOrigin && ROOTED.test(raw)) return baseOrigin + raw;
      const m = ABSOLUTE.exec(raw);
      if (m && +(m[3] || 0) <= 65535 && m[3] !== DEFAULT_PORT[m[1]]
          && (!NUMERIC.test(m[2]) || IPV4.test(m[2]))) return raw;
    }
    return el.href;
  };

  // Categories: each candidate inside a form/nav/... gets the innermost container's name.
  // Containers come in document order, so an inner one overwrites its outer one.
  const CATEGORY_SEL = "form, nav, header, footer, aside, dialog, [role=dialog]";
  const categoryName = (box) => {
    const tag = box.localName;
    if (tag === "form") {
      const legend = box.querySelector("legend");
      let n = clean(box.getAttribute("aria-label") || box.getAttribute("name") || box.id || (legend && legend.textContent) || "");
      if (!n && box.getAttribute("action")) {
        // "/shop/cart/add" -> "cart add": the path says what the form does
        const parts = box.getAttribute("action").split(/[?#]/)[0].split("/").filter(Boolean);
        n = parts.slice(parts.length > 1 ? 1 : 0).join(" ");
      }
      return n ? "Form: " + cut(n) : "Form";
    }
    if (tag === "nav") return "Navigation";
    if (tag === "header") return "Header";
    if (tag === "footer") return "Footer";
    if (tag === "aside") return "Sidebar";
    return "Dialog";
  };
  const categories = new Map();
  const frameOf = new Map();  // a frame's body -> its iframe element

  // Returns the prefix (L/B/I/F/O/M) of an interactive element, or "".
  const kindOf = (el, tag, inClickable) => {
    const role = el.getAttribute("role");
    if (tag === "A") return el.hasAttribute("href") ? "L" : (role === "button" ? "B" : (el.hasAttribute("onclick") ? "M" : ""));
    if (tag === "BUTTON" || tag === "SUMMARY") return "B";
    if (tag === "INPUT") {
      const t = (el.getAttribute("type") || "").toLowerCase();
      if (t === "hidden") return "";
      if (BUTTON_INPUTS.has(t)) return "B";
      return "I";
    }
    if (tag === "TEXTAREA" || tag === "SELECT") return "I";
    if (role) {
      if (role === "link") return "L";
      if (B_ROLES.has(role)) return "B";
      if (I_ROLES.has(role)) return "I";
      if (role === "option" && !el.closest("select")) return inClickable() ? "" : "O";
    }
    if (el.isContentEditable && !(el.parentElement && el.parentElement.isContentEditable)) return "I";
    if (tag === "IMG") return el.alt && el.alt.trim() && !inClickable() ? "F" : "";
    if (el.hasAttribute("onclick")) return inClickable() ? "" : "M";
    if (emit.has(el)) return "M";
    const ti = el.getAttribute("tabindex");
    if (ti !== null && +ti >= 0 && tag !== "BODY" && tag !== "HTML" && !el.isContentEditable) return inClickable() ? "" : "M";
    return "";
  };

  const roleOf = (el, tag, kind) => {
    const role = el.getAttribute("role");
    if (role) return role;
    if (tag === "A") return "link";
    if (tag === "BUTTON" || tag === "SUMMARY") return "button";
    if (tag === "SELECT") return "combobox";
    if (tag === "TEXTAREA") return "textbox";
    if (tag === "IMG") return "img";
    if (tag === "INPUT") {
      const t = el.type;
      if (t === "checkbox" || t === "radio") return t;
      if (t === "button" || t === "submit" || t === "reset" || t === "image") return "button";
      if (t === "search") return "searchbox";
      if (t === "range") return "slider";
      if (t === "number") return "spinbutton";
      return "textbox";
    }
    if (kind === "I") return "textbox";
    return kind === "O" ? "option" : "generic";
  };

  // An element as the page markdown shows it: `B2 Add to cart`, `I1 Search: "kindle"`,
  // `I4 Country: France ▾`, `B5 ☑ Remember me`; a password's value is never written.
  const inlineLabel = (a, el) => {
    let s = a.description || "";
    if (a.checked === true || a.checked === false) s = (a.checked ? "☑ " : "☐ ") + s;
    if (a.id.charCodeAt(0) === 73) {  // an I: a field's value shows
      const v = a.type === "password" ? (el.value ? "••••••" : "") : (a.value || "");
      if (a.type === "select") s += (s ? ": " : "") + v + " ▾";
      else s += (s ? ": " : "") + '"' + (v.length > 60 ? v.slice(0, 59) + "…" : v).replace(/\s+/g, " ") + '"';
    }
    return (s ? a.id + " " + s : a.id).replace(/\[/g, "(").replace(/\]/g, ")");
  };
