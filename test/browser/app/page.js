// The module the page imports is named by the query string: dist/index.js (the package's ES
// modules, by path) or dist/browser.js (clusterip/browser). No import map either way.
import { outcomeOf } from './outcome.js';

const entry = new URLSearchParams(location.search).get('entry');
const lib = await import(`/node_modules/clusterip/dist/${entry}`);
window.__outcome = outcomeOf(lib);
