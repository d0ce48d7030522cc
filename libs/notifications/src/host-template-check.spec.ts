import { EVENT_CATALOGUE } from './event-catalogue';
import { HOST_EVENT_NAME } from './host-event-types.service';
import { SchemaNode, checkTemplate } from './host-template-check';

const schema: SchemaNode = {
  type: 'object',
  properties: {
    caller: { type: 'object', properties: { name: { type: 'string' }, phone: { type: 'string' } } },
    items: { type: 'array', items: { type: 'object', properties: { sku: { type: 'string' } } } },
    extra: { type: 'object' },
    title: { type: 'string' },
  },
};
const LINKS = ['notification_preferences', 'sign_in'];
const sut = (source: string, root: SchemaNode | null = schema) => checkTemplate('templates.en.email.html', source, root, LINKS);

describe('checkTemplate', () => {
  it('accepts declared variables, nested paths, #each and #with scopes, block params, @root and the standard variables', () => {
    const source = [
      'Hi {{name}} ({{locale}}) {{publicUrl}} {{links.sign_in}}',
      '{{caller.name}} {{#with caller}}{{phone}} {{../title}}{{/with}}',
      '{{#each items}}{{sku}} {{@index}} {{@root.title}}{{else}}{{title}}{{/each}}',
      '{{#each items as |item i|}}{{item.sku}} {{i}}{{/each}}',
      '{{#if title}}{{title}}{{else}}{{lookup caller "name"}}{{/if}} {{extra.anything}}',
    ].join('\n');
    expect(sut(source)).toEqual([]);
  });

  it('names the undeclared variable and its line, also inside a block', () => {
    expect(sut('ok\n{{titel}}\n{{#each items}}{{sku}} {{price}}{{/each}}\n{{caller.email}}')).toEqual([
      {
        field: 'templates.en.email.html',
        message: expect.stringMatching(/^line 2: \{\{titel\}\} is not declared in dataSchema\.properties/),
      },
      {
        field: 'templates.en.email.html',
        message: expect.stringMatching(/^line 3: \{\{price\}\}: price is not declared in the schema of this/),
      },
      {
        field: 'templates.en.email.html',
        message: expect.stringMatching(/^line 4: \{\{caller\.email\}\}: email is not declared in the schema of caller/),
      },
    ]);
  });

  it('refuses unknown helpers, partials, unknown links and unknown @ variables', () => {
    expect(sut('{{shout title}}\n{{> footer}}\n{{links.reset_password}}\n{{@secret}}').map((e) => e.message)).toEqual([
      expect.stringMatching(/^line 1: shout is not a helper/),
      expect.stringMatching(/^line 2: partials/),
      expect.stringMatching(/^line 3: .*reset_password is not a link/),
      expect.stringMatching(/^line 4: \{\{@secret\}\}/),
    ]);
  });

  it('reports a syntax error with its line, and only that', () => {
    expect(sut('a\nb\n{{#if title}}never closed')).toEqual([
      { field: 'templates.en.email.html', message: expect.stringMatching(/^line 3: /) },
    ]);
    expect(sut('{{#each items}}\n{{/with}}')).toEqual([
      { field: 'templates.en.email.html', message: expect.stringMatching(/^line 1: each doesn't match with/) },
    ]);
  });

  it('checks only the syntax when the schema itself is invalid (its own errors are reported)', () => {
    expect(sut('{{anything}}', null)).toEqual([]);
    expect(sut('{{#if}}', null)).toHaveLength(1);
  });
});

describe('the host. namespace', () => {
  it('holds no built-in event, so a registered type can never shadow one', () => {
    expect(Object.keys(EVENT_CATALOGUE).filter((name) => HOST_EVENT_NAME.test(name) || name.startsWith('host.'))).toEqual([]);
    expect(['host.call.missed', 'host.a.b.c.d'].every((n) => HOST_EVENT_NAME.test(n))).toBe(true);
    expect(['host', 'host.', 'host.Call', 'calls.missed', 'host.a.b.c.d.e', 'host.call..x'].some((n) => HOST_EVENT_NAME.test(n))).toBe(
      false,
    );
  });
});
