/**
 * Just enough of an XML reader for the lab hypervisor to read the domain XML rackshift
 * sends, as libvirt would: elements, attributes in either quote, text, the five entities and
 * character references. DOCTYPE and custom entities are refused, as libvirt refuses them.
 */
export interface XmlNode {
  readonly name: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: XmlNode[];
  text: string;
}

const ENTITIES: Readonly<Record<string, string>> = {
  lt: '<',
  gt: '>',
  amp: '&',
  quot: '"',
  apos: "'",
};
const TAG =
  /<(\/?)([A-Za-z_][A-Za-z0-9_.:-]*)((?:\s+[A-Za-z_][A-Za-z0-9_.:-]*\s*=\s*(?:'[^'<]*'|"[^"<]*"))*)\s*(\/?)>/y;
const ATTR = /([A-Za-z_][A-Za-z0-9_.:-]*)\s*=\s*(?:'([^'<]*)'|"([^"<]*)")/g;

function unescape(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);|&/g, (whole, ref: string | undefined) => {
    if (ref === undefined) throw new Error('unescaped "&"');
    if (ref.startsWith('#x')) return String.fromCodePoint(parseInt(ref.slice(2), 16));
    if (ref.startsWith('#')) return String.fromCodePoint(parseInt(ref.slice(1), 10));
    const known = ENTITIES[ref];
    if (known === undefined) throw new Error(`unknown entity ${whole}`);
    return known;
  });
}

/**
 * The root element; throws Error with a libvirt-like reason when the document is not well formed.
 */
export function readXml(xml: string): XmlNode {
  const stack: XmlNode[] = [];
  let root: XmlNode | undefined;
  let at = 0;
  while (at < xml.length) {
    const lt = xml.indexOf('<', at);
    const text = xml.slice(at, lt === -1 ? xml.length : lt);
    const parent = stack[stack.length - 1];
    if (parent !== undefined) parent.text += unescape(text);
    else if (text.trim() !== '') throw new Error('text outside the root element');
    if (lt === -1) break;
    if (xml.startsWith('<?', lt)) {
      const end = xml.indexOf('?>', lt);
      if (end === -1 || stack.length > 0 || root !== undefined)
        throw new Error('misplaced XML declaration');
      at = end + 2;
      continue;
    }
    if (xml.startsWith('<!--', lt)) {
      const end = xml.indexOf('-->', lt);
      if (end === -1) throw new Error('unterminated comment');
      at = end + 3;
      continue;
    }
    if (xml.startsWith('<!', lt))
      throw new Error('DOCTYPE and entity declarations are not allowed');
    TAG.lastIndex = lt;
    const m = TAG.exec(xml);
    if (m === null) throw new Error(`malformed tag at offset ${lt}`);
    const [, closing, name = '', attrText = '', selfClosing] = m;
    at = TAG.lastIndex;
    if (closing === '/') {
      const open = stack.pop();
      if (open?.name !== name || attrText !== '' || selfClosing === '/')
        throw new Error(`unexpected closing tag </${name}>`);
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const a of attrText.matchAll(ATTR)) {
      const key = a[1] ?? '';
      if (key in attrs) throw new Error(`attribute ${key} repeated`);
      attrs[key] = unescape(a[2] ?? a[3] ?? '');
    }
    const node: XmlNode = { name, attrs, children: [], text: '' };
    if (parent !== undefined) parent.children.push(node);
    else if (root === undefined) root = node;
    else throw new Error('more than one root element');
    if (selfClosing !== '/') stack.push(node);
  }
  if (root === undefined || stack.length > 0) throw new Error('document is empty or not closed');
  return root;
}
