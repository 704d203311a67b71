// Added to every context before any page script runs: remembers which elements got a
// click-like listener, so the walk (perception.js) can offer elements that only script
// makes clickable (div buttons, list rows, tree nodes, icons). A registration costs one
// Set.add; the page sees no new attribute or enumerable property.
(() => {
  if (window.__stepdeckClicks) return;
  const clicks = new Set();
  Object.defineProperty(window, "__stepdeckClicks", { value: clicks, enumerable: false });
  const KINDS = new Set(["click", "mousedown", "mouseup", "pointerdown", "pointerup", "dblclick", "touchstart"]);
  const proto = EventTarget.prototype;
  const add = proto.addEventListener;
  const record = function addEventListener(type, listener, options) {
    // Elements only: a listener on window or document handles clicks for the whole page.
    if (KINDS.has(type) && this instanceof Element && this.localName !== "body" && this.localName !== "html") {
      clicks.add(this);
    }
    return add.call(this, type, listener, options);
  };
  // The page sees the native name and source text of the function it replaced.
  Object.defineProperty(record, "toString", { value: () => add.toString(), enumerable: false });
  proto.addEventListener = record;
  // `el.onclick = fn` registers no listener: its setter records the element too.
  const prop = Object.getOwnPropertyDescriptor(HTMLElement.prototype, "onclick");
  if (prop && prop.set) {
    Object.defineProperty(HTMLElement.prototype, "onclick", {
      ...prop,
      set(fn) {
        if (fn && this.localName !== "body" && this.localName !== "html") clicks.add(this);
        return prop.set.call(this, fn);
      },
    });
  }
  // A navigation of this window the page has started but not yet committed: a form
  // submission (Chromium runs it in a later task) or a navigate event (link, location.*).
  // Read and cleared by a step after its action (actions.py), so the step waits for the
  // new document instead of describing the old one. Checked at read time, after every
  // page listener ran: a submit or navigate the page prevented is no navigation.
  if (window === window.top) {
    let submit = null;
    let navigate = null;
    const fetchable = (url) => /^(https?|file):/i.test(url || "");
    add.call(window, "submit", (e) => {
      const form = e.target;
      if (!e.isTrusted || !(form instanceof HTMLFormElement)) return;
      const by = e.submitter;
      const base = document.querySelector("base[target]");
      const attr = (name) => (by && by.getAttribute("form" + name)) || form.getAttribute(name);
      const aim = (attr("target") || (base && base.getAttribute("target")) || "").trim().toLowerCase();
      const action = new URL(attr("action") || "", document.baseURI).href;
      if (["", "_self", "_top", "_parent"].includes(aim) && (attr("method") || "").toLowerCase() !== "dialog" && fetchable(action)) {
        submit = e;
        navigate = null;
      }
    }, true);
    const nav = window.navigation;
    if (nav) {
      add.call(nav, "navigate", (e) => { navigate = e; });
      // Only a same-document navigation finishes in this document (hash, history API, intercepted).
      const done = () => { navigate = null; };
      add.call(nav, "navigatesuccess", done);
      add.call(nav, "navigateerror", done);
    }
    // A submission the browser refused (a required field left empty, an email without @):
    // it fires "invalid" at each such field and sends nothing. Their words and messages.
    let invalid = [];
    const words = (t) => (t || "").replace(/[\u0000-\u001f\u007f-\u009f]/g, " ").replace(/\s+/g, " ").trim();
    add.call(window, "invalid", (e) => {
      const el = e.target;
      if (!e.isTrusted || !(el instanceof Element) || invalid.length >= 3) return;
      const name = words((el.labels && el.labels.length && el.labels[0].textContent)
        || el.getAttribute("aria-label") || el.getAttribute("placeholder") || el.name) || "a field";
      invalid.push(name.slice(0, 60) + ": " + words(el.validationMessage).slice(0, 160));
    }, true);
    // "navigate" (a new document is coming), "download" (`<a download>`: a file is coming,
    // no document; downloadRequest is the suggested name, "" for a bare attribute),
    // "external:mailto" (a link the browser hands on: no document), "invalid:<what>" (a
    // form the browser would not send) or "".
    const pending = () => {
      const n = navigate;
      const s = submit;
      const refused = invalid;
      navigate = submit = null;
      invalid = [];
      if (n) {
        if (n.defaultPrevented || n.hashChange) return "";
        if (n.downloadRequest != null) return "download";
        const url = n.destination.url;
        if (fetchable(url)) return "navigate";
        // mailto:, tel:, an app's own scheme: the browser hands it on, no document comes
        const scheme = (/^([a-z][a-z0-9+.-]*):/i.exec(url) || [])[1] || "";
        return /^(about|blob|data|javascript)$/i.test(scheme) ? "" : "external:" + scheme.toLowerCase();
      }
      if (s && !s.defaultPrevented) return "navigate";
      return refused.length ? "invalid:" + refused.join(" · ") : "";
    };
    const clear = () => { navigate = submit = null; invalid = []; };
    Object.defineProperty(window, "__stepdeckNav", { value: { pending, clear }, enumerable: false });
  }
})();
