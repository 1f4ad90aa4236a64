import { describe, expect, it } from 'vitest';
import { runCommand } from '../core/index.js';
import { renderArgv, renderString, type TemplateVars } from './template.js';

const vars: TemplateVars = {
  service: { name: 'api' },
  finding: {
    kind: 'down',
    labels: { pod: 'api-7d9f-x2', evil: '; rm -rf /', spaced: 'a b  c', brace: '{{service.name}}' },
  },
  replicas: 3,
};

describe('templates', () => {
  it('substitutes service and finding labels, whole and inside an element', () => {
    expect(renderArgv(['kubectl', 'delete', 'pod', '{{finding.labels.pod}}'], vars)).toEqual([
      'kubectl',
      'delete',
      'pod',
      'api-7d9f-x2',
    ]);
    expect(renderString('--name={{ service.name }}-{{replicas}}', vars)).toBe('--name=api-3');
  });

  it('never splits a value: an injection attempt stays one argument', async () => {
    const argv = renderArgv(
      [
        process.execPath,
        '-e',
        'console.log(JSON.stringify(process.argv.slice(1)))',
        '{{finding.labels.evil}}',
        '{{finding.labels.spaced}}',
      ],
      vars,
    );
    expect(argv).toHaveLength(5);
    expect(argv[3]).toBe('; rm -rf /');
    const res = await runCommand(argv);
    expect(JSON.parse(res.stdout)).toEqual(['; rm -rf /', 'a b  c']);
  });

  it('refuses a substituted value that would act as an option, but keeps literal flags', () => {
    const labelled: TemplateVars = { service: { name: 'api' }, finding: { labels: { pod: '--all' } } };
    expect(() => renderArgv(['kubectl', 'delete', 'pod', '{{finding.labels.pod}}'], labelled)).toThrow(
      /would act as an option/,
    );
    expect(renderArgv(['kubectl', '-n', 'prod', '--name={{service.name}}'], labelled)).toEqual([
      'kubectl',
      '-n',
      'prod',
      '--name=api',
    ]);
  });

  it('does not re-expand a value that looks like a template', () => {
    expect(renderString('{{finding.labels.brace}}', vars)).toBe('{{service.name}}');
  });

  it('refuses unknown keys, objects and malformed placeholders', () => {
    expect(() => renderString('{{finding.labels.node}}', vars)).toThrow(/unknown variable/);
    expect(() => renderString('{{nope}}', vars)).toThrow(/unknown variable/);
    expect(() => renderString('{{finding.labels}}', vars)).toThrow(/is an object/);
    expect(() => renderString('{{service.name', vars)).toThrow(/unbalanced/);
    expect(() => renderString('{{a b}}', vars)).toThrow(/not a variable name/);
    expect(() => renderString('{{service.__proto__}}', vars)).toThrow(/unknown variable/);
    expect(() => renderString('{{service.constructor}}', vars)).toThrow(/unknown variable/);
  });

  it('leaves strings without placeholders alone', () => {
    expect(renderArgv(['echo', 'plain', ''], vars)).toEqual(['echo', 'plain', '']);
  });
});
