/**
 * A tiny XML writer: the only way rackshift produces XML, so that no value ever reaches a
 * document unescaped. Element and attribute names come from code and must be plain names;
 * every value is escaped, and characters XML 1.0 cannot carry are refused.
 */
export type XmlValue = string | number;
export type XmlChild = XmlElement | XmlValue;

export interface XmlElement {
  readonly name: string;
  readonly attrs: ReadonlyArray<readonly [string, XmlValue]>;
  readonly children: readonly XmlChild[];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
/**
 * Controls other than tab, newline and carriage return, and the two non-characters, are not XML
 * 1.0.
 */
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;
const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

function checkName(name: string): string {
  if (!NAME.test(name)) throw new Error(`not an XML name: ${JSON.stringify(name)}`);
  return name;
}

export function escapeXml(value: XmlValue): string {
  const text = String(value);
  if (NOT_XML.test(text)) throw new Error('value contains a character XML cannot carry');
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

/**
 * `el('vcpu', { placement: 'static' }, 4)`; undefined attributes and false children are left out.
 */
export function el(
  name: string,
  attrs: Readonly<Record<string, XmlValue | undefined>> = {},
  ...children: ReadonlyArray<XmlChild | false | undefined>
): XmlElement {
  const kept = Object.entries(attrs).filter((a): a is [string, XmlValue] => a[1] !== undefined);
  for (const [key] of kept) checkName(key);
  return {
    name: checkName(name),
    attrs: kept,
    children: children.filter((c): c is XmlChild => c !== undefined && c !== false),
  };
}

function render(e: XmlElement, indent: string): string {
  const attrs = e.attrs.map(([k, v]) => ` ${k}='${escapeXml(v)}'`).join('');
  if (e.children.length === 0) return `${indent}<${e.name}${attrs}/>`;
  if (e.children.every((c) => typeof c !== 'object'))
    return `${indent}<${e.name}${attrs}>${e.children.map(escapeXml).join('')}</${e.name}>`;
  const inner = e.children.map((c) =>
    typeof c === 'object' ? render(c, `${indent}  `) : `${indent}  ${escapeXml(c)}`,
  );
  return `${indent}<${e.name}${attrs}>\n${inner.join('\n')}\n${indent}</${e.name}>`;
}

/** The document, indented by two spaces, with a final newline. */
export function renderXml(root: XmlElement): string {
  return `${render(root, '')}\n`;
}
