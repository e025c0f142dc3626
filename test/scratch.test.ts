import { test } from 'vitest';
import { Parser } from 'yaml';
import { decodeDocument } from '../lib/yaml/cst-value.js';
import { KrmItem, type ObjectValue } from '../lib/item.js';
function item(text: string) {
  const doc = [...new Parser().parse(text)].find((t) => t.type === 'document') as any;
  return new KrmItem(decodeDocument(doc, text) as ObjectValue, 'yaml', { text, pad: 0 });
}
test('scratch', () => {
  const src = `# head\napiVersion: route.openshift.io/v1 # c\nkind: Route\nmetadata:\n  name: x\n  annotations: {a: b}\nspec:\n  # the host\n  host: foo.com   # trailing\n  to:\n    kind: Service\n  port: {targetPort: 8080}\n`;
  const i = item(src);
  i.delete(['spec', 'host']);
  i.set(['metadata', 'annotations', 'new'], 'yes');
  i.set(['metadata', 'labels', 'app'], '0755');
  i.set(['spec', 'to', 'name'], 'svc');
  i.set(['spec', 'port', 'targetPort'], 9090);
  i.set(['spec', 'tls'], { termination: 'edge', list: ['a', { b: 1 }] });
  console.log(i.yamlSource);
  const j = item(`- a: 1\n  b: 2\n`.replace(/^/, 'x:\n').replace('x:\n- a', 'x:\n- a'));
  j.delete(['x', 0, 'a']); console.log(j.yamlSource);
  const k = item(`a: 1\nb: 2`); k.delete(['b']); console.log(JSON.stringify(k.yamlSource));
  const l = item(`a:\n  b: 1\nc: 3\n`); l.delete(['a','b']); l.set(['c'], { d: [1, 2] }); console.log(l.yamlSource);
});
