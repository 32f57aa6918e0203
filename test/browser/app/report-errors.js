// Loaded first by every page (a classic script, so a strict CSP allows it): whatever fails
// before a page publishes its outcome is published instead, so the test reads a reason, not a hang.
const publishFailure = (error) => {
  if (window.__outcome === undefined) window.__outcome = { error: String(error) };
};
window.addEventListener('error', (event) => publishFailure(event.error?.stack ?? event.message));
window.addEventListener('unhandledrejection', (event) => publishFailure(event.reason?.stack ?? event.reason));
