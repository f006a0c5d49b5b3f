// Showroom's pages: the little client state they need (CSP-safe: no inline scripts, no eval).
"use strict";

// A double tap sends one request: a form's buttons are disabled once it is submitted (the
// server also writes once per form key). Buttons come back if the page is shown from the cache.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || event.defaultPrevented) return;
  window.setTimeout(() => {
    form.querySelectorAll("button[type=submit], button:not([type])").forEach((b) => { b.disabled = true; });
  }, 0);
});
window.addEventListener("pageshow", () => {
  document.querySelectorAll("button[disabled]").forEach((b) => { b.disabled = false; });
});

// The menu on a phone: a toggle (Alpine, CSP build: components are registered here).
document.addEventListener("alpine:init", () => {
  window.Alpine.data("menu", () => ({
    open: false,
    toggle() { this.open = !this.open; },
    get expanded() { return this.open ? "true" : "false"; },
    get shown() { return this.open ? "open" : ""; },
  }));
  // One group of the menu (a disclosure button and its links): Escape closes it and gives the
  // focus back to its button; focus or a click leaving it closes it, so one stays open at most.
  window.Alpine.data("menuGroup", () => ({
    open: false,
    toggle() { this.open = !this.open; },
    get expanded() { return this.open ? "true" : "false"; },
    get shown() { return this.open ? "open" : ""; },
    close() {
      if (!this.open) return;
      this.open = false;
      this.$refs.toggle.focus();
    },
    leave(event) {
      if (!this.$root.contains(event.relatedTarget)) this.open = false;
    },
    dismiss() { this.open = false; },
  }));
  // A details panel that opens in place (log an activity, set an appointment, lose a lead).
  window.Alpine.data("panel", () => ({
    open: false,
    toggle() { this.open = !this.open; },
    get hidden() { return !this.open; },
  }));
});
