import { describe, expect, it } from '@jest/globals';

import { checkTemplate, renderTemplate, tableTemplate } from './go-template.js';

const image = {
  Id: 'sha256:abc',
  RepoTags: ['alpine:latest', 'alpine:3'],
  Config: { Cmd: ['/bin/sh', '-c', 'echo hi'], Env: [], Labels: { b: '2', a: '1' }, User: '' },
  Size: 1982490,
  Nothing: null,
};

describe('renderTemplate', () => {
  it.each<[string, string]>([
    ['{{.Id}}', 'sha256:abc'],
    ['{{ .Id }}', 'sha256:abc'],
    ['{{.Config.Cmd}}', '[/bin/sh -c echo hi]'],
    ['{{.Config.Env}}', '[]'],
    ['{{.Config.Labels}}', 'map[a:1 b:2]'],
    ['{{.Config.User}}', ''],
    ['{{.Size}}', '1982490'],
    ['{{.Missing}}', '<no value>'],
    ['{{.Nothing}}', '<nil>'],
    ['{{json .Config.Cmd}}', '["/bin/sh","-c","echo hi"]'],
    ['{{json .RepoTags}}', '["alpine:latest","alpine:3"]'],
    ['id={{.Id}}\tsize={{.Size}}', 'id=sha256:abc\tsize=1982490'],
    // Typed in shell quotes: a backslash and a t, which docker turns into a tab.
    ['{{.Id}}\\t{{.Size}}\\n', 'sha256:abc\t1982490\n'],
  ])('renders %s as Go does', (template, expected) => {
    expect(renderTemplate(template, image)).toBe(expected);
  });

  it('renders {{json .}} as the whole object', () => {
    expect(JSON.parse(renderTemplate('{{json .}}', image))).toEqual(image);
  });

  it.each(['{{index .RepoTags 0}}', '{{range .RepoTags}}', '{{.Id | upper}}', '{{$x}}'])(
    'refuses %s by name instead of guessing',
    (template) => {
      expect(() => checkTemplate(template)).toThrow(
        expect.objectContaining({ code: 'ERR_IZA_CLI_FORMAT' }),
      );
    },
  );
});

describe('tableTemplate', () => {
  it("gives docker's header row for a table template", () => {
    expect(tableTemplate('table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}')).toEqual({
      row: '{{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}',
      header: 'REPOSITORY\tTAG\tIMAGE ID\tCREATED SINCE',
    });
  });

  it('is undefined for a plain template', () => {
    expect(tableTemplate('{{.ID}}')).toBeUndefined();
  });
});
