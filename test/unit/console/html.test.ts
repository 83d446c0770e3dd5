import assert from 'node:assert/strict';
import { escapeHtml, html, trusted } from '../../../src/console/html';

// Issue 16: the console's one template helper escapes every value it is given.
describe('console html template', () => {
  it('escapes text in content and in quoted attributes', () => {
    const evil = `"><script>alert('x')</script>&\``;
    assert.equal(
      html`<a title="${evil}">${evil}</a>`.text,
      '<a title="&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&#96;">&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&#96;</a>',
    );
    assert.equal(escapeHtml('plain text'), 'plain text');
  });

  it('keeps nested templates and trusted strings as markup, joins arrays, drops null, undefined and false', () => {
    const inner = html`<b>${'<i>'}</b>`;
    assert.equal(
      html`<p>${inner}${[html`<br />`, '<br>']}${null}${undefined}${false}${0}</p>`.text,
      '<p><b>&lt;i&gt;</b><br />&lt;br&gt;0</p>',
    );
    assert.equal(html`${trusted('<rect/>')}`.text, '<rect/>');
  });
});
