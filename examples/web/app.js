// The demo page: one allocator per CIDR (or node port range), the seed documents' breakdown, a pie
// of static vs dynamic share, and a map of the range coloured by free / chosen / dynamic.
import { ClusterIPAllocator, NodePortAllocator, describePortRange, describeRange } from '../../dist/browser.js';

const $ = (id) => document.getElementById(id);
const MAX_CELLS = 4096;
let ranges = []; // { info, allocator, chosen: Set<string>, card }

function formula(info) {
  const prefix = Number(info.cidr.split('/')[1]);
  const bits = (info.family === 'IPv4' ? 32 : 128) - prefix;
  const cidrSize = bits > 32 ? `2^${bits}` : String(2 ** bits);
  return bits <= 4 ? `cidrSize ${cidrSize} ≤ 16: no static band` : `min(max(16, ${cidrSize}/16), 256) = ${info.bandOffset}`;
}

const isPortRange = (text) => /^\d+(-\d+)?$/.test(text);

// A node port range behind the same face as an IP range: ports go in and out as text, and the
// range description carries the IP description's fields (size and band sizes as bigints).
function nodePortRange(text, seed) {
  const p = describePortRange(text);
  const a = new NodePortAllocator(p.range, { seed });
  const toPort = (t) => {
    if (!/^\d+$/.test(t)) throw new Error(`"${t}" is not a port number`);
    return Number(t);
  };
  const info = {
    ...p, cidr: p.range, family: 'node ports', size: BigInt(p.size), staticSize: BigInt(p.staticSize), dynamicSize: BigInt(p.dynamicSize),
  };
  const allocator = {
    stats: () => a.stats(),
    dispose: () => a.dispose(),
    get used() { return a.used; },
    allocateMany: (n) => a.allocateMany(n).map(String),
    allocate: (t) => String(a.allocate(toPort(t))),
    release: (t) => a.release(toPort(t)),
    contains: (t) => /^\d+$/.test(t) && a.contains(Number(t)),
    offsetOf: (t) => Number(t) - p.rangeStart,
    *[Symbol.iterator]() { for (const port of a) yield String(port); },
  };
  const formula = p.size <= 16 ? `size ${p.size} ≤ 16: no static band` : `min(max(16, ${p.size}/32), 128) = ${p.bandOffset}`;
  return { info, allocator, unit: 'ports', formula };
}

function ipRange(text, seed) {
  const info = describeRange(text);
  return { info, allocator: new ClusterIPAllocator(text, { seed }), unit: 'addresses', formula: formula(info) };
}

function showError(message) {
  $('error').textContent = message;
}

function setUp() {
  for (const r of ranges) r.allocator.dispose();
  ranges = [];
  $('ranges').replaceChildren();
  $('range-select').replaceChildren();
  $('last').textContent = '';
  showError('');
  const seedText = $('seed').value.trim();
  const seed = seedText === '' ? undefined : Number(seedText);
  try {
    if (seed !== undefined && !Number.isSafeInteger(seed)) throw new Error('the seed must be a whole number');
    const cidrs = $('cidrs').value.split(',').map((c) => c.trim()).filter(Boolean);
    if (cidrs.length === 0 || cidrs.length > 3) throw new Error('enter one or two CIDRs and/or a node port range, separated by commas');
    cidrs.forEach((cidr, i) => {
      const rangeSeed = seed === undefined ? undefined : seed + i;
      const { info, allocator, unit, formula: bandFormula } = isPortRange(cidr) ? nodePortRange(cidr, rangeSeed) : ipRange(cidr, rangeSeed);
      const card = $('range-card').content.firstElementChild.cloneNode(true);
      card.dataset.cidr = info.cidr;
      $('ranges').append(card);
      ranges.push({ info, allocator, chosen: new Set(), card, unit, formula: bandFormula });
      $('range-select').append(new Option(`${info.cidr} (${info.family})`, String(i)));
    });
  } catch (error) {
    showError(error.message);
  }
  render();
}

function field(card, name) {
  return card.querySelector(`[data-field="${name}"]`);
}

function render() {
  for (const r of ranges) {
    const { info, allocator, card, unit } = r;
    const stats = allocator.stats();
    field(card, 'cidr').textContent = `${info.cidr} — ${info.family}`;
    field(card, 'size').textContent = `${info.size.toLocaleString('en-US')} ${unit === 'ports' ? 'ports' : 'usable'} (${info.rangeStart} – ${info.rangeEnd})`;
    field(card, 'formula').textContent = r.formula;
    field(card, 'static').textContent = info.bandOffset > 0 ? `${info.staticStart} – ${info.staticEnd} (${info.staticSize} ${unit})` : 'none';
    field(card, 'dynamic').textContent = `${info.dynamicStart} – ${info.dynamicEnd} (${info.dynamicSize.toLocaleString('en-US')} ${unit})`;
    field(card, 'end').textContent = info.rangeEnd;
    field(card, 'used').textContent = String(stats.used);
    field(card, 'static-used').textContent = String(stats.static.used);
    field(card, 'dynamic-used').textContent = String(stats.dynamic.used);
    field(card, 'free').textContent = stats.free.toLocaleString('en-US');
    drawPie(card.querySelector('.pie'), Number(info.staticSize) / Number(info.size));
    drawMap(r, card.querySelector('.map'), field(card, 'map-caption'));
  }
}

function drawPie(svg, staticShare) {
  // A donut: the static share as an arc (at least a sliver so a small band stays visible).
  const share = staticShare === 0 ? 0 : Math.max(staticShare, 0.01);
  const angle = share * 2 * Math.PI;
  const x = Math.sin(angle);
  const y = -Math.cos(angle);
  const large = share > 0.5 ? 1 : 0;
  svg.innerHTML = `<circle r="1" fill="var(--dynamic)"></circle>` +
    (share > 0 ? `<path d="M0,0 L0,-1 A1,1 0 ${large} 1 ${x},${y} Z" fill="var(--static)"></path>` : '') +
    `<circle r="0.55" fill="white"></circle>` +
    `<text y="0.12" text-anchor="middle" font-size="0.32" fill="#1d2430">${(staticShare * 100).toFixed(1)}%</text>`;
}

function drawMap(r, canvas, caption) {
  const { info, allocator, chosen } = r;
  const size = Number(info.size);
  if (info.size > 2n ** 32n) {
    canvas.hidden = true;
    caption.textContent = `The map is drawn for ranges of up to 2^32 addresses; ${allocator.used} allocated.`;
    return;
  }
  canvas.hidden = false;
  const cells = Math.min(size, MAX_CELLS);
  const perCell = size / cells;
  const columns = Math.min(cells, 64);
  const rows = Math.ceil(cells / columns);
  const scale = 12;
  canvas.width = columns * scale;
  canvas.height = rows * scale;
  const taken = new Float64Array(cells);
  const takenChosen = new Float64Array(cells);
  for (const ip of allocator) {
    const cell = Math.min(cells - 1, Math.floor(allocator.offsetOf(ip) / perCell));
    taken[cell]++;
    if (chosen.has(ip)) takenChosen[cell]++;
  }
  const ctx = canvas.getContext('2d');
  const css = getComputedStyle(document.documentElement);
  const color = (name) => css.getPropertyValue(name).trim();
  for (let c = 0; c < cells; c++) {
    const x = (c % columns) * scale;
    const y = Math.floor(c / columns) * scale;
    const fill = taken[c] === 0 ? color('--free') : takenChosen[c] * 2 >= taken[c] ? color('--static') : color('--dynamic');
    ctx.globalAlpha = taken[c] === 0 ? 1 : Math.max(0.35, Math.min(1, taken[c] / perCell));
    ctx.fillStyle = fill;
    ctx.fillRect(x + 1, y + 1, scale - 2, scale - 2);
    ctx.globalAlpha = 1;
    if (c * perCell < info.bandOffset) {
      ctx.strokeStyle = '#8a5a12';
      ctx.strokeRect(x + 0.5, y + 0.5, scale - 1, scale - 1);
    }
  }
  const one = r.unit === 'ports' ? 'port' : 'address';
  caption.textContent = perCell === 1 ? `One cell per ${one}, lowest first.` : `One cell per ${Math.round(perCell).toLocaleString('en-US')} ${r.unit}, lowest first.`;
}

function selected() {
  return ranges[Number($('range-select').value)];
}

// The range an IP belongs to: the first that contains it, else the selected one (for the error).
function rangeFor(ip) {
  const holds = (r) => {
    try {
      return r.allocator.contains(ip);
    } catch {
      return false; // a port is no IP text, and an IP no port
    }
  };
  return ranges.find(holds) ?? selected();
}

function act(fn) {
  showError('');
  try {
    fn();
  } catch (error) {
    showError(error.message);
  }
  render();
}

$('setup').addEventListener('submit', (event) => {
  event.preventDefault();
  setUp();
});
$('allocate-many').addEventListener('click', () => act(() => {
  const n = Number($('count').value);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error('N must be a whole number');
  const ips = selected().allocator.allocateMany(n);
  $('last').textContent = ips.length ? `allocated ${ips.slice(0, 12).join(', ')}${ips.length > 12 ? ', …' : ''}` : '';
}));
$('allocate-ip').addEventListener('click', () => act(() => {
  const text = $('ip').value.trim();
  const r = rangeFor(text);
  const ip = r.allocator.allocate(text);
  r.chosen.add(ip);
  $('last').textContent = `allocated ${ip}`;
}));
$('release-ip').addEventListener('click', () => act(() => {
  const text = $('ip').value.trim();
  const r = rangeFor(text);
  if (!r.allocator.release(text)) throw new Error(`${text} was not allocated`);
  r.chosen.delete(text);
  $('last').textContent = `released ${text}`;
}));
$('reset').addEventListener('click', () => setUp());

setUp();
window.__demoReady = true;
