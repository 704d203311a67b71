// Corpus pages: what a command did, read back by the test as one snapshot.
window.STATE = {};
window.record = (key, value) => { window.STATE[key] = value; };
// A click on something irreversible (pay, delete, publish, send) is recorded as such.
window.irreversible = (what) => { window.STATE.irreversible = what; };
window.snapshot = () => {
  const out = Object.assign({}, window.STATE);
  const fields = (root) => {
    for (const el of root.querySelectorAll("input, select, textarea")) {
      const key = el.id || el.name;
      if (!key) continue;
      if (el.type === "checkbox") out[key] = el.checked;
      else if (el.type === "radio") { if (el.checked) out[el.name] = el.value; }
      else out[key] = el.value;
    }
    for (const el of root.querySelectorAll("[contenteditable][id]")) out[el.id] = el.textContent.trim();
    for (const el of root.querySelectorAll("[role=checkbox][id], [role=switch][id]")) out[el.id] = el.getAttribute("aria-checked") === "true";
    for (const el of root.querySelectorAll("*")) if (el.shadowRoot) fields(el.shadowRoot);
  };
  fields(document);
  for (const f of document.querySelectorAll("iframe")) {
    try { if (f.contentWindow.snapshot) Object.assign(out, f.contentWindow.snapshot()); } catch (e) { /* cross-origin */ }
  }
  let a = document.activeElement;
  while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement;
  if (a && a.tagName === "IFRAME") { try { a = a.contentDocument.activeElement; } catch (e) { /* */ } }
  out.focus = (a && a !== document.body && (a.id || a.name)) || "";
  return out;
};
