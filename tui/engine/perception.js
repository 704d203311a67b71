// One walk over the page: the action space, page metadata and the HTML the markdown is
// made of (hidden elements left out, inline ids written in), answered as strings (an array
// of objects crossing the CDP bridge costs ~16x more than one string): at once (JSON, NUL,
// HTML), or split (the HTML now, the action space in batches asked for with `take`).
//
// Ids are numbered per prefix in page order, so an unchanged page gets the
// same ids. Each id's element is kept in window.__stepdeck.byId, so a step
// finds its element without walking again.
//
// One function, kept in three files: `// @include` lines are replaced by the named file
// (perception.py's walk_script) — what elements are called in perception_names.js, what
// travels to Python in perception_html.js, the walk itself here.
(opts) => {
  const withHtml = !opts || opts.html !== false;
  // split: answer the HTML now (so markdown conversion starts at once) and keep the
  // action space for a second, short call (`take` below).
  const split = !!(opts && opts.split);
  // Whether the HTML carries each action's inline id ([B2 Add to cart] in the page markdown).
  const mark = !!(opts && opts.mark);
  const MAX_TEXT = 120;
  const SKIP = new Set(["SCRIPT", "STYLE", "NOSCRIPT", "TEMPLATE", "HEAD", "META", "LINK", "svg", "SVG", "IFRAME"]);
  const TEXT_INPUTS = new Set(["", "text", "search", "email", "url", "tel", "password", "number", "date",
    "datetime-local", "month", "week", "time", "color", "range"]);
  const BUTTON_INPUTS = new Set(["button", "submit", "reset", "image", "checkbox", "radio"]);
  const B_ROLES = new Set(["button", "checkbox", "radio", "tab", "menuitem", "menuitemcheckbox",
    "menuitemradio", "switch", "treeitem"]);
  const I_ROLES = new Set(["textbox", "searchbox", "combobox", "slider", "spinbutton"]);

  // @include perception_names.js

  // @include perception_html.js

  const counters = { L: 0, B: 0, I: 0, F: 0, O: 0, M: 0 };
  const byId = new Map();
  const actions = [];
  const actionOf = new Map();
  const hidden = [];

  // Hidden subtrees (for the markdown): not rendered (display:none), or hidden by their own
  // `hidden` attribute or inline style. display:none comes from the `hidden` attribute, inline
  // styles, style sheet rules and the browser's own rules for a few elements: when the page's
  // sheets can be read and hide by few rules, only the elements those could hide are asked
  // (checkVisibility); otherwise every element is (~20 ms more on the big page).
  const MAY_HIDE = "[hidden], [style*=display i], [style*=visibility i], dialog:not([open]), "
    + "[popover], input[type=hidden i], datalist, area, audio:not([controls]), noframes, title";
  // Their content is a fallback, never drawn.
  const FALLBACK = "video, audio, progress, meter";
  // The page's own rules that hide: by display:none (for the markdown), and by visibility or
  // content-visibility (an element with a box that is still not seen); null when a sheet
  // cannot be read (cross-origin), and every element is asked instead.
  const PSEUDO = /::?(before|after|marker|placeholder|backdrop|first-line|first-letter|selection)|::/i;
  const readRules = () => {
    const display = [];
    const visibility = [];
    const collect = (rules) => {
      for (const r of rules) {
        const st = r.style;
        if (st && r.selectorText && !PSEUDO.test(r.selectorText)) {
          if (st.display === "none") display.push(r.selectorText);
          if (st.visibility === "hidden" || st.visibility === "collapse"
              || st.contentVisibility === "hidden") visibility.push(r.selectorText);
        }
        if (r.cssRules && r.cssRules.length) collect(r.cssRules);
        if (r.styleSheet) collect(r.styleSheet.cssRules);  // @import (throws if cross-origin)
      }
    };
    try {
      for (const sheet of document.styleSheets) collect(sheet.cssRules);
      for (const sheet of document.adoptedStyleSheets || []) collect(sheet.cssRules);
    } catch (e) { return null; }
    return { display, visibility };
  };
  const rules = document.body ? readRules() : null;
  const byRules = withHtml && rules && rules.display.length + rules.visibility.length <= 64
    ? [...rules.display, ...rules.visibility] : null;
  const VISIBLE = { visibilityProperty: true };
  const hideCheck = (el) => {
    if (!(lastHidden && lastHidden.contains(el)) && !SKIP.has(el.tagName)
        && !el.checkVisibility(VISIBLE)) {
      hidden.push(el);
      lastHidden = el;
    }
  };
  // Open shadow roots and same-origin frames, in one pass over the elements.
  const roots = document.body ? [document.body] : [];
  const all = document.body ? document.body.getElementsByTagName("*") : [];
  let lastHidden = null;
  const frames = [];
  // Elements only script makes clickable: a recorded click listener (perception_init.js),
  // an onclick property, or cursor:pointer that its parent does not have.
  const scripted = new Set();
  // Without the init script (a context stepdeck did not create), onclick properties are
  // found by reading each element's (~15 ms on the big page); with it, its setter told us.
  const scanProps = !window.__stepdeckClicks;
  const onclickProp = (el) => { if (el.onclick && !el.hasAttribute("onclick")) scripted.add(el); };
  const shadowScan = (sr) => {
    for (const el of sr.querySelectorAll("*")) {
      if (scanProps) onclickProp(el);
      if (el.shadowRoot) { roots.push(el.shadowRoot); shadowScan(el.shadowRoot); }
    }
  };
  const fullScan = scanProps || (withHtml && !byRules);
  for (let i = 0; i < all.length; i++) {
    const el = all[i];
    if (el.shadowRoot) { roots.push(el.shadowRoot); shadowScan(el.shadowRoot); }
    if (!fullScan) continue;
    if (scanProps) onclickProp(el);
    // offsetParent is null for display:none (and for fixed elements): only then ask further.
    if (withHtml && !byRules && el.offsetParent === null) hideCheck(el);
  }
  // Same-origin frames are walked too (cross-origin ones cannot be read from here).
  for (const el of document.body ? document.body.getElementsByTagName("iframe") : []) {
    let doc = null;
    try { doc = el.contentDocument; } catch (e) { doc = null; }
    if (doc && doc.body) frames.push([el, doc.body]);
  }
  // The body's elements any of `selectors` match: in one pass, or (a selector this browser
  // cannot match) one selector at a time, skipping that one.
  const matching = (selectors) => {
    try {
      return document.body.querySelectorAll(selectors.join(", "));
    } catch (e) {
      const found = [];
      for (const sel of selectors) { try { found.push(...document.body.querySelectorAll(sel)); } catch (e2) { /* skip */ } }
      return found;
    }
  };
  if (byRules) {
    for (const el of matching([MAY_HIDE, ...byRules])) hideCheck(el);
    for (const box of document.body.querySelectorAll(FALLBACK)) for (const el of box.querySelectorAll("*")) hideCheck(el);
  } else if (withHtml && document.body) {
    // Rendered, but hidden by their own attribute or inline style, or by a visibility rule.
    for (const el of matching(["[hidden], [style*=visibility i]", ...(rules ? rules.visibility : [])])) hideCheck(el);
  }

  for (const [frame, body] of frames) {
    if (frame.getBoundingClientRect().width > 0) {
      roots.push(body);
      frameOf.set(body, frame);
      if (scanProps) for (const el of body.getElementsByTagName("*")) onclickProp(el);
    }
  }
  const recorded = (win) => {
    let set = null;
    try { set = win && win.__stepdeckClicks; } catch (e) { set = null; }
    if (set) for (const el of set) { if (el.isConnected) scripted.add(el); else set.delete(el); }
  };
  recorded(window);
  for (const body of frameOf.keys()) recorded(body.ownerDocument.defaultView);
  // cursor:pointer from the style sheets' rules (reading every element's computed style
  // would cost the big page ~100 ms); `:hover` rules count, it is when the cursor shows.
  const pointerSelectors = [];
  const collectRules = (rules) => {
    for (const r of rules) {
      if (r.style && r.style.cursor === "pointer" && r.selectorText) pointerSelectors.push(r.selectorText);
      else if (r.cssRules) collectRules(r.cssRules);
    }
  };
  const sheetsOf = (root) => {
    const doc = root.ownerDocument || root;
    const out = [];
    try {
      const holder = root instanceof ShadowRoot ? root : doc;
      for (const sheet of holder.styleSheets) { try { collectRules(sheet.cssRules); } catch (e) { /* cross-origin */ } }
      for (const sheet of holder.adoptedStyleSheets || []) collectRules(sheet.cssRules);
    } catch (e) { /* no sheets */ }
    return out;
  };
  const NATIVE = "a[href], button, summary, input, select, textarea, label, option, [role], [onclick], [tabindex], [contenteditable]";
  for (const root of roots) {
    pointerSelectors.length = 0;
    sheetsOf(root);
    const found = [];
    const onHover = new Set();
    for (const sel of pointerSelectors) {
      const plain = sel.replace(/:(hover|focus|active)\b/g, "");
      try {
        for (const el of root.querySelectorAll(plain)) {
          found.push(el);
          if (plain !== sel) onHover.add(el);  // its cursor shows on hover only: trust the rule
        }
      } catch (e) { /* ::pseudo */ }
    }
    for (const el of root.querySelectorAll("[style*=cursor]")) if (el.style.cursor === "pointer") found.push(el);
    for (let i = 0; i < found.length && i < 3000; i++) {
      const el = found[i];
      if (scripted.has(el) || el.matches(NATIVE)) continue;
      const view = el.ownerDocument.defaultView;
      const parent = el.parentElement || (el.parentNode && el.parentNode.host);
      if (!onHover.has(el) && view.getComputedStyle(el).cursor !== "pointer") continue;
      if (parent && view.getComputedStyle(parent).cursor === "pointer") continue;
      scripted.add(el);
    }
  }
  // Outermost meaningful one only: an element whose scripted descendants are two or more is
  // a container (its rows are the actions); with one, the outer element stands for both.
  // Inside a native control, or wrapping one with the same text, it adds nothing.
  const NATIVE_CLICK = "a[href], button, summary, input, select, textarea, label, [role=button], [role=link], [role=tab], [role=menuitem], [role=option], [role=checkbox], [role=radio], [role=switch], [role=treeitem]";
  const upOf = (el) => el.parentElement || (el.parentNode && el.parentNode.host) || null;
  const scriptedParent = new Map();
  const scriptedKids = new Map();
  for (const el of scripted) {
    let up = upOf(el);
    for (let d = 0; up && d < 25; d++, up = upOf(up)) {
      if (scripted.has(up)) {
        scriptedParent.set(el, up);
        scriptedKids.set(up, (scriptedKids.get(up) || 0) + 1);
        break;
      }
    }
  }
  const emit = new Set();
  for (const el of scripted) {
    if ((scriptedKids.get(el) || 0) >= 2) continue;
    const up = scriptedParent.get(el);
    if (up && (scriptedKids.get(up) || 0) < 2) continue;
    if (el.matches(NATIVE_CLICK) || (el.parentElement && el.parentElement.closest(NATIVE_CLICK))) continue;
    const inner = el.querySelector(NATIVE_CLICK);
    if (inner && clean(inner.textContent || inner.value) === clean(el.textContent)) continue;
    emit.add(el);
  }

  // Candidates by one native selector, in page order; classified and checked one by one.
  const CANDIDATES = "a, button, summary, input, select, textarea, img[alt], [role], [onclick], [tabindex], [contenteditable]";
  const CLICKABLE = "a[href], button, summary, [onclick], [role=button], [role=link], [role=option], [role=tab], [role=menuitem], [role=checkbox], [role=radio], [role=switch]";
  // Candidates by one native selector, plus the scripted ones, merged in page order.
  const candidatesOf = (root) => {
    const base = Array.from(root.querySelectorAll(CANDIDATES));
    const extra = [];
    for (const el of emit) if (root.contains(el) && !el.matches(CANDIDATES)) extra.push(el);
    if (!extra.length) return base;
    const before = (a, b) => (a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING) !== 0;
    extra.sort((a, b) => (before(a, b) ? -1 : 1));
    const out = [];
    let j = 0;
    for (const el of base) {
      while (j < extra.length && before(extra[j], el)) out.push(extra[j++]);
      out.push(el);
    }
    while (j < extra.length) out.push(extra[j++]);
    return out;
  };
  // An element with a box can still be unseen: visibility hidden or collapse, or inside
  // content-visibility: hidden (a closed <details>, hidden=until-found). When the page's
  // sheets say which elements could be, only those are asked (checkVisibility, ~1 us each);
  // with frames or shadow roots (their own sheets) or unreadable sheets, every one is.
  let unseen = null;
  if (rules && rules.visibility.length <= 64 && roots.length === 1) {
    const may = ["[style*=visibility i]", "[hidden=until-found i]", "details:not([open])",
      ...rules.visibility];
    try {
      const found = new Set();
      for (const box of document.body.querySelectorAll(may.join(", "))) {
        found.add(box);
        for (const el of box.getElementsByTagName("*")) found.add(el);
      }
      unseen = found;
    } catch (e) { unseen = null; }  // a selector this browser cannot match
  }
  // First what the page's HTML needs: which elements are actions, and their ids.
  const seen = [];
  for (const root of roots) {
    for (const el of candidatesOf(root)) {
      const tag = el.tagName;
      const inClickable = () => !!(el.parentElement && el.parentElement.closest(CLICKABLE));
      const kind = kindOf(el, tag, inClickable);
      if (!kind) continue;
      const rect = el.getBoundingClientRect();
      const isBox = tag === "INPUT" && (el.type === "checkbox" || el.type === "radio");
      if (!((rect.width > 0 && rect.height > 0) || isBox)) continue;
      if ((unseen === null || isBox || unseen.has(el)) && !el.checkVisibility(VISIBLE)) continue;
      const id = kind + (++counters[kind]);
      byId.set(id, el);
      seen.push([el, tag, kind, rect, root, id]);
    }
  }
  const state = (window.__stepdeck = window.__stepdeck || {});
  state.byId = byId;
  // The selectors the action space leaves out, for these ids (null: no longer on the page).
  // One JSON string (an array of 8,000 strings crossing to Python is decoded value by value).
  state.selectors = (ids) => {
    const selectorOf = selectorMaker();
    return json(ids.map((id) => {
      const el = byId.get(id);
      return el && el.isConnected ? selectorOf(el) : null;
    }));
  };

  // Then what each one is (a split walk does this in its second call, `take`, while the
  // HTML is on its way and being converted).
  // A split walk describes its actions in batches, one per message (`take`), so the page
  // describes the next batch while the last one travels; what a description needs of the
  // whole page (categories, focus, how many fields of each kind) is read once, first.
  let prepared = null;
  const prepare = () => {
    if (prepared) return prepared;
    for (const root of roots) {
      for (const box of (root.ownerDocument || root).querySelectorAll(CATEGORY_SEL)) {
        if (root !== document.body && !root.contains(box)) continue;
        const cat = categoryName(box);
        for (const el of box.querySelectorAll(CANDIDATES)) categories.set(el, cat);
      }
    }
    // The element with focus, through shadow roots and same-origin frames.
    let active = document.activeElement;
    for (let d = 0; active && d < 10; d++) {
      if (active.shadowRoot && active.shadowRoot.activeElement) { active = active.shadowRoot.activeElement; continue; }
      if (active.tagName === "IFRAME") {
        let inner = null;
        try { inner = active.contentDocument && active.contentDocument.activeElement; } catch (e) { inner = null; }
        if (inner && inner.tagName !== "BODY") { active = inner; continue; }
      }
      break;
    }
    // Which of them are fields, and of what kind: an unnamed one is called by its place
    // among its kind ("2nd text input").
    const kinds = [];
    const kindTotal = new Map();
    for (const [el, tag, kind] of seen) {
      const role = roleOf(el, tag, kind);
      const field = kind === "I" || (tag === "INPUT" && (el.type === "checkbox" || el.type === "radio"))
        || ((role === "checkbox" || role === "radio" || role === "switch") && !clean(el.textContent));
      const fk = field ? fieldKind(el, tag, role) : "";
      if (fk) kindTotal.set(fk, (kindTotal.get(fk) || 0) + 1);
      kinds.push([role, fk]);
    }
    prepared = { active, kinds, kindTotal };
    return prepared;
  };
  const kindCount = new Map();
  const viewW = window.innerWidth;
  const viewH = window.innerHeight;
  // Describe the actions up to seen[end] (appended to `actions`, in page order).
  const describeTo = (end) => {
    const { active, kinds, kindTotal } = prepare();
    for (let i = actions.length; i < end; i++) {
      const [el, tag, kind, rect, root, id] = seen[i];
      const [role, fk] = kinds[i];
      // Built in one shape, nothing deleted later: an object a property was deleted from is
      // slower to fill and to stringify (~2.5 ms for the big page's 5,000). The kind is the
      // id's letter; an empty category is left out.
      const a = { id, tag: tag.toLowerCase(), role, description: name(el, tag, !!fk).replace(CTRL, "") };
      const category = categories.get(el);
      if (category) a.category = category;
      if (fk) {
        const n = (kindCount.get(fk) || 0) + 1;
        kindCount.set(fk, n);
        a.field = fk;
        // Nothing names it: say which one it is ("2nd text input", "1st slider").
        if (!a.description) a.description = kindTotal.get(fk) > 1 ? `${ordinal(n)} ${fk}` : fk;
      }
      if (el === active) a.focused = true;
      if (tag === "A" && el.hasAttribute("href")) a.href = hrefOf(el);
      // Where it is on the screenshot; one out of view has none (a big page's boxes were an
      // eighth of its action space's bytes, and nothing drew them).
      if (rect.bottom > 0 && rect.right > 0 && rect.top < viewH && rect.left < viewW) {
        a.box = [Math.round(rect.left), Math.round(rect.top), Math.round(rect.width), Math.round(rect.height)];
      }
      if (tag === "INPUT") {
        a.type = el.type;
        if (el.type === "checkbox" || el.type === "radio") a.checked = el.checked;
        else if (el.type === "password") a.value = el.value ? "••••••" : "";  // never the secret itself
        else if (el.type === "file") a.value = Array.from(el.files || [], (f) => f.name).join(", ");  // not C:\fakepath
        else if (!BUTTON_INPUTS.has(el.type)) a.value = el.value;
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
      } else if (kind === "I") {
        // ARIA widgets: a slider's value, a custom dropdown's or textbox's shown text.
        const now = el.getAttribute("aria-valuetext") || el.getAttribute("aria-valuenow");
        a.value = now !== null ? now : cut(clean(el.textContent));
        if (role === "slider") a.type = "range";
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
      if (el.id && ID_OK.test(el.id)) a.selector = "#" + el.id;
      const frame = frameOf.get(root);
      if (frame) {
        // a step finds a frame's element by it (see actions.py)
        const selectorOf = selectorMaker();
        a.selector = selectorOf(frame) + " >> internal:control=enter-frame >> " + selectorOf(el);
        if (!a.category) a.category = "Frame";
        a.frame = true;
        delete a.box; // relative to the frame, not to the screenshot
      }
      actions.push(a);
      actionOf.set(el, a);
    }
  };
  const describe = () => describeTo(seen.length);

  const de = document.documentElement;
  const meta = () => ({
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
  });
  const writeHtml = (full) => {
    const body = document.body;
    const parts = [];
    const shadows = roots.some((r) => r.nodeType === 11);  // a ShadowRoot (a fragment)
    const write = htmlWriter(parts, new Set(hidden), mark ? inlineIds(full) : null, shadows);
    // The body only: the head's scripts and styles (often most of a real page's bytes) are
    // never shown, and would cost serialising and sending.
    parts.push("<html><body>");
    write(body && body.parentElement === de ? body : de);
    // Same-origin frames' text follows the page's (an HTML parser puts it at the end of body).
    for (const frameBody of frameOf.keys()) {
      parts.push("<section>");
      write(frameBody);
      parts.push("</section>");
    }
    parts.push("</body></html>");
    return parts.join("");
  };
  // Once the walk has answered, what only it needed goes; the ids' elements stay (byId, for
  // the steps). Held until the next walk, a big page's 5,000 descriptions and boxes grew old,
  // and old garbage is the page's collector's dearest: letting them go cut the browser's CPU
  // per observe of the 5,000-element page by ~10 % (two browsers, old and new, alternating).
  const release = () => {
    seen.length = 0;
    actions.length = 0;
    actionOf.clear();
    categories.clear();
    hidden.length = 0;
    containers.clear();
    labelFor.clear();
    prepared = null;
    actionSet = null;
    radioCounts = null;
  };
  if (!split) {
    // The HTML travels after the JSON, split by a NUL (JSON.stringify never writes a raw one):
    // escaping a megabyte of HTML into JSON and back would cost more than the walk.
    describe();
    const answer = json(meta()) + (withHtml && de ? "\u0000" + wellFormed(writeHtml(true)) : "");
    release();
    return answer;
  }
  // A split walk answers the HTML now, its inline ids without labels (`take` sends them), so
  // markdown conversion starts at once; long answers travel in slices of `opts.slice` UTF-16
  // units, which the client asks for all at once (`state.part`): the client parses each
  // message on its event loop, and a megabyte at once held it.
  const size = (opts && opts.slice) || 1 << 30;
  // Each answer keeps its own slices (`which`: "html" or "take"): the client asks for both
  // answers' slices before either exists, and the page serves requests in the order sent.
  const store = (state.parts = {});
  let takeNext = null;  // the action space's next message, once `take` has begun
  const sliced = (which, t) => {
    const parts = cutUp(t, size).map((p) => asAscii(p, which === "take"));
    store[which] = parts;
    const first = parts[0];
    parts[0] = null;
    return parts.length + "\u0000" + first;
  };
  // A slice, once; "" past the last one (the client asks ahead, before it knows the count);
  // null when the document changed (its state is gone).
  state.part = (which, i) => {
    if (which === "take") return takeNext ? takeNext() : null;
    const parts = state.parts === store ? store[which] : null;
    if (!parts) return null;
    if (i >= parts.length) return "";
    const t = parts[i];
    parts[i] = null;
    return t;
  };
  // The action space, in batches of 2 * `chunk` actions: each message a slice of typed
  // pieces split by NULs (JSON.stringify never writes a raw one): "m" the page's JSON, "l" the
  // batch's inline-id labels, "a" a JSON array of `chunk` actions; its first character says
  // whether more follow ("+") or it is the last ("."). The first message is `take`'s answer,
  // the rest `part("take", ...)`'s, asked for ahead ("" once there is nothing left).
  state.take = (chunk) => {
    state.take = null;
    const queue = [];
    let started = false;
    const next = () => {
      if (!queue.length && (!started || actions.length < seen.length)) {
        const pieces = [];
        if (!started) pieces.push("m" + json({ ...meta(), actions: [] }));
        started = true;
        const from = actions.length;
        describeTo(Math.min(seen.length, from + 2 * chunk));
        const batch = actions.slice(from);
        // Labels that are not just the id and the description (fields, boxes); the rest the
        // client writes itself.
        const labels = {};
        let some = false;
        for (const a of batch) {
          const el = byId.get(a.id);
          // only a field's value or a box's mark makes a label more (inlineLabel)
          if (containers.size && containers.has(el)) {
            if (!ariaNamed(el)) {
              labels[a.id] = a.id;  // its id alone: what it holds follows it (htmlWriter)
              some = true;
            }
          } else if (a.id.charCodeAt(0) === 73 /* I */ || a.checked === true || a.checked === false) {
            const label = inlineLabel(a, el);
            if (label !== a.id + " " + a.description.replace(/\[/g, "(").replace(/\]/g, ")")) {
              labels[a.id] = label;
              some = true;
            }
          }
        }
        // A field's label can hold a mark (☑, ▾): escaped here, in this short piece, so that
        // a batch is not rebuilt with escapes (asAscii below) for a few such characters.
        if (some) pieces.push("l" + oneByte(json(labels).replace(NON_ASCII, jsonEscape)));
        for (let i = 0; i < batch.length; i += chunk) pieces.push("a" + json(batch.slice(i, i + chunk)));
        // one join, not a "+" on top of it: a concatenated string is flattened (copied) again
        // by the first regex or slice that reads it
        if (from) pieces.unshift("");
        const text = pieces.join("\u0000");
        for (const t of cutUp(text, size)) queue.push(asAscii(t, true));
      }
      if (!queue.length) return "";
      const t = queue.shift();
      if (queue.length || actions.length < seen.length) return "+" + t;
      release();
      return "." + t;
    };
    takeNext = next;
    return next();
  };
  // The address, how many actions (so the client asks for all their batches ahead), the HTML.
  return location.href + "\u0000" + seen.length + "\u0000"
    + sliced("html", withHtml && de ? wellFormed(writeHtml(false)) : "");
}
