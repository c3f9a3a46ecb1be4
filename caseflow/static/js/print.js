// Print buttons of the document print view (no inline handlers: CSP script-src 'self').
document.querySelectorAll("[data-cf-print]").forEach(function (button) {
  button.addEventListener("click", function () { window.print(); });
});
