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
})();
