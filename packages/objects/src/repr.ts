/**
 * repr() of the built-ins, for error messages (KeyError shows the key's repr, as CPython)
 * and debugging. Nesting is bounded (MAX_DEPTH levels, MAX_ITEMS items per container, then
 * "..."), so the recursion below is over a few levels, never over an object graph.
 */
import { OB_SIZE_IDX, hexAddr, type Addr } from '@pyheap/interface';
import {
  KIND_BOOL,
  KIND_BYTES,
  KIND_DICT,
  KIND_FLOAT,
  KIND_INSTANCE,
  KIND_INT,
  KIND_LIST,
  KIND_NONE,
  KIND_STR,
  KIND_TUPLE,
  KIND_TYPE,
  type Core,
} from './internal/core.js';
import { CLASS_NAME_IDX, NUM_VALUE_OFF, STR_DATA_OFF } from './layout.js';

const MAX_DEPTH = 4;
const MAX_ITEMS = 16;

/** repr(obj), bounded. */
export function repr(core: Core, obj: Addr, depth = 0): string {
  if (obj === 0) return '<NULL>';
  const k = core.kindOf(obj);
  switch (k) {
    case KIND_NONE:
      return 'None';
    case KIND_BOOL:
      return obj === core.True ? 'True' : 'False';
    case KIND_INT:
      return String(core.f64[(obj + NUM_VALUE_OFF) >>> 3]);
    case KIND_FLOAT:
      return floatRepr(core.f64[(obj + NUM_VALUE_OFF) >>> 3]);
    case KIND_STR:
      return strRepr(core.rt.str.value(obj));
    case KIND_BYTES:
      return bytesRepr(core, obj);
    case KIND_TUPLE:
    case KIND_LIST: {
      const items = k === KIND_TUPLE ? core.rt.tuple.items(obj) : core.rt.list.items(obj);
      const open = k === KIND_TUPLE ? '(' : '[';
      const close = k === KIND_TUPLE ? (items.length === 1 ? ',)' : ')') : ']';
      if (depth >= MAX_DEPTH && items.length > 0) return `${open}...${close}`;
      return (
        open + joinItems(items.map((x) => (x === 0 ? '<NULL>' : repr(core, x, depth + 1)))) + close
      );
    }
    case KIND_DICT: {
      const pairs = core.rt.dict.items(obj);
      if (depth >= MAX_DEPTH && pairs.length > 0) return '{...}';
      return (
        '{' +
        joinItems(
          pairs.map(([a, b]) => `${repr(core, a, depth + 1)}: ${repr(core, b, depth + 1)}`),
        ) +
        '}'
      );
    }
    case KIND_TYPE:
      return `<class '${core.rt.str.value(core.heap.u32[(obj >>> 2) + CLASS_NAME_IDX])}'>`;
    case KIND_INSTANCE:
      return `<${core.heap.typeName(obj)} object at ${hexAddr(obj)}>`;
    default:
      return core.heap.describe(obj);
  }
}

function joinItems(parts: string[]): string {
  if (parts.length > MAX_ITEMS) return parts.slice(0, MAX_ITEMS).join(', ') + ', ...';
  return parts.join(', ');
}

/** float_repr: shortest round-trip digits, exponent form outside 1e-4 ≤ |v| < 1e16. */
export function floatRepr(v: number): string {
  if (v !== v) return 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  if (v === 0) return Object.is(v, -0) ? '-0.0' : '0.0';
  const a = Math.abs(v);
  if (a >= 1e16 || a < 1e-4) {
    // JS "1.5e-7" → Python "1.5e-07".
    return v.toExponential().replace(/e([+-])(\d)$/, 'e$10$2');
  }
  const s = String(v);
  return Number.isInteger(v) ? s + '.0' : s;
}

/** unicode_repr: single quotes unless the text has ' and no ", with the usual escapes. */
export function strRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === quote || ch === '\\') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + quote;
}

function bytesRepr(core: Core, obj: Addr): string {
  const n = core.heap.u32[(obj >>> 2) + OB_SIZE_IDX];
  const u8 = core.u8;
  const p = obj + STR_DATA_OFF;
  let hasSingle = false;
  let hasDouble = false;
  for (let k = 0; k < n; k++) {
    if (u8[p + k] === 0x27) hasSingle = true;
    if (u8[p + k] === 0x22) hasDouble = true;
  }
  const quote = hasSingle && !hasDouble ? 0x22 : 0x27;
  let out = 'b' + String.fromCharCode(quote);
  for (let k = 0; k < n; k++) {
    const c = u8[p + k];
    if (c === quote || c === 0x5c) out += '\\' + String.fromCharCode(c);
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c < 0x20 || c >= 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += String.fromCharCode(c);
  }
  return out + String.fromCharCode(quote);
}
