// One walk over the page: the action space, page metadata and the HTML with
// hidden elements marked, returned as ONE string (JSON, NUL, HTML) (an array of objects
// crossing the CDP bridge costs ~16x more than one string).
//
// Ids are numbered per prefix in page order, so an unchanged page gets the
// same ids. Each id's element is kept in window.__stepdeck.byId, so a step
// finds its element without walking again.
(opts) => {
  const withHtml = !opts || opts.html !== false;
  // split: answer the HTML now (so markdown conversion starts at once) and keep the
  // action space for a second, short call (`take` below).
  const split = !!(opts && opts.split);
  const MAX_TEXT = 120;
  const SKIP = new Set(["SCRIPT", "STYLE", "NOSCRIPT", "TEMPLATE", "HEAD", "META", "LINK", "svg", "SVG", "IFRAME"]);
  const TEXT_INPUTS = new Set(["", "text", "search", "email", "url", "tel", "password", "number", "date",
    "datetime-local", "month", "week", "time", "color", "range"]);
  const BUTTON_INPUTS = new Set(["button", "submit", "reset", "image", "checkbox", "radio"]);
  const B_ROLES = new Set(["button", "checkbox", "radio", "tab", "menuitem", "menuitemcheckbox",
    "menuitemradio", "switch", "treeitem"]);
  const I_ROLES = new Set(["textbox", "searchbox", "combobox", "slider", "spinbutton"]);

  const labelFor = new Map();
  for (const label of document.querySelectorAll("label[for]")) {
    const key = label.getAttribute("for");
    if (key && !labelFor.has(key)) labelFor.set(key, label);
  }

  // C0 controls (but the whitespace ones) and DEL: an ESC in page text must never reach a terminal.
  const CTRL = /[\u0000-\u0008\u000e-\u001f\u007f]/g;
  const clean = (s) => (s || "").replace(/\s+/g, " ").replace(CTRL, "").trim();
  const cut = (s) => (s.length > MAX_TEXT ? s.slice(0, MAX_TEXT - 1) + "…" : s);

  const name = (el, tag) => {
    let s = el.getAttribute("aria-label");
    if (s && s.trim()) return cut(clean(s));
    const by = el.getAttribute("aria-labelledby");
    if (by) {
      s = by.split(/\s+/).map((id) => { const n = el.ownerDocument.getElementById(id); return n ? n.textContent : ""; }).join(" ");
      if (clean(s)) return cut(clean(s));
    }
    const isField = tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA";
    if (isField) {
      const own = el.ownerDocument;
      const label = (el.id && (own === document ? labelFor.get(el.id)
        : own.querySelector(`label[for="${CSS.escape(el.id)}"]`))) || el.closest("label");
      if (label && clean(label.textContent)) return cut(clean(label.textContent));
      if (el.placeholder) return cut(clean(el.placeholder));
      if (tag === "INPUT" && (el.type === "submit" || el.type === "button" || el.type === "reset") && el.value)
        return cut(clean(el.value));
      if (tag === "INPUT" && el.type === "image" && el.alt) return cut(clean(el.alt));
    } else {
      if (tag === "IMG") return cut(clean(el.alt || el.title));
      s = clean(el.textContent);
      if (s) return cut(s);
      const img = el.querySelector("img[alt]");
      if (img && clean(img.alt)) return cut(clean(img.alt));
    }
    if (el.title) return cut(clean(el.title));
    const n = el.getAttribute("name");
    if (n) return n;
    if (tag === "A" && el.getAttribute("href")) return cut(el.getAttribute("href"));
    return "";
  };

  // nth-of-type steps, computed once per parent (per element it would be quadratic on
  // long sibling lists).
  const nthCache = new Map();
  const stepOf = (node) => {
    const parent = node.parentElement;
    if (!parent) return node.localName;
    let steps = nthCache.get(parent);
    if (!steps) {
      steps = new Map();
      const seen = Object.create(null);
      for (let c = parent.firstElementChild; c; c = c.nextElementSibling) {
        const t = c.localName;
        seen[t] = (seen[t] || 0) + 1;
        steps.set(c, `${t}:nth-of-type(${seen[t]})`);
      }
      nthCache.set(parent, steps);
    }
    return steps.get(node);
  };
  const ID_OK = /^[A-Za-z][\w-]*$/;
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

  const counters = { L: 0, B: 0, I: 0, F: 0, O: 0, M: 0 };
  const byId = new Map();
  const actions = [];
  const hidden = [];

  // Hidden subtrees (for the markdown) and open shadow roots, in one pass over the elements.
  // offsetParent is null for display:none (and for fixed elements): only then ask checkVisibility.
  const roots = document.body ? [document.body] : [];
  const all = document.body ? document.body.getElementsByTagName("*") : [];
  let lastHidden = null;
  const frames = [];
  for (let i = 0; i < all.length; i++) {
    const el = all[i];
    if (el.shadowRoot) roots.push(el.shadowRoot);
    if (el.tagName === "IFRAME") {
      // Same-origin frames are walked too (cross-origin ones cannot be read from here).
      let doc = null;
      try { doc = el.contentDocument; } catch (e) { doc = null; }
      if (doc && doc.body) frames.push([el, doc.body]);
    }
    if (withHtml && el.offsetParent === null && !(lastHidden && lastHidden.contains(el))
        && !SKIP.has(el.tagName) && !el.checkVisibility()) {
      hidden.push(el);
      lastHidden = el;
    }
  }

  for (const [frame, body] of frames) {
    if (frame.getBoundingClientRect().width > 0) {
      roots.push(body);
      frameOf.set(body, frame);
    }
  }

  // Candidates by one native selector, in page order; classified and checked one by one.
  const CANDIDATES = "a, button, summary, input, select, textarea, img[alt], [role], [onclick], [tabindex], [contenteditable]";
  for (const root of roots) {
    for (const box of (root.ownerDocument || root).querySelectorAll(CATEGORY_SEL)) {
      if (root !== document.body && !root.contains(box)) continue;
      const cat = categoryName(box);
      for (const el of box.querySelectorAll(CANDIDATES)) categories.set(el, cat);
    }
  }
  const CLICKABLE = "a[href], button, summary, [onclick], [role=button], [role=link], [role=option], [role=tab], [role=menuitem], [role=checkbox], [role=radio], [role=switch]";
  for (const root of roots) {
    for (const el of root.querySelectorAll(CANDIDATES)) {
      const tag = el.tagName;
      const inClickable = () => !!(el.parentElement && el.parentElement.closest(CLICKABLE));
      const kind = kindOf(el, tag, inClickable);
      if (!kind) continue;
      const rect = el.getBoundingClientRect();
      const isBox = tag === "INPUT" && (el.type === "checkbox" || el.type === "radio");
      if (!((rect.width > 0 && rect.height > 0) || isBox)) continue;
      if (!el.checkVisibility({ visibilityProperty: true })) continue;
      const id = kind + (++counters[kind]);
      byId.set(id, el);
      const a = { id, kind, tag: tag.toLowerCase(), role: roleOf(el, tag, kind), description: name(el, tag).replace(CTRL, ""), category: categories.get(el) || "" };
      if (tag === "A" && el.hasAttribute("href")) a.href = el.href;
      if (tag === "INPUT") {
        a.type = el.type;
        if (el.type === "checkbox" || el.type === "radio") a.checked = el.checked;
        else if (el.type !== "password" && !BUTTON_INPUTS.has(el.type)) a.value = el.value;
      } else if (tag === "TEXTAREA") {
        a.type = "textarea";
        a.value = el.value;
      } else if (tag === "SELECT") {
        a.type = "select";
        a.options = Array.from(el.options, (o) => clean(o.label || o.textContent));
        a.optionValues = Array.from(el.options, (o) => o.value);
        a.value = el.selectedIndex >= 0 ? clean(el.options[el.selectedIndex].label || el.options[el.selectedIndex].textContent) : "";
        a.multiple = el.multiple;
      } else if (kind === "I" && el.isContentEditable) {
        a.type = "contenteditable";
        a.value = cut(clean(el.textContent));
      } else if (el.hasAttribute("aria-checked")) {
        a.checked = el.getAttribute("aria-checked") === "true";
      }
      if (el.disabled || el.getAttribute("aria-disabled") === "true") {
        a.disabled = true;
        a.description = (a.description + " (disabled)").trim();
      }
      if (a.value) a.value = a.value.replace(CTRL, "");
      // Already shaped as the model's Action (its params), so Python validates without mapping.
      if (kind === "I") {
        a.params = [a.type === "select"
          ? { name: "value", type: "options", default: a.value || null, values: a.options }
          : { name: "value", type: a.type || "text" }];
      }
      a.selector = selectorOf(el);
      const frame = frameOf.get(root);
      if (frame) {
        a.selector = selectorOf(frame) + " >> internal:control=enter-frame >> " + a.selector;
        if (!a.category) a.category = "Frame";
        a.frame = true;
      }
      actions.push(a);
    }
  }

  const state = (window.__stepdeck = window.__stepdeck || {});
  state.byId = byId;

  const de = document.documentElement;
  const out = {
    title: document.title,
    url: location.href,
    viewport: {
      width: window.innerWidth,
      height: window.innerHeight,
      scroll_x: Math.round(window.scrollX),
      scroll_y: Math.round(window.scrollY),
      page_width: de ? de.scrollWidth : 0,
      page_height: de ? de.scrollHeight : 0,
    },
    actions,
  };
  // The HTML travels after the JSON, split by a NUL (JSON.stringify never writes a raw one):
  // escaping a megabyte of HTML into JSON and back would cost more than the walk.
  let html = "";
  if (withHtml && de) {
    for (const el of hidden) el.setAttribute("data-sd-hidden", "");
    html = de.outerHTML;
    for (const el of hidden) el.removeAttribute("data-sd-hidden");
    // Same-origin frames' text follows the page's (an HTML parser puts it at the end of body).
    for (const body of frameOf.keys()) html += "<section>" + body.innerHTML + "</section>";
  }
  if (split) {
    state.pending = out;
    return location.href + "\u0000" + html;
  }
  return JSON.stringify(out) + (withHtml ? "\u0000" + html : "");
}
