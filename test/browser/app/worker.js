import * as lib from '/node_modules/clusterip/dist/browser.js';
import { outcomeOf } from './outcome.js';

postMessage(outcomeOf(lib));
