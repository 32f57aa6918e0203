// Loaded first by every page (a classic script, so a strict CSP allows it): whatever fails
// before a page publishes its outcome is published instead, so the test reads a reason, not a hang.
const publishFailure = (error) => {
  if (window.__outcome === undefined) window.__outcome = { error: String(error) };
};
window.addEventListener('error', (event) => publishFailure(event.error?.stack ?? event.message));
window.addEventListener('unhandledrejection', (event) => publishFailure(event.reason?.stack ?? event.reason));
// A module script whose graph fails to load fires 'error' at its element, which does not bubble.
document.addEventListener('error', (event) => {
  if (event.target instanceof HTMLScriptElement) publishFailure(`the module ${event.target.src} (or one it imports) failed to load`);
}, true);
