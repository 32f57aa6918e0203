// Runs the suite in a module Worker (where an import map would not apply) and publishes its answer.
const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
worker.addEventListener('message', (event) => { window.__outcome = event.data; });
worker.addEventListener('error', (event) => {
  event.preventDefault();
  window.__outcome = { error: `the worker failed: ${event.message ?? 'no message'}` };
});
