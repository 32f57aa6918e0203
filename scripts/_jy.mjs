import { load } from 'js-yaml';
const { KUBECTL_SCHEMA } = await import('/work/main/dist/cli/yaml-schema.js');
const { readBlockDocument } = await import('/work/main/dist/cli/yaml-block-reader.js');
const t = process.argv[2].replace(/\\n/g, '\n');
console.log(t);
try { console.log('js-yaml', JSON.stringify(load(t, { schema: KUBECTL_SCHEMA }))); } catch (e) { console.log('js-yaml ERR', e.reason); }
const r = readBlockDocument(t); console.log('fast', typeof r === 'symbol' ? 'NOT_READ' : JSON.stringify(r));
