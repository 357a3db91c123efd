import { strict as assert } from 'node:assert';
import { linkTarget, personText } from '../../cards/text';

describe('person-typed text on cards', () => {
  it('spells out an inline link as its label and its real target', () => {
    assert.equal(personText('[https://portal.azure.com](https://evil.test)'), 'https://portal.azure.com (https://evil.test)');
    assert.equal(personText('see [the runbook](https://contoso.example/run "Runbook") now'), 'see the runbook (https://contoso.example/run) now');
    assert.equal(personText('[a](<https://evil.test>)'), 'a (https://evil.test)');
    assert.equal(personText('![logo](https://evil.test/p.png)'), 'logo (https://evil.test/p.png)');
    assert.equal(personText('[https://same.example](https://same.example)'), 'https://same.example', 'a label that is its target is shown once');
  });

  it('undoes nested links and breaks whatever bracket pair is left, so no `](` remains', () => {
    assert.equal(personText('[[https://a.example](https://b.example)](https://evil.test)'), 'https://a.example (https://b.example) (https://evil.test)');
    const parens = personText('[a](https://evil.test/x(1))');
    assert.doesNotMatch(parens, /\]\(/);
    assert.match(parens, /https:\/\/evil\.test\/x\(1\)/);
  });

  it('neutralises reference definitions and autolinks', () => {
    assert.equal(personText('see [docs][1]\n\n[1]: https://evil.test'), 'see [docs][1]\n\n1: https://evil.test');
    assert.equal(personText('- [ref]: https://evil.test'), '- ref: https://evil.test');
    assert.equal(personText('<https://evil.test> or <someone@evil.test>'), 'https://evil.test or someone@evil.test');
  });

  it('keeps bold, italic, lists and ordinary punctuation as typed', () => {
    for (const typed of ['**Payroll** is _down_\n- step one\n- step two', 'a < b and c > d', 'costs [EUR] 40 (net)', 'Front Door ${root.name} misrouted']) {
      assert.equal(personText(typed), typed);
    }
    assert.equal(personText(undefined), '');
  });

  it('caps the length, cutting on whole characters', () => {
    assert.equal(personText('abcdef', 4), 'abc…');
    assert.equal(personText('😀😀😀😀', 3), '😀😀…');
    assert.equal(personText('x'.repeat(100_000)).length, 4000);
  });

  it('leaves no link markup in deeply nested or unbalanced brackets', () => {
    const out = personText(`${'['.repeat(3000)}${'](https://evil.test)'.repeat(500)}`);
    assert.doesNotMatch(out, /\]\(/);
  });

  it('percent-encodes in a link target what could close the link and open another', () => {
    assert.equal(linkTarget('https://contoso.example/plan'), 'https://contoso.example/plan');
    assert.equal(linkTarget('https://a.example/x)[Pay here](https://evil.test'), 'https://a.example/x%29%5BPay%20here%5D%28https://evil.test');
  });
});
