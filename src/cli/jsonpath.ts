// `-o jsonpath=<template>` as kubectl reads it, for the part of its JSONPath that scripts use:
// literal text, `{.a.b}`, `{.items[0]}`, `{.items[*].metadata.name}`, `{['app.kubernetes.io/name']}`,
// `{range .items[*]}…{end}` and quoted literals such as `{"\n"}`. Several results of one path are
// joined by a space; strings print as they are, other values as JSON; a missing field prints
// nothing (kubectl's --allow-missing-template-keys, which is on by default). Filters (`[?()]`),
// recursive descent (`..`) and slices are refused with a usage error rather than misread.
import { UsageError } from './cli-errors.js';

type Step = { field: string } | { index: number } | { all: true };
type Node = { text: string } | { path: Step[] } | { range: Step[]; body: Node[] };

/** The template's output for `data`. */
export function renderJsonPath(template: string, data: unknown): string {
  const { nodes, end } = parseNodes(template, 0, false);
  if (end !== template.length) throw new UsageError(`-o jsonpath: unexpected {end} in "${template}"`);
  return renderNodes(nodes, data);
}

function renderNodes(nodes: Node[], data: unknown): string {
  let out = '';
  for (const node of nodes) {
    if ('text' in node) out += node.text;
    else if ('path' in node) out += select(data, node.path).map(printed).join(' ');
    else for (const item of select(data, node.range).flatMap((v) => (Array.isArray(v) ? v : [v]))) out += renderNodes(node.body, item);
  }
  return out;
}

const printed = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));

function select(data: unknown, path: Step[]): unknown[] {
  let values = [data];
  for (const step of path) {
    const next: unknown[] = [];
    for (const value of values) {
      if ('all' in step) {
        if (Array.isArray(value)) next.push(...value);
        else if (value !== null && typeof value === 'object') next.push(...Object.values(value));
      } else if ('index' in step) {
        if (Array.isArray(value)) {
          const at = step.index < 0 ? value.length + step.index : step.index;
          if (at >= 0 && at < value.length) next.push(value[at]);
        }
      } else if (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.hasOwn(value, step.field)) {
        next.push((value as Record<string, unknown>)[step.field]);
      }
    }
    values = next;
  }
  return values;
}

// Nodes up to the template's end, or up to `{end}` when inside a range (`end` is just past it).
function parseNodes(template: string, from: number, inRange: boolean): { nodes: Node[]; end: number } {
  const nodes: Node[] = [];
  let at = from;
  while (at < template.length) {
    const open = template.indexOf('{', at);
    if (open === -1) {
      nodes.push({ text: template.slice(at) });
      return { nodes, end: template.length };
    }
    if (open > at) nodes.push({ text: template.slice(at, open) });
    const close = closingBrace(template, open);
    const inner = template.slice(open + 1, close).trim();
    at = close + 1;
    if (inner === 'end') {
      if (!inRange) throw new UsageError(`-o jsonpath: {end} without {range} in "${template}"`);
      return { nodes, end: at };
    }
    if (inner.startsWith('range ')) {
      const body = parseNodes(template, at, true);
      nodes.push({ range: parsePath(inner.slice(6).trim(), template), body: body.nodes });
      at = body.end;
      continue;
    }
    if (inner.startsWith('"')) {
      try {
        nodes.push({ text: JSON.parse(inner) as string });
      } catch {
        throw new UsageError(`-o jsonpath: bad string literal ${inner}`);
      }
      continue;
    }
    nodes.push({ path: parsePath(inner, template) });
  }
  if (inRange) throw new UsageError(`-o jsonpath: {range} without {end} in "${template}"`);
  return { nodes, end: at };
}

function closingBrace(template: string, open: number): number {
  let quote = '';
  for (let i = open + 1; i < template.length; i++) {
    const c = template[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === '}') {
      return i;
    }
  }
  throw new UsageError(`-o jsonpath: unclosed "{" in "${template}"`);
}

function parsePath(text: string, template: string): Step[] {
  const steps: Step[] = [];
  let at = text.startsWith('$') ? 1 : 0;
  const refuse = (what: string): never => {
    throw new UsageError(`-o jsonpath: ${what} in "${template}" is not supported (fields, [n], [*], ['key'] and {range} are)`);
  };
  while (at < text.length) {
    if (text.startsWith('..', at)) refuse('recursive descent (..)');
    if (text[at] === '.') {
      const match = /^[^.[\]]*/.exec(text.slice(at + 1))![0];
      if (match === '*') steps.push({ all: true });
      else if (match !== '') steps.push({ field: match });
      at += 1 + match.length;
    } else if (text[at] === '[') {
      const close = text.indexOf(']', at);
      if (close === -1) refuse('an unclosed "["');
      const inner = text.slice(at + 1, close).trim();
      if (inner === '*') steps.push({ all: true });
      else if (/^-?\d+$/.test(inner)) steps.push({ index: Number(inner) });
      else if (/^'[^']*'$|^"[^"]*"$/.test(inner)) steps.push({ field: inner.slice(1, -1) });
      else refuse(`[${inner}]`);
      at = close + 1;
    } else {
      refuse(`"${text.slice(at)}"`);
    }
  }
  return steps;
}
