// One walk over the page: the action space, page metadata and the HTML with
// hidden elements marked, returned as ONE JSON string (an array of objects
// crossing the CDP bridge costs ~16x more than one string).
//
// Ids are numbered per prefix in page order, so an unchanged page gets the
// same ids. Each id's element is kept in window.__stepdeck.byId, so a step
// finds its element without walking again.
(opts) => {
  const withHtml = !opts || opts.html !== false;
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

  const clean = (s) => (s || "").replace(/\s+/g, " ").trim();
  const cut = (s) => (s.length > MAX_TEXT ? s.slice(0, MAX_TEXT - 1) + "…" : s);

  const name = (el, tag) => {
    let s = el.getAttribute("aria-label");
    if (s && s.trim()) return cut(clean(s));
    const by = el.getAttribute("aria-labelledby");
    if (by) {
      s = by.split(/\s+/).map((id) => { const n = document.getElementById(id); return n ? n.textContent : ""; }).join(" ");
      if (clean(s)) return cut(clean(s));
    }
    const isField = tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA";
    if (isField) {
      const label = (el.id && labelFor.get(el.id)) || el.closest("label");
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

  const selectorOf = (el) => {
    const parts = [];
    let node = el;
    while (node && node.nodeType === 1 && node !== document.documentElement) {
      if (node.id && /^[A-Za-z][\w-]*$/.test(node.id)) {
        parts.unshift("#" + node.id);
        break;
      }
      const tag = node.localName;
      let nth = 1;
      for (let sib = node.previousElementSibling; sib; sib = sib.previousElementSibling)
        if (sib.localName === tag) nth++;
      parts.unshift(nth > 1 ? `${tag}:nth-of-type(${nth})` : tag);
      node = node.parentElement;
    }
    return parts.join(" > ");
  };

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
      if (role === "option" && !el.closest("select")) return inClickable ? "" : "O";
    }
    if (el.isContentEditable && !(el.parentElement && el.parentElement.isContentEditable)) return "I";
    if (inClickable) return "";
    if (tag === "IMG") return el.alt && el.alt.trim() ? "F" : "";
    if (el.hasAttribute("onclick")) return "M";
    const ti = el.getAttribute("tabindex");
    if (ti !== null && +ti >= 0 && tag !== "BODY" && tag !== "HTML" && !el.isContentEditable) return "M";
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

  const isHidden = (el) => {
    // offsetParent is null for display:none (and for fixed elements): only then ask the costlier API.
    if (el.offsetParent === null && el.localName !== "body" && el.localName !== "html") {
      return !el.checkVisibility();
    }
    return false;
  };

  const visit = (el, category, inClickable) => {
    const tag = el.tagName;
    if (SKIP.has(tag)) return;
    if (isHidden(el)) {
      hidden.push(el);
      return;
    }
    const kind = kindOf(el, tag, inClickable);
    if (tag === "FORM") {
      category = "Form: " + clean(el.getAttribute("aria-label") || el.getAttribute("name") || el.id || el.getAttribute("action") || "");
      if (category === "Form: ") category = "Form";
    } else if (tag === "NAV") category = "Navigation";
    else if (tag === "HEADER" && !category) category = "Header";
    else if (tag === "FOOTER") category = "Footer";
    else if (tag === "ASIDE") category = "Sidebar";
    else if (tag === "DIALOG" || el.getAttribute("role") === "dialog") category = "Dialog";

    if (kind) {
      const rect = el.getBoundingClientRect();
      const isBox = tag === "INPUT" && (el.type === "checkbox" || el.type === "radio");
      const visible = (rect.width > 0 && rect.height > 0) || isBox;
      if (visible && el.checkVisibility({ visibilityProperty: true })) {
        const id = kind + (++counters[kind]);
        byId.set(id, el);
        const a = { id, kind, tag: tag.toLowerCase(), role: roleOf(el, tag, kind), description: name(el, tag), category };
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
        if (el.disabled || el.getAttribute("aria-disabled") === "true") a.disabled = true;
        a.selector = selectorOf(el);
        actions.push(a);
      }
      if (kind === "L" || kind === "B" || kind === "M" || kind === "O") inClickable = true;
    }
    if (el.shadowRoot) for (let c = el.shadowRoot.firstElementChild; c; c = c.nextElementSibling) visit(c, category, inClickable);
    for (let c = el.firstElementChild; c; c = c.nextElementSibling) visit(c, category, inClickable);
  };

  if (document.body) visit(document.body, "", false);

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
  if (withHtml && de) {
    for (const el of hidden) el.setAttribute("data-sd-hidden", "");
    out.html = de.outerHTML;
    for (const el of hidden) el.removeAttribute("data-sd-hidden");
  }
  return JSON.stringify(out);
}
