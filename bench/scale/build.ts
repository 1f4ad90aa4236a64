/**
 * The daemon as it ships: `bin/medic.js` runs compiled JavaScript, not the TypeScript through tsx (whose loader
 * thread and kept sources cost tens of MB of RSS the product does not pay). Each source file is transpiled on
 * its own, which is exact here: tsconfig sets isolatedModules and verbatimModuleSyntax, so no file needs
 * another's types to be emitted. Beside the output sit links to node_modules and web/, so paths resolved from
 * the compiled files (the dashboard's web/dist) are those of the repository.
 */
import { mkdir, mkdtemp, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ts from 'typescript';

const SKIP = /\.(test|fixture)\.ts$|\.d\.ts$/;

async function sources(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await sources(p)));
    else if (e.name.endsWith('.ts') && !SKIP.test(e.name)) out.push(p);
  }
  return out;
}

/** Compiles `<root>/src` into a fresh temporary tree; returns the path of the CLI's entry point. */
export async function buildDaemon(root: string): Promise<string> {
  const out = await mkdtemp(path.join(tmpdir(), 'medic-scale-build-'));
  const src = path.join(root, 'src');
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    // Every file is an ES module (package.json says "type": "module"), which transpileModule cannot see.
    module: ts.ModuleKind.ES2022,
    verbatimModuleSyntax: true,
    isolatedModules: true,
    esModuleInterop: true,
  };
  for (const file of await sources(src)) {
    const text = await readFile(file, 'utf8');
    const { outputText, diagnostics } = ts.transpileModule(text, {
      compilerOptions: options,
      fileName: file,
    });
    if (diagnostics?.length) {
      throw new Error(`${file}: ${ts.flattenDiagnosticMessageText(diagnostics[0]!.messageText, '\n')}`);
    }
    const target = path.join(out, 'dist', path.relative(src, file)).replace(/\.ts$/, '.js');
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, outputText);
  }
  await writeFile(path.join(out, 'package.json'), JSON.stringify({ type: 'module' }));
  await symlink(path.join(root, 'node_modules'), path.join(out, 'node_modules'));
  await symlink(path.join(root, 'web'), path.join(out, 'web'));
  return path.join(out, 'dist', 'cli', 'main.js');
}
